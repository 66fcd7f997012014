//! The SMTP listeners of `trekmail serve`, driven by Python's smtplib and swaks: submission over
//! STARTTLS, implicit TLS and loopback, read back over IMAP (INBOX and Sent); inbound for hosted
//! addresses only; and the headline — a password saved elsewhere (the dashboard's API, another
//! node) ends a signed-in SMTP session with `421 4.7.0` at once, idle or waiting in DATA.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::side_core::{operator_token, side_core};
use common::*;
use std::process::Command;
use std::time::{Duration, Instant};

const ANN: &str = "ann@example.com";
const PASSWORD: &str = "Ann-first-pass-1";

/// Runs swaks against `port` with `args`; returns its transcript.
fn swaks(port: u16, args: &[&str]) -> String {
    let out = Command::new("swaks")
        .args(["--server", &format!("127.0.0.1:{port}"), "--timeout", "15"])
        .args(args)
        .output()
        .expect("swaks is installed by scripts/test");
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// A message in a file for swaks's `--data`.
fn message_file(dir: &std::path::Path, subject: &str, body: &str) -> String {
    let path = dir.join(format!("{subject}.eml"));
    std::fs::write(&path, format!("Subject: {subject}\r\n\r\n{body}")).unwrap();
    path.display().to_string()
}

fn submit(port: u16, tls: &str, password: &str, from: &str, to: &str, subject: &str) -> String {
    finish(smtp_client(&[
        "submit",
        &port.to_string(),
        tls,
        ANN,
        password,
        from,
        to,
        subject,
    ]))
}

#[test]
fn smtplib_submits_over_starttls_tls_and_loopback_and_imap_reads_it() {
    let (_dir, config) = setup("");
    seed(&config);
    let (_server, lines) = serve(&config);
    let (imap, submission, submissions) = (
        imap_port(&lines),
        smtp_port(&lines, "submission"),
        smtp_port(&lines, "submissions"),
    );
    for (port, tls) in [
        (submission, "starttls"),
        (submissions, "ssl"),
        (submission, "plain"),
    ] {
        let sent = submit(port, tls, PASSWORD, ANN, ANN, &format!("via {tls}"));
        assert!(sent.contains("SENT"), "{tls}: {sent}");
    }
    let mut inbox = subjects(imap, ANN, PASSWORD, "INBOX");
    inbox.sort();
    assert_eq!(inbox, ["via plain", "via ssl", "via starttls"]);
    assert_eq!(subjects(imap, ANN, PASSWORD, "Sent").len(), 3);

    let wrong = submit(submission, "starttls", "Wrong-pass-1", ANN, ANN, "x");
    assert!(wrong.contains("REFUSED 535 5.7.8"), "{wrong}");
    let forged = submit(
        submission,
        "starttls",
        PASSWORD,
        "boss@example.com",
        ANN,
        "x",
    );
    assert!(forged.contains("REFUSED 553 5.7.1"), "{forged}");
    let unknown = submit(submissions, "ssl", PASSWORD, ANN, "ghost@example.com", "x");
    assert!(unknown.contains("REFUSED 550 5.1.1"), "{unknown}");
    assert_eq!(subjects(imap, ANN, PASSWORD, "INBOX").len(), 3);

    let audit = ok(&config, &["audit", ANN], None);
    assert!(
        audit.contains("sign_in\tsmtp") && audit.contains("sign_in_failed\tsmtp"),
        "{audit}"
    );
}

#[test]
fn without_tls_auth_is_not_offered_when_plaintext_auth_is_never_and_starttls_is_clean() {
    let (_dir, config) = setup_with("", "plaintext_auth = \"never\"");
    seed(&config);
    let (_server, lines) = serve(&config);
    let port = smtp_port(&lines, "submission");
    let out = finish(smtp_client(&["no-auth", &port.to_string()]));
    assert!(out.contains("NO AUTH"), "{out}");
    let out = finish(smtp_client(&["starttls-injection", &port.to_string()]));
    assert!(out.contains("DROPPED"), "{out}");
    let sent = submit(port, "starttls", PASSWORD, ANN, ANN, "over TLS");
    assert!(sent.contains("SENT"), "{sent}");
}

#[test]
fn swaks_delivers_inbound_to_hosted_mailboxes_only_and_idle_sees_it() {
    let (dir, config) = setup_with("", "max_message_mb = 1");
    seed(&config);
    seed_tiny(&config);
    let (_server, lines) = serve(&config);
    let (imap, inbound) = (imap_port(&lines), smtp_port(&lines, "inbound"));

    let mut idle = smtp_client(&["imap-idle", &imap.to_string(), ANN, PASSWORD]);
    wait_for_line(&mut idle, "IDLING");
    let delivered = swaks(
        inbound,
        &[
            "--to",
            ANN,
            "--from",
            "x@far.example",
            "--h-Subject",
            "hello inbound",
        ],
    );
    assert!(delivered.contains("<-  250 2.0.0"), "{delivered}");
    let exists = wait_for_line(&mut idle, "EXISTS");
    assert!(exists.contains("EXISTS 1"), "{exists}");
    finish(idle);
    assert_eq!(subjects(imap, ANN, PASSWORD, "INBOX"), ["hello inbound"]);

    let unknown = swaks(inbound, &["--to", "ghost@example.com"]);
    assert!(unknown.contains("<** 550 5.1.1"), "{unknown}");
    let relay = swaks(inbound, &["--to", "bob@elsewhere.example"]);
    assert!(relay.contains("<** 554 5.7.1"), "{relay}");
    let ehlo = swaks(inbound, &["--to", ANN, "--quit-after", "EHLO"]);
    assert!(ehlo.contains("250-SIZE 1048576"), "{ehlo}");
    let line = format!("{}\r\n", "x".repeat(900));
    let big = message_file(&dir, "big", &line.repeat(1300));
    let too_big = swaks(inbound, &["--to", ANN, "--data", &big, "--suppress-data"]);
    assert!(too_big.contains("<** 552 5.3.4"), "{too_big}");
    // A mailbox whose quota a message would pass: 452 4.2.2, and nothing stored.
    let almost = message_file(&dir, "fills", &line.repeat(1000));
    let tiny = [
        "--to",
        "tiny@example.com",
        "--data",
        &almost,
        "--suppress-data",
    ];
    let first = swaks(inbound, &tiny);
    assert!(first.contains("<-  250 2.0.0"), "{first}");
    let full = swaks(inbound, &tiny);
    assert!(full.contains("<** 452 4.2.2"), "{full}");
    assert_eq!(
        subjects(imap, "tiny@example.com", "Tiny-first-pass-1", "INBOX"),
        ["fills"]
    );
    assert_eq!(subjects(imap, ANN, PASSWORD, "INBOX"), ["hello inbound"]);
}

/// The account's API token, as the owner makes one on the dashboard.
async fn owner_api_token(dir: &std::path::Path) -> String {
    let core = side_core(&dir.join("data"), false).await;
    operator_token(&core, "owner@example.com", "ops").await
}

/// Saves ann's password "Second-pass-22" with the API; returns the answer.
fn save_password_through_the_api(lines: &[String], token: &str) -> String {
    let url = format!(
        "http://127.0.0.1:{}/api/v1/mailboxes/1/password",
        dashboard_port(lines)
    );
    let out = Command::new("curl")
        .args(["-s", "-X", "PUT", "-H"])
        .arg(format!("authorization: Bearer {token}"))
        .args(["-H", "content-type: application/json"])
        .args(["--data", r#"{"password":"Second-pass-22"}"#, &url])
        .output()
        .unwrap();
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_password_saved_through_the_api_ends_signed_in_smtp_sessions_with_421() {
    let (dir, config, _server, lines) = seeded_node().await;
    let token = owner_api_token(&dir).await;
    tokio::task::spawn_blocking(move || ended_by_the_api(&config, &lines, &token))
        .await
        .unwrap();
}

fn ended_by_the_api(config: &std::path::Path, lines: &[String], token: &str) {
    let port = smtp_port(lines, "submission").to_string();
    let mut idle = smtp_client(&["wait-421", &port, ANN, PASSWORD]);
    wait_for_line(&mut idle, "WAITING");
    let mut in_data = smtp_client(&["wait-421", &port, ANN, PASSWORD, "data"]);
    wait_for_line(&mut in_data, "WAITING");
    let listed = ok(config, &["sessions", "list", ANN], None);
    assert_eq!(listed.matches("\tsmtp\t127.0.0.1").count(), 2, "{listed}");

    let started = Instant::now();
    let answer = save_password_through_the_api(lines, token);
    assert_eq!(answer, r#"{"sessions_ended":2}"#);
    for client in [idle, in_data] {
        let closed = finish(client);
        assert!(closed.contains("CLOSED 421 4.7.0"), "{closed}");
    }
    assert!(started.elapsed() < Duration::from_secs(10));
    let old = submit(port.parse().unwrap(), "starttls", PASSWORD, ANN, ANN, "x");
    assert!(old.contains("REFUSED 535"), "{old}");
    let new = submit(
        port.parse().unwrap(),
        "starttls",
        "Second-pass-22",
        ANN,
        ANN,
        "x",
    );
    assert!(new.contains("SENT"), "{new}");
}

/// Two `trekmail serve` processes on one PostgreSQL, a signed-in SMTP session on each: a
/// password saved from a third process ends both with `421 4.7.0`; mail submitted on one node
/// is read over IMAP on the other.
#[tokio::test(flavor = "multi_thread")]
async fn on_two_nodes_a_saved_password_ends_both_smtp_sessions() {
    let url = trekmail_testkit::fresh_database(trekmail_testkit::Backend::Postgres).await;
    tokio::task::spawn_blocking(move || {
        let (_dir_a, config_a) = setup(&url);
        let (_dir_b, config_b) = setup(&url);
        seed(&config_a);
        let b_data = config_b.parent().unwrap().join("data");
        std::fs::create_dir_all(&b_data).unwrap();
        std::fs::copy(
            config_a.parent().unwrap().join("data/server.key"),
            b_data.join("server.key"),
        )
        .unwrap();
        let (_a, lines_a) = serve(&config_a);
        let (_b, lines_b) = serve(&config_b);
        let sent = submit(
            smtp_port(&lines_a, "submissions"),
            "ssl",
            PASSWORD,
            ANN,
            ANN,
            "across nodes",
        );
        assert!(sent.contains("SENT"), "{sent}");
        assert_eq!(
            subjects(imap_port(&lines_b), ANN, PASSWORD, "INBOX"),
            ["across nodes"]
        );

        let mut clients = Vec::new();
        for lines in [&lines_a, &lines_b] {
            let port = smtp_port(lines, "submission").to_string();
            let mut client = smtp_client(&["wait-421", &port, ANN, PASSWORD]);
            wait_for_line(&mut client, "WAITING");
            clients.push(client);
        }
        let out = ok(
            &config_a,
            &["mailbox", "set-password", ANN, "--password-stdin"],
            Some("Cluster-pass-33\n"),
        );
        assert!(out.contains("2 session(s) ended"), "{out}");
        for client in clients {
            let closed = finish(client);
            assert!(closed.contains("CLOSED 421 4.7.0"), "{closed}");
        }
    })
    .await
    .unwrap();
}

/// Item 14 of issue 9: with a burst of pipelined messages in flight, a password saved through
/// the API wins over the input: once the save has answered, no further message is stored, and
/// the client's last reply is `421 4.7.0`.
#[tokio::test(flavor = "multi_thread")]
async fn a_password_save_wins_over_pipelined_commands() {
    let (dir, _config, _server, lines) = seeded_node().await;
    let token = owner_api_token(&dir).await;
    tokio::task::spawn_blocking(move || save_during_a_burst(&lines, &token))
        .await
        .unwrap();
}

fn save_during_a_burst(lines: &[String], token: &str) {
    const COUNT: usize = 3000;
    let port = smtp_port(lines, "submission").to_string();
    let mut burst = smtp_client(&["pipelined", &port, ANN, PASSWORD, &COUNT.to_string()]);
    wait_for_line(&mut burst, "FLOWING");
    let answer = save_password_through_the_api(lines, token);
    assert_eq!(answer, r#"{"sessions_ended":1}"#);
    let imap = imap_port(lines);
    let stored = subjects(imap, ANN, "Second-pass-22", "INBOX").len();
    let said = finish(burst);
    assert!(said.contains("LAST 421 4.7.0"), "{said}");
    let accepted: usize = said
        .split_whitespace()
        .skip_while(|w| *w != "ACCEPTED")
        .nth(1)
        .and_then(|n| n.parse().ok())
        .unwrap();
    assert!((5..COUNT).contains(&accepted), "{said}");
    std::thread::sleep(Duration::from_secs(1));
    let later = subjects(imap, ANN, "Second-pass-22", "INBOX").len();
    assert_eq!((stored, later), (accepted, accepted), "{said}");
}

/// Item 7 of issue 9: submission checks the header senders besides the envelope: each address
/// in every `From:` and `Sender:` must be the signed-in mailbox's (`550 5.7.1`), and a message
/// without `From:` is refused (`550 5.6.0`, RFC 5322 requires one). Only the good ones land.
#[test]
fn submission_refuses_header_senders_the_mailbox_does_not_own() {
    let (_dir, config) = setup("");
    seed(&config);
    let (_server, lines) = serve(&config);
    let port = smtp_port(&lines, "submission").to_string();
    let out = finish(smtp_client(&[
        "headers",
        &port,
        ANN,
        PASSWORD,
        "boss@example.com",
    ]));
    let code = |case: &str| {
        let line = out
            .lines()
            .find(|l| l.starts_with(&format!("CASE {case} ")))
            .unwrap_or_else(|| panic!("{case}: {out}"));
        line.splitn(3, ' ').nth(2).unwrap().to_owned()
    };
    for accepted in ["own", "capitals"] {
        assert_eq!(code(accepted), "250", "{out}");
    }
    for forged in [
        "other-from",
        "other-sender",
        "second-from",
        "from-list",
        "group",
        "no-address",
    ] {
        assert!(code(forged).starts_with("550 5.7.1 "), "{forged}: {out}");
    }
    assert!(code("no-from").starts_with("550 5.6.0 "), "{out}");
    let mut inbox = subjects(imap_port(&lines), ANN, PASSWORD, "INBOX");
    inbox.sort();
    assert_eq!(inbox, ["capitals", "own"]);
}

/// Mail waiting in the outbound queue counts against its sender's quota: a mailbox that is
/// full with it cannot queue more (`452 4.2.2`), and the refused message is not queued.
#[test]
fn queued_mail_counts_against_the_senders_quota() {
    let (dir, config) = setup_with("", "relay = \"127.0.0.1:9\"");
    let (_server, lines) = serve(&config);
    seed(&config);
    seed_tiny(&config);
    let port = smtp_port(&lines, "submission");
    let send = |subject: &str| {
        let body = format!(
            "From: tiny@example.com\r\nTo: far@far.example\r\nSubject: {subject}\r\n\r\n{}",
            format!("{}\r\n", "x".repeat(998)).repeat(400)
        );
        let file = dir.join(format!("{subject}.eml"));
        std::fs::write(&file, body).unwrap();
        swaks(
            port,
            &[
                "--to",
                "far@far.example",
                "--from",
                "tiny@example.com",
                "--auth",
                "PLAIN",
                "--auth-user",
                "tiny@example.com",
                "--auth-password",
                "Tiny-first-pass-1",
                "--data",
                &format!("@{}", file.display()),
                "--suppress-data",
            ],
        )
    };
    // 400 KB queued and 400 KB in Sent fit in 1 MB; another 400 KB queued does not.
    let first = send("first");
    assert!(first.contains("<-  250"), "{first}");
    let second = send("second");
    assert!(second.contains("<** 452 4.2.2"), "{second}");
    let queued = ok(&config, &["queue", "list"], None);
    assert_eq!(queued.matches("far@far.example").count(), 1, "{queued}");
}
