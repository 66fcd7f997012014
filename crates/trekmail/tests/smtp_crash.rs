//! kill -9 during a burst of inbound deliveries (smtplib, several connections): after a
//! restart every message that got its `250` is in the INBOX, exactly once, and no message
//! is there twice.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::*;
use std::collections::{BTreeMap, BTreeSet};
use std::io::{BufRead, BufReader};

const ANN: &str = "ann@example.com";
const PASSWORD: &str = "Ann-first-pass-1";

#[test]
fn every_message_that_got_250_survives_a_kill_once() {
    let (_dir, config) = setup("");
    seed(&config);
    let (mut server, lines) = serve(&config);
    let port = smtp_port(&lines, "inbound").to_string();
    let mut burst = smtp_client(&["burst", &port, "2000", "8"]);
    let mut reader = BufReader::new(burst.stdout.take().unwrap());
    let mut accepted = BTreeSet::new();
    let mut line = String::new();
    while accepted.len() < 60 {
        line.clear();
        assert!(
            reader.read_line(&mut line).unwrap() > 0,
            "the burst ended early"
        );
        accepted.insert(line.trim().strip_prefix("OK ").unwrap().to_owned());
    }
    server.0.kill().unwrap();
    server.0.wait().unwrap();
    // What the client heard before the kill: each line is a 250 it got.
    for rest in reader.lines() {
        if let Some(n) = rest.unwrap().strip_prefix("OK ") {
            accepted.insert(n.to_owned());
        }
    }
    let _ = burst.wait();
    assert!(
        accepted.len() < 2000,
        "the kill came too late to test anything"
    );

    let (_server, lines) = serve(&config);
    let mut stored: BTreeMap<String, usize> = BTreeMap::new();
    for subject in subjects(imap_port(&lines), ANN, PASSWORD, "INBOX") {
        if let Some(n) = subject.strip_prefix("burst ") {
            *stored.entry(n.to_owned()).or_default() += 1;
        }
    }
    for n in &accepted {
        assert_eq!(stored.get(n), Some(&1), "burst {n} got 250: {stored:?}");
    }
    assert!(stored.values().all(|count| *count == 1), "{stored:?}");
}
