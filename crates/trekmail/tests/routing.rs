//! What comes in, through the real binary and real clients (smtplib in, imaplib out, aiosmtpd
//! as another server): mail to an alias, a plus-address and a catch-all reaches its mailbox
//! and folder; a blocked sender is refused with `550 5.7.1`, or filed into Junk; a forward
//! leaves with an SRS sender and its bounce returns to the sender; a forwarding loop stops;
//! a mailbox sends as its alias; and a change made while the server runs applies to the next
//! message.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::side_core::side_core;
use common::*;
use std::io::Read;
use std::path::Path;
use std::process::Child;

const ANN: &str = "ann@example.com";
const BOB: &str = "bob@example.com";
const BOB_PASSWORD: &str = "Bob-first-pass-1";

fn inbound(port: u16, from: &str, to: &str, subject: &str) -> String {
    finish(smtp_client(&[
        "inbound",
        &port.to_string(),
        from,
        to,
        subject,
        "1",
    ]))
}

fn submit_as(port: u16, from: &str, subject: &str) -> String {
    finish(smtp_client(&[
        "submit",
        &port.to_string(),
        "plain",
        ANN,
        ANN_PASSWORD,
        from,
        ANN,
        subject,
    ]))
}

fn sorted(mut subjects: Vec<String>) -> Vec<String> {
    subjects.sort();
    subjects
}

/// ann with a Trips folder, and bob.
async fn seeded_with_bob() -> (std::path::PathBuf, std::path::PathBuf) {
    let (dir, config) = setup("");
    let c = config.clone();
    tokio::task::spawn_blocking(move || {
        seed(&c);
        let bob = ["mailbox", "create", BOB, "--password-stdin"];
        ok(&c, &bob, Some(&format!("{BOB_PASSWORD}\n")));
    })
    .await
    .unwrap();
    let core = side_core(&dir.join("data"), false).await;
    let ann = core
        .mailbox_by_address(core.operator.scope(), ANN)
        .await
        .unwrap();
    core.create_folder(&core.operator.mailbox(ann.id), "Trips")
        .await
        .unwrap();
    (dir, config)
}

fn cli(config: &Path, args: &[&str]) -> String {
    ok(config, args, None)
}

#[tokio::test(flavor = "multi_thread")]
async fn an_alias_a_plus_address_and_a_catch_all_deliver_and_imap_reads_them() {
    let (_dir, config) = seeded_with_bob().await;
    tokio::task::spawn_blocking(move || {
        cli(&config, &["alias", "add", ANN, "Sales@example.com"]);
        let listed = cli(&config, &["alias", "list", ANN]);
        assert_eq!(listed.trim(), "sales@example.com");
        cli(
            &config,
            &["routing", "set", ANN, "--subaddressing", "folders"],
        );
        cli(&config, &["routing", "catch-all", BOB, "example.com"]);
        let refused = fails(&config, &["alias", "add", BOB, "sales@example.com"], None);
        assert!(refused.contains("in use"), "{refused}");
        let refused = fails(
            &config,
            &["routing", "set", ANN, "--blocked-mail", "bounce"],
            None,
        );
        assert!(refused.contains("refuse, junk"), "{refused}");

        let (_server, lines) = serve(&config);
        let (smtp, imap) = (smtp_port(&lines, "inbound"), imap_port(&lines));
        let submission = smtp_port(&lines, "submission");
        for (to, subject) in [
            ("sales@example.com", "to the alias"),
            ("ann+trips@example.com", "to trips"),
            ("sales+Trips@example.com", "to the alias's trips"),
            ("ann+nowhere@example.com", "to an unknown tag"),
            ("nobody@example.com", "to the catch-all"),
        ] {
            let sent = inbound(smtp, "walker@far.example", to, subject);
            assert!(sent.contains("SENT"), "{to}: {sent}");
        }
        assert_eq!(
            sorted(subjects(imap, ANN, ANN_PASSWORD, "INBOX")),
            ["to an unknown tag", "to the alias"]
        );
        assert_eq!(
            sorted(subjects(imap, ANN, ANN_PASSWORD, "Trips")),
            ["to the alias's trips", "to trips"]
        );
        assert_eq!(
            subjects(imap, BOB, BOB_PASSWORD, "INBOX"),
            ["to the catch-all"]
        );

        // Changed while the server runs: the next message follows the change.
        cli(
            &config,
            &["routing", "catch-all", BOB, "example.com", "--off"],
        );
        let refused = inbound(smtp, "walker@far.example", "nobody@example.com", "late");
        assert!(refused.contains("550 5.1.1"), "{refused}");
        cli(&config, &["alias", "remove", ANN, "sales@example.com"]);
        let refused = inbound(smtp, "walker@far.example", "sales@example.com", "late");
        assert!(refused.contains("550 5.1.1"), "{refused}");

        // ann sends as her alias while she has it, never as bob.
        cli(&config, &["alias", "add", ANN, "sales@example.com"]);
        let sent = submit_as(submission, "sales@example.com", "as the alias");
        assert!(sent.contains("SENT"), "{sent}");
        let forged = submit_as(submission, BOB, "as bob");
        assert!(forged.contains("REFUSED 553 5.7.1"), "{forged}");
        assert_eq!(subjects(imap, ANN, ANN_PASSWORD, "Sent"), ["as the alias"]);
    })
    .await
    .unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn a_blocked_sender_is_refused_at_smtp_time_or_filed_into_junk() {
    let (_dir, config) = seeded_with_bob().await;
    tokio::task::spawn_blocking(move || {
        cli(&config, &["sender", "add", ANN, "blocked", "@spam.example"]);
        let (_server, lines) = serve(&config);
        let (smtp, imap) = (smtp_port(&lines, "inbound"), imap_port(&lines));

        let refused = inbound(smtp, "ads@mail.spam.example", ANN, "refused");
        assert!(refused.contains("REFUSED 550 5.7.1"), "{refused}");
        // With another recipient, the others get it and the blocked sender hears of ann.
        let mixed = inbound(smtp, "ads@spam.example", &format!("{ANN},{BOB}"), "mixed");
        assert!(mixed.contains("SENT"), "{mixed}");
        assert_eq!(subjects(imap, BOB, BOB_PASSWORD, "INBOX"), ["mixed"]);

        cli(&config, &["routing", "set", ANN, "--blocked-mail", "junk"]);
        let junked = inbound(smtp, "ads@spam.example", ANN, "junked");
        assert!(junked.contains("SENT"), "{junked}");
        cli(
            &config,
            &["sender", "add", ANN, "allowed", "friend@spam.example"],
        );
        let kept = inbound(smtp, "friend@spam.example", ANN, "allowed");
        assert!(kept.contains("SENT"), "{kept}");
        assert_eq!(subjects(imap, ANN, ANN_PASSWORD, "Junk"), ["junked"]);
        assert_eq!(subjects(imap, ANN, ANN_PASSWORD, "INBOX"), ["allowed"]);

        let listed = cli(&config, &["sender", "list", ANN]);
        assert_eq!(
            listed.lines().collect::<Vec<_>>(),
            ["blocked\t@spam.example", "allowed\tfriend@spam.example"]
        );
        cli(&config, &["sender", "remove", ANN, "@SPAM.example"]);
        let audit = cli(&config, &["audit", ANN]);
        for kind in [
            "sender_filter_added",
            "sender_filter_removed",
            "routing_changed",
        ] {
            assert!(audit.contains(kind), "{kind}: {audit}");
        }
    })
    .await
    .unwrap();
}

/// An accepting sink on a free port, and the relay setting that sends the queue to it.
fn sink() -> (Child, String) {
    let mut child = python("/usr/bin/python3", "smtp_sink.py", &["accept", "0"]);
    let line = read_line(&mut child);
    let port = line.trim().strip_prefix("PORT ").unwrap().to_owned();
    let relay = format!("relay = \"127.0.0.1:{port}\"\nretry_first_secs = 1\nretry_max_secs = 1\n");
    (child, relay)
}

/// One line of the sink's output, read a byte at a time so that no later line is taken into
/// a buffer and lost.
fn read_line(sink: &mut Child) -> String {
    let stdout = sink.stdout.as_mut().unwrap();
    let mut line = Vec::new();
    let mut byte = [0u8];
    while stdout.read(&mut byte).unwrap() == 1 && byte[0] != b'\n' {
        line.push(byte[0]);
    }
    String::from_utf8(line).unwrap()
}

/// The sink's next message: its envelope sender and its recipient line.
fn next_message(sink: &mut Child) -> (String, String) {
    let mut from = String::new();
    loop {
        let line = read_line(sink);
        assert!(!line.is_empty(), "the sink ended");
        if let Some(sender) = line.strip_prefix("FROM ") {
            from = sender.to_owned();
        } else if let Some(received) = line.strip_prefix("RECEIVED ") {
            return (from, received.to_owned());
        }
    }
}

#[test]
fn a_forward_leaves_with_an_srs_sender_and_a_bounce_to_it_finds_the_sender() {
    let (mut receiver, relay) = sink();
    let (_dir, config) = setup_with("", &relay);
    seed(&config);
    cli(&config, &["forward", "add", ANN, "walker@far.example"]);
    let refused = fails(&config, &["forward", "add", ANN, "ANN@example.com"], None);
    assert!(refused.contains("would loop"), "{refused}");
    let refused = fails(&config, &["forward", "add", ANN, "not an address"], None);
    assert!(refused.contains("the destination"), "{refused}");
    let (_server, lines) = serve(&config);
    let (smtp, imap) = (smtp_port(&lines, "inbound"), imap_port(&lines));

    let sent = inbound(smtp, "sender@origin.example", ANN, "forwarded");
    assert!(sent.contains("SENT"), "{sent}");
    let (from, received) = next_message(&mut receiver);
    assert!(
        from.starts_with("SRS0=") && from.ends_with("=origin.example=sender@example.com"),
        "{from}"
    );
    assert_eq!(received, "walker@far.example forwarded");
    // "Keep a copy" is on by default.
    assert_eq!(subjects(imap, ANN, ANN_PASSWORD, "INBOX"), ["forwarded"]);

    // The destination bounces to the SRS address: it goes back to the sender, from <>.
    let bounced = inbound(smtp, "", &from, "bounce of forwarded");
    assert!(bounced.contains("SENT"), "{bounced}");
    let (from, received) = next_message(&mut receiver);
    assert_eq!(from, "<>");
    assert_eq!(received, "sender@origin.example bounce of forwarded");
    // An address in the same shape that is not signed by this server is no one's.
    let forged = "SRS0=aaaaaa=ab=origin.example=sender@example.com";
    let refused = inbound(smtp, "", forged, "forged");
    assert!(refused.contains("550 5.1.1"), "{refused}");

    // Without a copy, the mailbox keeps nothing.
    cli(&config, &["routing", "set", ANN, "--keep-copy", "off"]);
    let sent = inbound(smtp, "sender@origin.example", ANN, "not kept");
    assert!(sent.contains("SENT"), "{sent}");
    assert_eq!(next_message(&mut receiver).1, "walker@far.example not kept");
    assert_eq!(subjects(imap, ANN, ANN_PASSWORD, "INBOX"), ["forwarded"]);
    let _ = receiver.kill();
}

#[tokio::test(flavor = "multi_thread")]
async fn a_loop_between_two_forwarding_mailboxes_stops_and_keeps_the_message() {
    let (_dir, config) = seeded_with_bob().await;
    tokio::task::spawn_blocking(move || {
        cli(&config, &["forward", "add", ANN, BOB]);
        cli(&config, &["forward", "add", BOB, ANN]);
        for mailbox in [ANN, BOB] {
            cli(&config, &["routing", "set", mailbox, "--keep-copy", "off"]);
        }
        let (_server, lines) = serve(&config);
        let (smtp, imap) = (smtp_port(&lines, "inbound"), imap_port(&lines));
        let sent = inbound(smtp, "walker@far.example", ANN, "round and round");
        assert!(sent.contains("SENT"), "{sent}");
        // ann → bob → ann: ann sees it came through her before, and keeps it.
        assert_eq!(
            subjects(imap, ANN, ANN_PASSWORD, "INBOX"),
            ["round and round"]
        );
        assert!(subjects(imap, BOB, BOB_PASSWORD, "INBOX").is_empty());
        let audit = cli(&config, &["audit", ANN]);
        assert!(
            audit
                .lines()
                .any(|l| l.contains("mail_kept") && l.contains("loop")),
            "{audit}"
        );
        // A blocked sender is not forwarded: refused for ann, and bob never sees it.
        cli(
            &config,
            &["sender", "add", ANN, "blocked", "walker@far.example"],
        );
        let refused = inbound(smtp, "walker@far.example", ANN, "blocked");
        assert!(refused.contains("REFUSED 550 5.7.1"), "{refused}");
        assert!(subjects(imap, BOB, BOB_PASSWORD, "INBOX").is_empty());
    })
    .await
    .unwrap();
}

#[test]
fn an_auto_reply_answers_a_sender_once_and_never_a_list() {
    let (mut receiver, relay) = sink();
    let (_dir, config) = setup_with("", &relay);
    seed(&config);
    let set = [
        "auto-reply",
        "set",
        ANN,
        "--state",
        "on",
        "--text",
        "Away until Monday.",
    ];
    cli(&config, &set);
    let (_server, lines) = serve(&config);
    let smtp = smtp_port(&lines, "inbound");
    let send = |from: &str, subject: &str, extra: &[&str]| {
        let mut args = vec!["inbound".to_owned(), smtp.to_string()];
        args.extend([from, ANN, subject, "1"].map(str::to_owned));
        args.extend(extra.iter().map(|e| (*e).to_owned()));
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let sent = finish(smtp_client(&args));
        assert!(sent.contains("SENT"), "{sent}");
    };
    send("walker@far.example", "first", &[]);
    assert_eq!(
        next_message(&mut receiver),
        ("<>".to_owned(), "walker@far.example Auto: first".to_owned())
    );
    // Not twice to one sender, never to a list: the next reply the sink sees is the next
    // sender's.
    send("walker@far.example", "second", &[]);
    send(
        "lister@far.example",
        "digest",
        &["List-Id: <trips.far.example>"],
    );
    send("other@far.example", "hello", &[]);
    assert_eq!(
        next_message(&mut receiver).1,
        "other@far.example Auto: hello"
    );
    let _ = receiver.kill();
}
