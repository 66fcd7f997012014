//! What a client may get wrong, over raw TCP against `trekmail serve`: a malformed command is
//! answered `BAD` and the session goes on; a line or literal over the configured limit is
//! refused without being read; floods and idle clients are let go; LITERAL+ works; and random
//! or mutated command lines (TREKMAIL_FUZZ_ROUNDS, default 2000) never stop the server from
//! answering.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::imap_raw::Client;
use common::*;
use std::io::Write;

const LIMITS: &str = "max_line_bytes = 2048\nmax_literal_bytes = 4096";

/// A server with `limits` in its `[imap]` section, kept running as long as the `Serve` lives.
fn server(limits: &str) -> (Serve, u16) {
    let (_dir, config) = setup_imap("", limits);
    let (server, lines) = serve(&config);
    seed(&config);
    (server, imap_port(&lines))
}

#[test]
fn malformed_commands_get_bad_and_the_session_goes_on() {
    let (_guard, port) = server(LIMITS);
    let mut c = Client::connect(port);
    for bad in [
        &b"a1 FROB\r\n"[..],
        b"a2 SELECT\r\n",
        b"a3 FETCH 1:* (FLAGS\r\n",
        b"a4 LOGIN \"unterminated\r\n",
        b"\x00\xff\xfe garbage\r\n",
        b"a5 NOOP\n",
    ] {
        c.send(bad);
        let line = c.line();
        assert!(line.contains("BAD"), "{bad:?} got {line}");
    }
    c.send(b"b NOOP\r\n");
    assert!(c.until("b ").starts_with("b OK"));
    c.sign_in();
    c.send(b"c FETCH 1 (BODY[1.0.2])\r\nd SELECT INBOX\r\ne FETCH 99 (FLAGS)\r\n");
    assert!(c.until("c ").starts_with("c BAD"));
    assert!(c.until("d ").starts_with("d OK"));
    assert!(c.until("e ").starts_with("e BAD"));
}

#[test]
fn an_overlong_line_ends_the_connection_unread() {
    let (_guard, port) = server(LIMITS);
    let mut c = Client::connect(port);
    // Far more than the limit and no line end: refused once the limit is passed.
    let long = vec![b'x'; 64 * 1024];
    let _ = c.reader.get_mut().write_all(&long);
    assert!(c.until("* BYE").contains("too long"));
    assert!(c.closed());
}

#[test]
fn a_literal_over_the_limit_is_refused_and_the_session_goes_on() {
    let (_guard, port) = server(LIMITS);
    let mut c = Client::connect(port);
    c.sign_in();
    c.send(b"a APPEND INBOX {100000}\r\n");
    assert!(c.line().starts_with("a BAD"), "no BAD for the literal");
    c.send(b"b NOOP\r\n");
    assert!(c.until("b ").starts_with("b OK"));
    // Within the limit, synchronising and LITERAL+ alike.
    c.send(b"c APPEND INBOX {22}\r\n");
    assert!(c.line().starts_with('+'));
    c.send(b"Subject: one\r\n\r\nbody\r\n\r\n");
    assert!(c.until("c ").contains("APPENDUID"));
    c.send(b"d APPEND INBOX {22+}\r\nSubject: two\r\n\r\nbody\r\n\r\n");
    assert!(c.until("d ").contains("APPENDUID"));
    c.send(b"e STATUS INBOX (MESSAGES)\r\n");
    assert!(c.until("* STATUS").contains("MESSAGES 2"));
}

#[test]
fn a_flood_of_bad_commands_is_let_go() {
    let (_guard, port) = server(LIMITS);
    let mut c = Client::connect(port);
    let mut flood = Vec::new();
    for i in 0..50 {
        flood.extend_from_slice(format!("x{i} NONSENSE\r\n").as_bytes());
    }
    let _ = c.reader.get_mut().write_all(&flood);
    assert!(c.until("* BYE").contains("Too many"));
    assert!(c.closed());
}

#[test]
fn an_idle_client_is_logged_out() {
    // RFC 3501's 30 minutes is the default; 2 s here.
    let (_guard, port) = server("autologout_secs = 2");
    let mut c = Client::connect(port);
    c.sign_in();
    let bye = c.until("* BYE");
    assert!(bye.contains("Autologout"), "{bye}");
    assert!(c.closed());
}

/// A small deterministic generator (xorshift), so a failing seed can be replayed.
struct Random(u64);

impl Random {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

const SEEDS: &[&str] = &[
    "SELECT INBOX",
    "FETCH 1:* (FLAGS BODY.PEEK[HEADER.FIELDS (SUBJECT)] BODYSTRUCTURE)",
    "UID FETCH 1:* (BODY.PEEK[1.MIME]<0.10>)",
    "FETCH 1:* (BINARY.PEEK[1]<0.10> BINARY.SIZE[2] ENVELOPE)",
    "STORE 1 +FLAGS (\\Seen)",
    "SEARCH OR SUBJECT a FROM b",
    "COPY 1 Archive",
    "MOVE 1 Trash",
    "LIST \"\" *",
    "STATUS INBOX (MESSAGES UIDNEXT)",
    "GETQUOTAROOT INBOX",
    "NAMESPACE",
    "ID NIL",
    "ENABLE CONDSTORE",
    "EXPUNGE",
    "UID EXPUNGE 1:*",
    "CREATE a/b",
    "RENAME a/b c",
    "APPEND INBOX {5+}\r\nhello",
    "UNSELECT",
];

/// Random and mutated command lines, each followed by a NOOP that must be answered: the
/// connection stays in step, whatever came before. Then the store is still readable.
#[test]
fn random_and_mutated_commands_never_break_the_session() {
    let rounds: usize = std::env::var("TREKMAIL_FUZZ_ROUNDS")
        .ok()
        .and_then(|r| r.parse().ok())
        .unwrap_or(2000);
    let seed = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos() as u64
        | 1;
    println!("seed {seed}");
    let mut rng = Random(seed);
    let (_guard, port) = server(LIMITS);
    let mut c = Client::connect(port);
    c.sign_in();
    c.send(b"s APPEND INBOX {40+}\r\nSubject: a\r\nFrom: b@c\r\n\r\nbody text here\r\n\r\n");
    c.until("s ");
    for round in 0..rounds {
        let mut line: Vec<u8> = SEEDS[rng.below(SEEDS.len())].as_bytes().to_vec();
        for _ in 0..rng.below(4) {
            let at = rng.below(line.len() + 1);
            match rng.below(4) {
                0 if at < line.len() => {
                    line.remove(at);
                }
                1 => line.insert(at, (rng.next() & 0xff) as u8),
                2 => line.insert(at, {
                    let specials = b"(){}[]<>\"\\*%.: 0123456789";
                    specials[rng.below(specials.len())]
                }),
                _ => line.truncate(at),
            }
        }
        // A stray line end would split the command; a literal announcement would swallow
        // the NOOP: both are fine, but then the NOOP's answer comes later, so strip them.
        line.retain(|b| *b != b'\n' && *b != b'\r' && *b != b'{');
        let mut command = format!("f{round} ").into_bytes();
        command.extend_from_slice(&line);
        command.extend_from_slice(format!("\r\nn{round} NOOP\r\n").as_bytes());
        c.send(&command);
        let answer = c.until(&format!("n{round} "));
        assert!(
            answer.starts_with(&format!("n{round} OK")),
            "seed {seed} round {round}: {:?} left {answer}",
            String::from_utf8_lossy(&line)
        );
    }
    c.send(b"z SELECT INBOX\r\n");
    assert!(c.until("z ").starts_with("z OK"));
}
