//! What an attacker's input costs the real server, over raw TCP: a LIST pattern of many
//! wildcards is answered at once while others sign in; connections that never sign in hold
//! little memory and are let go; and a session ended by a password save runs none of the
//! commands its client had already pipelined.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::imap_raw::Client;
use common::*;
use std::io::Write;
use std::net::TcpStream;
use std::time::{Duration, Instant};

fn rss_kib(server: &Serve) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{}/status", server.0.id())).unwrap();
    let line = status.lines().find(|l| l.starts_with("VmRSS:")).unwrap();
    line.split_whitespace().nth(1).unwrap().parse().unwrap()
}

#[test]
fn a_list_of_many_wildcards_answers_at_once_and_stalls_nobody() {
    let (_dir, config) = setup("");
    let (_server, lines) = serve(&config);
    seed(&config);
    let port = imap_port(&lines);
    let mut attacker = Client::connect(port);
    attacker.sign_in();
    // Backtracking took 9.7 s for 60 stars and never ended for 120.
    for stars in [60, 120, 1000] {
        let started = Instant::now();
        attacker.send(format!("b LIST \"\" \"{}Z\"\r\n", "*".repeat(stars)).as_bytes());
        assert!(attacker.until("b ").starts_with("b OK"));
        assert!(started.elapsed() < Duration::from_secs(1), "{stars} stars");
    }
    // Meanwhile another client signs in at once.
    attacker.send(format!("c LIST \"\" \"{}Z\"\r\n", "*%".repeat(500)).as_bytes());
    let started = Instant::now();
    let mut other = Client::connect(port);
    other.sign_in();
    assert!(started.elapsed() < Duration::from_secs(1));
    assert!(attacker.until("c ").starts_with("c OK"));
    // A pattern past the bound is refused, not matched.
    attacker.send(format!("d LIST \"\" \"{}\"\r\n", "*".repeat(1100)).as_bytes());
    assert!(attacker.until("d ").starts_with("d NO [LIMIT]"));
}

#[test]
fn connections_that_never_sign_in_hold_little_and_are_let_go() {
    let (_dir, config) = setup_imap("", "pre_auth_timeout_secs = 3");
    let (server, lines) = serve(&config);
    seed(&config);
    let port = imap_port(&lines);
    let before = rss_kib(&server);
    // 20 connections announce 25 MB LOGIN literals and send 1 MiB of each: refused at the
    // announcement, before any of it is buffered.
    let chunk = vec![b'x'; 64 * 1024];
    let mut held = Vec::new();
    for _ in 0..20 {
        let mut c = Client::connect(port);
        c.send(b"a LOGIN {26214400+}\r\n");
        for _ in 0..16 {
            if c.reader.get_mut().write_all(&chunk).is_err() {
                break;
            }
        }
        assert!(c.until("* BYE").contains("too long before sign-in"));
        held.push(c);
    }
    let grown = rss_kib(&server).saturating_sub(before);
    assert!(grown < 32 * 1024, "RSS grew by {grown} KiB");
    // One that sends nothing is closed after the pre-auth timeout, not the 30-minute one.
    let mut idle = Client::connect(port);
    let started = Instant::now();
    assert!(idle.until("* BYE").contains("Sign in sooner"));
    let took = started.elapsed();
    assert!(
        took >= Duration::from_secs(2) && took < Duration::from_secs(10),
        "{took:?}"
    );
    // Signed in, the same client is not hurried.
    let mut signed = Client::connect(port);
    signed.sign_in();
    std::thread::sleep(Duration::from_secs(4));
    signed.send(b"n NOOP\r\n");
    assert!(signed.until("n ").starts_with("n OK"));
}

/// A client pipelines 3,000 CREATEs and a password save ends its session mid-burst: every
/// folder that exists was answered OK before the BYE, and none appears after the save.
#[test]
fn a_session_ended_mid_burst_runs_none_of_its_pipelined_commands() {
    let (_dir, config) = setup("");
    let (_server, lines) = serve(&config);
    seed(&config);
    let port = imap_port(&lines);
    let mut c = Client::connect(port);
    c.sign_in();
    let burst: String = (0..3000)
        .map(|i| format!("c{i} CREATE burst-{i}\r\n"))
        .collect();
    let writer = {
        let mut tcp: TcpStream = c.reader.get_ref().try_clone().unwrap();
        std::thread::spawn(move || {
            let _ = tcp.write_all(burst.as_bytes());
        })
    };
    // Let some of the burst run, then save the password.
    let mut answered = 0;
    while answered < 50 {
        if c.line().contains(" OK CREATE") {
            answered += 1;
        }
    }
    let new_password = "Ann-second-pass-2";
    ok(
        &config,
        &[
            "mailbox",
            "set-password",
            "ann@example.com",
            "--password-stdin",
        ],
        Some(&format!("{new_password}\n")),
    );
    loop {
        let line = c.line();
        assert!(!line.is_empty(), "closed without BYE");
        if line.starts_with("* BYE") {
            break;
        }
        if line.contains(" OK CREATE") {
            answered += 1;
        }
    }
    let _ = writer.join();
    let count = || {
        let mut check = Client::connect(port);
        check.send(format!("L LOGIN ann@example.com {new_password}\r\n").as_bytes());
        assert!(check.until("L ").starts_with("L OK"));
        check.send(b"l LIST \"\" \"burst-*\"\r\n");
        let mut n = 0;
        while !check.line().starts_with("l OK") {
            n += 1;
        }
        n
    };
    let created = count();
    assert!(created < 3000, "the save did not cut the burst");
    assert_eq!(
        created, answered,
        "folders made without an answer before the BYE"
    );
    std::thread::sleep(Duration::from_millis(500));
    assert_eq!(count(), created, "a command ran after the session ended");
}

/// Literals all connections hold at once are bounded: a second APPEND whose literal does not
/// fit beside the first is not asked for its bytes until the first has ended.
#[test]
fn appends_wait_for_room_in_the_in_flight_budget() {
    let limits = "max_literal_bytes = 3000000\nmax_inflight_mb = 3";
    let (_dir, config) = setup_imap("", limits);
    let (_server, lines) = serve(&config);
    seed(&config);
    let port = imap_port(&lines);
    let (mut first, mut second) = (Client::connect(port), Client::connect(port));
    first.sign_in();
    second.sign_in();
    first.send(b"a APPEND INBOX {2000000}\r\n");
    assert!(first.line().starts_with('+'));
    second.send(b"b APPEND INBOX {2000000}\r\n");
    let quick = Some(Duration::from_millis(1500));
    second.reader.get_ref().set_read_timeout(quick).unwrap();
    let mut early = String::new();
    let waited = std::io::BufRead::read_line(&mut second.reader, &mut early);
    assert!(
        waited.is_err(),
        "asked for a literal that does not fit: {early}"
    );
    let mut message = b"Subject: big\r\n\r\n".to_vec();
    message.resize(2_000_000, b'x');
    first.send(&message);
    first.send(b"\r\n");
    assert!(first.until("a ").starts_with("a OK"));
    second
        .reader
        .get_ref()
        .set_read_timeout(Some(Duration::from_secs(15)))
        .unwrap();
    assert!(second.line().starts_with('+'));
    second.send(&message);
    second.send(b"\r\n");
    assert!(second.until("b ").starts_with("b OK"));
}

/// The peak resident memory the kernel recorded for the server.
fn peak_kib(server: &Serve) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{}/status", server.0.id())).unwrap();
    let line = status.lines().find(|l| l.starts_with("VmHWM:")).unwrap();
    line.split_whitespace().nth(1).unwrap().parse().unwrap()
}

/// `FETCH 1:* BODY.PEEK[]` of 80 MB of mail holds one message at a time: the server's peak
/// memory grows by well under the folder's size (it held every body before).
#[test]
fn a_fetch_of_every_body_streams_one_message_at_a_time() {
    let (_dir, config) = setup("");
    let (server, lines) = serve(&config);
    seed(&config);
    let port = imap_port(&lines);
    let mut c = Client::connect(port);
    c.sign_in();
    const COUNT: usize = 40;
    const SIZE: usize = 2_000_000;
    for n in 0..COUNT {
        let mut message = format!("Subject: big {n}\r\n\r\n").into_bytes();
        message.resize(SIZE, b'x');
        c.send(format!("a{n} APPEND INBOX {{{SIZE}+}}\r\n").as_bytes());
        c.send(&message);
        c.send(b"\r\n");
        assert!(c.until(&format!("a{n} ")).contains("OK"));
    }
    c.send(b"s SELECT INBOX\r\n");
    assert!(c.until("s ").starts_with("s OK"));
    let before = peak_kib(&server);
    c.send(b"f FETCH 1:* BODY.PEEK[]\r\n");
    let mut bodies = 0;
    loop {
        let line = c.line();
        assert!(!line.is_empty(), "closed during the FETCH");
        if line.starts_with("f ") {
            assert!(line.starts_with("f OK"), "{line}");
            break;
        }
        bodies += usize::from(line.starts_with("* ") && line.contains("FETCH"));
    }
    assert_eq!(bodies, COUNT);
    let grown = peak_kib(&server).saturating_sub(before);
    assert!(
        grown < 32 * 1024,
        "peak memory grew {grown} KiB for {} MB of bodies",
        COUNT * SIZE / 1_000_000
    );
}
