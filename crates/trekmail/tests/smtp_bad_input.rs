//! Bad input on the inbound listener, byte for byte: commands out of order, bare LF, over-long
//! lines, too many recipients, pipelined commands, 8-bit headers, broken or cut-off messages
//! and a flood of errors; BDAT chunks (RFC 3030) in and out of order. Each gets the RFC's
//! answer, the session goes on or ends cleanly, and only the good messages are ever stored.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::*;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::time::Duration;

const ANN: &str = "ann@example.com";
const PASSWORD: &str = "Ann-first-pass-1";

/// A raw SMTP conversation.
struct Conversation {
    reader: BufReader<TcpStream>,
}

impl Conversation {
    fn open(port: u16) -> Conversation {
        let tcp = TcpStream::connect(("127.0.0.1", port)).unwrap();
        tcp.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
        let mut c = Conversation {
            reader: BufReader::new(tcp),
        };
        assert!(c.reply().starts_with("220 "));
        c
    }

    fn send(&mut self, bytes: &[u8]) {
        self.reader.get_mut().write_all(bytes).unwrap();
    }

    /// One reply, its lines joined; "" when the server closed the connection.
    fn reply(&mut self) -> String {
        let mut all = String::new();
        loop {
            let mut line = String::new();
            if self.reader.read_line(&mut line).unwrap() == 0 {
                return all;
            }
            all.push_str(&line);
            if line.as_bytes().get(3) != Some(&b'-') {
                return all;
            }
        }
    }

    /// Sends a command and returns its reply.
    fn ask(&mut self, command: &[u8]) -> String {
        self.send(command);
        self.reply()
    }

    fn closed(&mut self) -> bool {
        let mut rest = Vec::new();
        matches!(self.reader.read_to_end(&mut rest), Ok(0))
    }
}

fn expect(reply: &str, start: &str) {
    assert!(
        reply.starts_with(start),
        "expected {start:?}, got {reply:?}"
    );
}

#[test]
fn bad_input_gets_rfc_answers_and_nothing_half_delivered() {
    let (_dir, config) = setup_with("", "max_recipients = 3");
    seed(&config);
    let (_server, lines) = serve(&config);
    let port = smtp_port(&lines, "inbound");

    let mut c = Conversation::open(port);
    expect(&c.ask(b"MAIL FROM:<x@far.example>\r\n"), "503 5.5.1");
    expect(&c.ask(b"EHLO client.example\r\n"), "250-");
    expect(&c.ask(b"RCPT TO:<ann@example.com>\r\n"), "503 5.5.1");
    expect(&c.ask(b"DATA\r\n"), "503 5.5.1");
    expect(&c.ask(b"NOOP\n"), "500 5.5.2");
    let long = [vec![b'N'; 20_000], b"\r\n".to_vec()].concat();
    expect(&c.ask(&long), "500 5.5.2");
    expect(&c.ask(b"NOOP\r\n"), "250 ");
    expect(
        &c.ask(b"AUTH PLAIN AGFubkBleGFtcGxlLmNvbQB4\r\n"),
        "502 5.5.1",
    );
    expect(
        &c.ask(b"MAIL FROM:<x@far.example> SIZE=999999999999\r\n"),
        "552 5.3.4",
    );
    expect(&c.ask(b"MAIL FROM:<x@far.example> FROB=1\r\n"), "555 5.5.4");
    expect(&c.ask(b"MAIL FROM:<x@far.example>\r\n"), "250 ");
    expect(&c.ask(b"MAIL FROM:<x@far.example>\r\n"), "503 5.5.1");
    for _ in 0..3 {
        expect(&c.ask(b"RCPT TO:<ann@example.com>\r\n"), "250 ");
    }
    expect(&c.ask(b"RCPT TO:<ann@example.com>\r\n"), "452 4.5.3");
    expect(&c.ask(b"RCPT TO:<bad address>\r\n"), "501 ");

    // Pipelined: every answer, in order; an 8-bit header is taken as it is.
    c.send(b"RSET\r\nMAIL FROM:<x@far.example>\r\nRCPT TO:<ann@example.com>\r\nDATA\r\n");
    for start in ["250 ", "250 ", "250 ", "354 "] {
        expect(&c.reply(), start);
    }
    expect(
        &c.ask(b"Subject: eight-bit\r\nX-Name: caf\xc3\xa9 \xff\r\n\r\n..dot\r\n.\r\n"),
        "250 2.0.0",
    );

    // A bare LF or an over-long line inside a message: refused whole, session in step.
    for body in [
        b"Subject: bare lf\r\n\r\none\ntwo\r\n.\r\n".to_vec(),
        [
            b"Subject: long\r\n\r\n".to_vec(),
            vec![b'x'; 1200],
            b"\r\n.\r\n".to_vec(),
        ]
        .concat(),
    ] {
        c.send(b"MAIL FROM:<x@far.example>\r\nRCPT TO:<ann@example.com>\r\nDATA\r\n");
        for start in ["250 ", "250 ", "354 "] {
            expect(&c.reply(), start);
        }
        expect(&c.ask(&body), "550 5.6.0");
    }
    expect(&c.ask(b"NOOP\r\n"), "250 ");
    expect(&c.ask(b"QUIT\r\n"), "221 ");
    assert!(c.closed());

    // Cut off in the middle of a message: nothing is stored.
    let mut cut = Conversation::open(port);
    cut.send(b"EHLO x\r\nMAIL FROM:<x@far.example>\r\nRCPT TO:<ann@example.com>\r\nDATA\r\n");
    for start in ["250-", "250 ", "250 ", "354 "] {
        expect(&cut.reply(), start);
    }
    cut.send(b"Subject: cut off\r\n\r\nhalf a mess");
    drop(cut);

    // A flood of errors ends with 421 and a closed connection.
    let mut flood = Conversation::open(port);
    let mut last = String::new();
    for _ in 0..30 {
        last = flood.ask(b"FROB\r\n");
        if !last.starts_with("500") {
            break;
        }
    }
    expect(&last, "421 4.7.0");
    assert!(flood.closed());

    assert_eq!(
        subjects(imap_port(&lines), ANN, PASSWORD, "INBOX"),
        ["eight-bit"]
    );
}

#[test]
fn bdat_chunks_make_one_message_and_bad_chunks_keep_the_session_in_step() {
    let (_dir, config) = setup_with("", "max_message_mb = 1");
    seed(&config);
    let (_server, lines) = serve(&config);
    let mut c = Conversation::open(smtp_port(&lines, "inbound"));
    let ehlo = c.ask(b"EHLO client.example\r\n");
    assert!(ehlo.contains("250-CHUNKING"), "{ehlo}");

    // Out of order: the chunk is read and dropped, and the next command is understood.
    expect(&c.ask(b"BDAT 5 LAST\r\nhello"), "503 5.5.1");
    expect(&c.ask(b"MAIL FROM:<x@far.example>\r\n"), "250");
    expect(&c.ask(b"RCPT TO:<ann@example.com>\r\n"), "250");
    // Three chunks, pipelined, one cut in the middle of a line and one with "\r\n.\r\n"
    // inside: only the sizes say where the message ends.
    let parts: [&[u8]; 3] = [
        b"Subject: chunked\r\n\r\nfirst ",
        b"half\r\n.\r\nMAIL FROM:<smuggled@x>\r\n",
        b"the end\r\n",
    ];
    let mut wire = Vec::new();
    for (i, part) in parts.iter().enumerate() {
        let last = if i == 2 { " LAST" } else { "" };
        wire.extend_from_slice(format!("BDAT {}{last}\r\n", part.len()).as_bytes());
        wire.extend_from_slice(part);
    }
    c.send(&wire);
    for part in &parts[..2] {
        expect(&c.reply(), &format!("250 2.0.0 {} octets", part.len()));
    }
    expect(&c.reply(), "250 2.0.0 Message accepted");

    // DATA in the middle of chunks is refused; RSET starts over.
    expect(&c.ask(b"MAIL FROM:<x@far.example>\r\n"), "250");
    expect(&c.ask(b"RCPT TO:<ann@example.com>\r\n"), "250");
    expect(&c.ask(b"BDAT 3\r\nabc"), "250");
    expect(&c.ask(b"DATA\r\n"), "503 5.5.1 BDAT in progress");
    expect(&c.ask(b"RSET\r\n"), "250");
    // Over the size limit: refused whole, read to its end, and the session goes on.
    expect(&c.ask(b"MAIL FROM:<x@far.example>\r\n"), "250");
    expect(&c.ask(b"RCPT TO:<ann@example.com>\r\n"), "250");
    let big = vec![b'x'; 1024 * 1024 + 1];
    c.send(format!("BDAT {} LAST\r\n", big.len()).as_bytes());
    c.send(&big);
    expect(&c.reply(), "552 5.3.4");
    // A bare LF is refused as in DATA.
    expect(&c.ask(b"MAIL FROM:<x@far.example>\r\n"), "250");
    expect(&c.ask(b"RCPT TO:<ann@example.com>\r\n"), "250");
    expect(&c.ask(b"BDAT 8 LAST\r\nbare\nlf\n"), "550 5.6.0");
    expect(&c.ask(b"QUIT\r\n"), "221");

    assert_eq!(
        subjects(imap_port(&lines), ANN, PASSWORD, "INBOX"),
        ["chunked"]
    );
}

/// A bare CR is a line end to some next hops (SMTP smuggling): refused like a bare LF, in a
/// command, in DATA (also next to the end-of-data dot) and in BDAT chunks, and the session
/// stays in step.
#[test]
fn bare_cr_is_refused_like_bare_lf_in_commands_data_and_bdat() {
    let (_dir, config) = setup("");
    seed(&config);
    let (_server, lines) = serve(&config);
    let mut c = Conversation::open(smtp_port(&lines, "inbound"));
    expect(&c.ask(b"EHLO client.example\r\n"), "250");
    expect(&c.ask(b"NO\rOP\r\n"), "500 5.5.2 Bare CR");
    let envelope = b"MAIL FROM:<x@far.example>\r\nRCPT TO:<ann@example.com>\r\n";
    for body in [
        &b"Subject: smuggled\r\n\r\nhi\r.\rMAIL FROM:<evil@x>\r\n.\r\n"[..],
        b"Subject: cr dot\r\n\r\nhi\r\n.\r\r\nQUIT\r\n.\r\n",
        b"Subject: cr end\r\n\r\nhi\r\r\n.\r\n",
    ] {
        c.send(envelope);
        c.send(b"DATA\r\n");
        for start in ["250 ", "250 ", "354 "] {
            expect(&c.reply(), start);
        }
        expect(&c.ask(body), "550 5.6.0 Message refused: bare CR");
    }
    for chunks in [
        &b"BDAT 24 LAST\r\nSubject: cr\r\n\r\nbare\rcr\r\n"[..],
        // A CR that ends one chunk and is not followed by LF in the next.
        b"BDAT 14\r\nSubject: cr\r\n\rBDAT 4 LAST\r\nx\r\n\r",
    ] {
        c.send(envelope);
        for start in ["250 ", "250 "] {
            expect(&c.reply(), start);
        }
        c.send(chunks);
        if chunks.starts_with(b"BDAT 14") {
            expect(&c.reply(), "250 2.0.0 14 octets");
        }
        expect(&c.reply(), "550 5.6.0 Message refused: bare CR");
    }
    // A CR that ends a chunk with the LF in the next one is a CRLF.
    c.send(envelope);
    c.send(b"BDAT 20\r\nSubject: good\r\n\r\nok\rBDAT 1 LAST\r\n\n");
    for start in ["250 ", "250 ", "250 2.0.0 20 octets"] {
        expect(&c.reply(), start);
    }
    expect(&c.reply(), "250 2.0.0 Message accepted");
    expect(&c.ask(b"NOOP\r\n"), "250 ");
    expect(&c.ask(b"QUIT\r\n"), "221 ");
    assert_eq!(
        subjects(imap_port(&lines), ANN, PASSWORD, "INBOX"),
        ["good"]
    );
}

#[test]
fn a_quiet_client_is_let_go_with_421() {
    let (_dir, config) = setup_with("", "idle_timeout_secs = 1");
    seed(&config);
    let (_server, lines) = serve(&config);
    let mut c = Conversation::open(smtp_port(&lines, "inbound"));
    expect(&c.ask(b"EHLO client.example\r\n"), "250");
    // Halfway through a command line counts as quiet too.
    c.send(b"MAIL FROM:<x@far");
    expect(&c.reply(), "421 4.4.2");
    assert!(c.closed());
}

/// Submission gives a client the pre-auth timeout to sign in, even while it keeps talking;
/// inbound, where nobody signs in, keeps the idle timeout.
#[test]
fn submission_not_signed_in_is_let_go_after_the_pre_auth_timeout() {
    let (_dir, config) = setup_with("", "pre_auth_timeout_secs = 2");
    seed(&config);
    let (_server, lines) = serve(&config);
    let started = std::time::Instant::now();
    let mut submission = Conversation::open(smtp_port(&lines, "submission"));
    let mut inbound = Conversation::open(smtp_port(&lines, "inbound"));
    expect(&submission.ask(b"EHLO client.example\r\n"), "250");
    std::thread::sleep(Duration::from_millis(1200));
    expect(&submission.ask(b"NOOP\r\n"), "250");
    expect(&submission.reply(), "421 4.4.2");
    assert!(submission.closed());
    let took = started.elapsed();
    assert!(
        took >= Duration::from_secs(2) && took < Duration::from_secs(8),
        "{took:?}"
    );
    expect(&inbound.ask(b"NOOP\r\n"), "250");
}

/// The server's resident memory in MiB.
fn rss_mib(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    let line = status.lines().find(|l| l.starts_with("VmRSS:")).unwrap();
    line.split_whitespace()
        .nth(1)
        .unwrap()
        .parse::<u64>()
        .unwrap()
        / 1024
}

/// Item 2 of issue 9 (SMTP): ten 20 MB messages arriving at once, none ended yet, raise the
/// server's memory by less than 32 MiB: they are spooled to unnamed files, not held. The one
/// that ends is stored; those cut off leave nothing behind.
#[test]
fn messages_in_flight_are_spooled_not_held_in_memory() {
    let (dir, config) = setup("");
    seed(&config);
    let (server, lines) = serve(&config);
    let port = smtp_port(&lines, "inbound");
    let before = rss_mib(server.0.id());
    let line = [vec![b'x'; 76], b"\r\n".to_vec()].concat();
    let mib = line.repeat(1024 * 1024 / line.len());
    let mut open = Vec::new();
    for _ in 0..10 {
        let mut c = Conversation::open(port);
        c.send(b"EHLO x\r\nMAIL FROM:<x@far.example>\r\nRCPT TO:<ann@example.com>\r\nDATA\r\n");
        for start in ["250-", "250 ", "250 ", "354 "] {
            expect(&c.reply(), start);
        }
        c.send(b"Subject: in flight\r\n\r\n");
        for _ in 0..20 {
            c.send(&mib);
        }
        open.push(c);
    }
    std::thread::sleep(Duration::from_millis(500));
    let held = rss_mib(server.0.id());
    assert!(
        held < before + 32,
        "RSS {before} MiB before, {held} MiB with 200 MB in flight"
    );
    let spool = dir.join("data/spool");
    assert_eq!(
        std::fs::read_dir(&spool).unwrap().count(),
        0,
        "no named spool file"
    );
    expect(&open[0].ask(b".\r\n"), "250 2.0.0");
    drop(open);
    assert_eq!(
        subjects(imap_port(&lines), ANN, PASSWORD, "INBOX"),
        ["in flight"]
    );
}
