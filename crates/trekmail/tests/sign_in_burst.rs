//! 40 sign-ins for one address from one address, released together, 39 wrong and the right
//! one last, on IMAP and on SMTP submission: no more passwords are checked than a sequence
//! would get (the free ones), and the right one is refused with them. A mail app opening
//! several connections at once with the right password gets every one of them in.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::*;
use std::io::{BufRead, BufReader, Write};
use std::net::TcpStream;
use std::sync::{Arc, Barrier};
use std::time::Duration;

const FREE_PER_LOGIN: usize = 3;

/// Opens `n` connections, signs each in at the same moment with `command(i)` (the last one
/// `last_after` later), and returns whether each got in.
fn burst(
    port: u16,
    n: usize,
    greeting: &str,
    command: impl Fn(usize) -> String + Sync,
    last_after: Duration,
) -> Vec<bool> {
    let barrier = Arc::new(Barrier::new(n));
    std::thread::scope(|scope| {
        let tasks: Vec<_> = (0..n)
            .map(|i| {
                let (barrier, line) = (barrier.clone(), command(i));
                scope.spawn(move || {
                    let tcp = TcpStream::connect(("127.0.0.1", port)).unwrap();
                    tcp.set_read_timeout(Some(Duration::from_secs(60))).unwrap();
                    let mut reader = BufReader::new(tcp);
                    let mut answer = String::new();
                    while !answer.starts_with(greeting) {
                        answer.clear();
                        reader.read_line(&mut answer).unwrap();
                    }
                    barrier.wait();
                    if i + 1 == n {
                        std::thread::sleep(last_after);
                    }
                    reader.get_mut().write_all(line.as_bytes()).unwrap();
                    loop {
                        answer.clear();
                        reader.read_line(&mut answer).unwrap();
                        if !answer.starts_with("250") {
                            break;
                        }
                    }
                    answer.starts_with("a OK") || answer.starts_with("235")
                })
            })
            .collect();
        tasks.into_iter().map(|t| t.join().unwrap()).collect()
    })
}

fn checked_failures(config: &std::path::Path) -> usize {
    let audit = ok(
        config,
        &["audit", "ann@example.com", "--limit", "200"],
        None,
    );
    audit.matches("wrong login or password").count()
}

/// The right password comes this long after the 39 guesses, well inside the first delay: a
/// burst's free attempts went to guesses, so it must be refused unchecked (sent at the same
/// moment, it could be among the first three counted, and then rightly get in).
const RIGHT_ONE_AFTER: Duration = Duration::from_millis(150);

/// A first delay longer than any loaded machine takes to open 40 connections: a sequence
/// spread over more than the default second would rightly earn a fourth guess.
fn setup_slow_throttle() -> (std::path::PathBuf, std::path::PathBuf) {
    let (dir, config) = setup("");
    let mut file = std::fs::OpenOptions::new()
        .append(true)
        .open(&config)
        .unwrap();
    file.write_all(b"[security.throttle]\nfirst_delay_ms = 60000\n")
        .unwrap();
    (dir, config)
}

fn secret(i: usize) -> String {
    match i {
        39 => ANN_PASSWORD.to_owned(),
        _ => format!("Wrong-guess-{i}"),
    }
}

#[test]
fn an_imap_burst_gets_no_more_guesses_than_a_sequence() {
    let (_dir, config) = setup_slow_throttle();
    let (_server, lines) = serve(&config);
    seed(&config);
    let signed_in = burst(
        imap_port(&lines),
        40,
        "* OK",
        |i| format!("a LOGIN ann@example.com \"{}\"\r\n", secret(i)),
        RIGHT_ONE_AFTER,
    );
    assert!(signed_in.iter().all(|ok| !ok), "the right password got in");
    assert_eq!(checked_failures(&config), FREE_PER_LOGIN);
}

#[test]
fn an_smtp_burst_gets_no_more_guesses_than_a_sequence() {
    let (_dir, config) = setup_slow_throttle();
    let (_server, lines) = serve(&config);
    seed(&config);
    let signed_in = burst(
        smtp_port(&lines, "submission"),
        40,
        "220 ",
        |i| {
            let plain = format!("\0ann@example.com\0{}", secret(i));
            let encoded = data_encoding::BASE64.encode(plain.as_bytes());
            format!("EHLO burst\r\nAUTH PLAIN {encoded}\r\n")
        },
        RIGHT_ONE_AFTER,
    );
    assert!(signed_in.iter().all(|ok| !ok), "the right password got in");
    assert_eq!(checked_failures(&config), FREE_PER_LOGIN);
}

#[test]
fn a_mail_app_opening_six_connections_at_once_gets_all_in() {
    let (_dir, config) = setup("");
    let (_server, lines) = serve(&config);
    seed(&config);
    let signed_in = burst(
        imap_port(&lines),
        6,
        "* OK",
        |_| format!("a LOGIN ann@example.com \"{ANN_PASSWORD}\"\r\n"),
        Duration::ZERO,
    );
    assert_eq!(signed_in, vec![true; 6]);
}
