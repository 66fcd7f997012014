//! The outbound queue of `trekmail serve` against a real receiving server (Python's aiosmtpd)
//! through the relay setting: delivery, a bounce (RFC 3464) to the sender when the server
//! refuses or keeps deferring past the give-up time, and a queue that survives a restart.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::*;
use std::process::Child;
use std::time::{Duration, Instant};

const ANN: &str = "ann@example.com";
const PASSWORD: &str = "Ann-first-pass-1";

/// A sink in `mode` on `port` (0: any); returns it and its port.
fn sink(mode: &str, port: u16) -> (Sink, u16) {
    let mut child = python(
        "/usr/bin/python3",
        "smtp_sink.py",
        &[mode, &port.to_string()],
    );
    let line = wait_for_line(&mut child, "PORT");
    let port = line.trim().strip_prefix("PORT ").unwrap().parse().unwrap();
    (Sink(child), port)
}

/// A running sink, stopped on drop.
struct Sink(Child);

impl Drop for Sink {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn relay_config(port: u16, give_up_secs: u64) -> String {
    format!(
        "relay = \"127.0.0.1:{port}\"\nretry_first_secs = 1\nretry_max_secs = 1\ngive_up_secs = {give_up_secs}\n"
    )
}

fn send(lines: &[String], to: &str, subject: &str) {
    let port = smtp_port(lines, "submission").to_string();
    let sent = finish(smtp_client(&[
        "submit", &port, "starttls", ANN, PASSWORD, ANN, to, subject,
    ]));
    assert!(sent.contains("SENT"), "{sent}");
}

fn inbox(lines: &[String]) -> Vec<String> {
    folder(lines, "INBOX")
}

fn folder(lines: &[String], name: &str) -> Vec<String> {
    let imap = imap_port(lines).to_string();
    let out = finish(smtp_client(&["imap-subjects", &imap, ANN, PASSWORD, name]));
    out.lines()
        .filter_map(|l| l.strip_prefix("SUBJECT "))
        .map(str::to_owned)
        .collect()
}

/// Waits up to 10 s for `done` to hold.
fn eventually(what: &str, mut done: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(10);
    while !done() {
        assert!(Instant::now() < deadline, "not within 10 s: {what}");
        std::thread::sleep(Duration::from_millis(200));
    }
}

#[test]
fn mail_for_other_domains_goes_through_the_relay_and_the_sent_folder_keeps_a_copy() {
    let (mut receiver, port) = sink("accept", 0);
    let (_dir, config) = setup_with("", &relay_config(port, 3600));
    seed(&config);
    let (_server, lines) = serve(&config);
    send(&lines, "bob@far.example,ann@example.com", "to both");
    let received = wait_for_line(&mut receiver.0, "RECEIVED");
    assert_eq!(received.trim(), "RECEIVED bob@far.example to both");
    assert_eq!(inbox(&lines), ["to both"]);
    assert_eq!(folder(&lines, "Sent"), ["to both"]);
    eventually("the queue empties", || {
        ok(&config, &["queue", "list"], None).contains("the queue is empty")
    });
}

#[test]
fn a_refusal_bounces_to_the_sender_with_a_delivery_status_report() {
    let (_receiver, port) = sink("refuse", 0);
    let (_dir, config) = setup_with("", &relay_config(port, 3600));
    seed(&config);
    let (_server, lines) = serve(&config);
    send(&lines, "nobody@far.example", "doomed");
    eventually("the bounce arrives", || {
        inbox(&lines) == ["Undelivered Mail Returned to Sender"]
    });
    assert!(ok(&config, &["queue", "list"], None).contains("the queue is empty"));
}

#[test]
fn deferred_mail_is_retried_then_bounced_after_the_give_up_time() {
    let (_receiver, port) = sink("defer", 0);
    let (_dir, config) = setup_with("", &relay_config(port, 3));
    seed(&config);
    let (_server, lines) = serve(&config);
    send(&lines, "later@far.example", "deferred");
    eventually("a retry is recorded", || {
        let listed = ok(&config, &["queue", "list"], None);
        listed.contains("later@far.example") && listed.contains("451 4.3.0")
    });
    eventually("the bounce arrives", || {
        inbox(&lines) == ["Undelivered Mail Returned to Sender"]
    });
}

#[test]
fn the_queue_survives_a_restart() {
    // A port with nothing listening yet: every attempt fails to connect.
    let (probe, port) = sink("accept", 0);
    drop(probe);
    let (_dir, config) = setup_with("", &relay_config(port, 3600));
    seed(&config);
    let (server, lines) = serve(&config);
    send(&lines, "carol@far.example", "kept");
    eventually("an attempt failed", || {
        ok(&config, &["queue", "list"], None).contains("cannot connect")
    });
    drop(server);
    let listed = ok(&config, &["queue", "list"], None);
    assert!(listed.contains("carol@far.example"), "{listed}");

    let (mut receiver, _) = sink("accept", port);
    let (_server, _lines) = serve(&config);
    let received = wait_for_line(&mut receiver.0, "RECEIVED");
    assert_eq!(received.trim(), "RECEIVED carol@far.example kept");
}
