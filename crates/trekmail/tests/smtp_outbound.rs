//! The outbound queue of `trekmail serve` against a real receiving server (Python's aiosmtpd)
//! through the relay setting: delivery, a bounce (RFC 3464) to the sender when the server
//! refuses or keeps deferring past the give-up time, a queue that survives a restart, STARTTLS
//! when the server offers it, and a relay login sent only to a relay whose certificate checks out.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::smtp_sink::*;
use common::*;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

const ANN: &str = "ann@example.com";
const PASSWORD: &str = "Ann-first-pass-1";

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
    subjects(imap_port(lines), ANN, PASSWORD, name)
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

/// A self-signed certificate for 127.0.0.1 (the relay's name in the config), as PEM files.
fn relay_certificate(dir: &Path) -> (String, String) {
    let made = rcgen::generate_simple_self_signed(vec!["127.0.0.1".to_owned()]).unwrap();
    let cert: PathBuf = dir.join("relay-cert.pem");
    let key: PathBuf = dir.join("relay-key.pem");
    std::fs::write(&cert, made.cert.pem()).unwrap();
    std::fs::write(&key, made.signing_key.serialize_pem()).unwrap();
    (cert.display().to_string(), key.display().to_string())
}

#[test]
fn mail_to_a_server_offering_starttls_goes_encrypted() {
    let dir = trekmail_testkit::scratch_dir();
    let (cert, key) = relay_certificate(&dir);
    let (mut receiver, port) = sink_with("accept", 0, &[&cert, &key]);
    let (_dir, config) = setup_with("", &relay_config(port, 3600));
    seed(&config);
    let (_server, lines) = serve(&config);
    send(&lines, "bob@far.example", "sealed");
    // Opportunistic: the self-signed certificate does not stop encryption.
    let session = wait_for_line(&mut receiver.0, "SESSION");
    assert_eq!(session.trim(), "SESSION tls=yes auth=-");
}

#[test]
fn the_relay_login_goes_only_to_a_relay_whose_certificate_checks_out() {
    let dir = trekmail_testkit::scratch_dir();
    let (cert, key) = relay_certificate(&dir);
    let login = ["relay-user", "Relay-secret-1"];
    let (mut untrusted, port) = sink_with("accept", 0, &[&cert, &key, login[0], login[1]]);
    let extra = format!(
        "{}relay_user = \"{}\"\nrelay_password = \"{}\"\n",
        relay_config(port, 3600),
        login[0],
        login[1]
    );
    let (_dir, config) = setup_with("", &extra);
    seed(&config);
    let (server, lines) = serve(&config);
    send(&lines, "bob@far.example", "via relay");
    // Its certificate is not trusted: the mail waits, and the password never left.
    eventually("the failed handshake is recorded", || {
        ok(&config, &["queue", "list"], None).contains("TLS with 127.0.0.1")
    });
    drop(server);
    let heard = untrusted.stop();
    assert!(!heard.contains("LOGIN"), "{heard}");
    assert!(!heard.contains("RECEIVED"), "{heard}");

    // Told to trust the relay's certificate, the node logs in inside TLS and delivers.
    let mut file = std::fs::OpenOptions::new()
        .append(true)
        .open(&config)
        .unwrap();
    std::io::Write::write_all(
        &mut file,
        format!("relay_ca_file = \"{cert}\"\n").as_bytes(),
    )
    .unwrap();
    let (mut trusted, _) = sink_with("accept", port, &[&cert, &key, login[0], login[1]]);
    let (_server, _lines) = serve(&config);
    let session = wait_for_line(&mut trusted.0, "SESSION");
    assert_eq!(session.trim(), "SESSION tls=yes auth=relay-user");
    eventually("the queue empties", || {
        ok(&config, &["queue", "list"], None).contains("the queue is empty")
    });
}

#[test]
fn a_recipient_a_shared_message_missed_is_bounced_to_the_sender() {
    let (mut receiver, port) = sink("accept", 0);
    let (_dir, config) = setup_with("", &relay_config(port, 3600));
    seed(&config);
    seed_tiny(&config);
    let (_server, lines) = serve(&config);
    // 1.5 MiB: room at ann's, none at tiny's (both pass RCPT, the size shows after DATA).
    let inbound = smtp_port(&lines, "inbound").to_string();
    let sent = finish(smtp_client(&[
        "inbound",
        &inbound,
        "far@far.example",
        "ann@example.com,tiny@example.com",
        "big news",
        "1536",
    ]));
    assert_eq!(sent.trim(), "SENT");
    assert_eq!(inbox(&lines), ["big news"]);
    // The sender hears of tiny's copy from the null sender, through the queue.
    let bounce = wait_for_line(&mut receiver.0, "RECEIVED");
    assert_eq!(
        bounce.trim(),
        "RECEIVED far@far.example Undelivered Mail Returned to Sender"
    );
}

/// Item 8 of issue 9: bounces are bounded per envelope sender and hour
/// (`max_bounces_per_sender_hour`, counted in the database), and the null sender never gets
/// one. Four messages given up on with a bound of two: two bounces, and the queue empties.
#[test]
fn bounces_are_bounded_per_sender_and_hour_and_never_go_to_the_null_sender() {
    // A port with nothing listening: every attempt fails until the give-up time.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let smtp = format!("{}max_bounces_per_sender_hour = 2\n", relay_config(port, 2));
    let (_dir, config) = setup_with("", &smtp);
    seed(&config);
    seed_tiny(&config);
    let (_server, lines) = serve(&config);
    for n in 0..4 {
        send(
            &lines,
            &format!("gone{n}@far.example"),
            &format!("doomed {n}"),
        );
    }
    // From the null sender, a message tiny has no room for: no bounce is queued for it.
    let inbound = smtp_port(&lines, "inbound").to_string();
    let sent = finish(smtp_client(&[
        "inbound",
        &inbound,
        "",
        "ann@example.com,tiny@example.com",
        "from nobody",
        "1536",
    ]));
    assert_eq!(sent.trim(), "SENT");
    eventually("the queue empties", || {
        ok(&config, &["queue", "list"], None).contains("the queue is empty")
    });
    std::thread::sleep(Duration::from_secs(1));
    let mut got = inbox(&lines);
    got.sort();
    assert_eq!(
        got,
        [
            "Undelivered Mail Returned to Sender",
            "Undelivered Mail Returned to Sender",
            "from nobody"
        ]
    );
    assert!(ok(&config, &["queue", "list"], None).contains("the queue is empty"));
}

/// Numbers from the node's SQLite database (read with Python's sqlite3 while it runs).
fn queue_numbers(config: &Path) -> String {
    let db = config.parent().unwrap().join("data/trekmail.db");
    let script = "import sqlite3, sys; c = sqlite3.connect(sys.argv[1]); print(*(c.execute(q).fetchone()[0] for q in ('SELECT COUNT(*) FROM outbound_queue', 'SELECT COUNT(*) FROM outbound_bodies', 'SELECT COALESCE(SUM(size), 0) FROM outbound_bodies')))";
    let out = std::process::Command::new("python3")
        .args(["-c", script])
        .arg(&db)
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    String::from_utf8(out.stdout).unwrap().trim().to_owned()
}

/// Item 15 of issue 9: a message to 50 recipients at other servers is queued as 50 rows and
/// one body; the body goes with the last row.
#[test]
fn a_message_to_fifty_recipients_is_queued_with_one_body() {
    let (mut deferring, port) = sink("defer", 0);
    let (_dir, config) = setup_with("", &relay_config(port, 3600));
    seed(&config);
    let (_server, lines) = serve(&config);
    let to: Vec<String> = (0..50).map(|n| format!("r{n}@far.example")).collect();
    send(&lines, &to.join(","), "to fifty");
    eventually("every row was tried", || {
        ok(&config, &["queue", "list"], None)
            .matches("451 4.3.0")
            .count()
            == 50
    });
    let numbers = queue_numbers(&config);
    let counts: Vec<i64> = numbers.split(' ').map(|n| n.parse().unwrap()).collect();
    assert_eq!(counts[..2], [50, 1], "{numbers}");
    assert!(
        (300..4096).contains(&counts[2]),
        "one body's bytes: {numbers}"
    );

    deferring.stop();
    let (_accepting, _) = sink("accept", port);
    eventually("the queue empties", || {
        ok(&config, &["queue", "list"], None).contains("the queue is empty")
    });
    assert_eq!(queue_numbers(&config), "0 0 0");
}
