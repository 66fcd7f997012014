//! The IMAP listener of `trekmail serve`, driven by Python's imaplib: sign-in, folders, and the
//! headline — a password saved elsewhere ends a live IDLE connection with `* BYE` at once, on
//! the same node and on another node sharing the PostgreSQL.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::*;
use std::time::{Duration, Instant};
use trekmail_testkit::{Backend, fresh_database};

const ANN: &str = "ann@example.com";
const PASSWORD: &str = "Ann-first-pass-1";

#[test]
fn imaplib_signs_in_and_browses_folders() {
    let (_dir, config) = setup("");
    let (_server, lines) = serve(&config);
    let port = imap_port(&lines);
    seed(&config);
    let refused = finish(imap_client(port, ANN, "Wrong-password-1", "login-fail"));
    assert!(refused.contains("REFUSED"), "{refused}");
    let unknown = finish(imap_client(
        port,
        "ghost@example.com",
        PASSWORD,
        "login-fail",
    ));
    assert!(unknown.contains("REFUSED"), "{unknown}");
    let browsed = finish(imap_client(port, ANN, PASSWORD, "browse"));
    assert!(
        browsed.contains("EXISTS 0") && browsed.contains("BROWSED"),
        "{browsed}"
    );
    let audit = ok(&config, &["audit", ANN], None);
    assert!(
        audit.contains("sign_in\timap") && audit.contains("sign_in_failed\timap"),
        "{audit}"
    );
}

#[test]
fn saving_a_password_ends_an_idle_imap_connection_with_bye() {
    let (_dir, config) = setup("");
    let (_server, lines) = serve(&config);
    let port = imap_port(&lines);
    seed(&config);
    let mut client = imap_client(port, ANN, PASSWORD, "idle-bye");
    wait_for_line(&mut client, "IDLING");
    let listed = ok(&config, &["sessions", "list", ANN], None);
    assert!(listed.contains("\timap\t127.0.0.1"), "{listed}");

    let started = Instant::now();
    let out = ok(
        &config,
        &["mailbox", "set-password", ANN, "--password-stdin"],
        Some("Second-pass-22\n"),
    );
    assert!(out.contains("1 session(s) ended"), "{out}");
    let bye = wait_for_line(&mut client, "BYE");
    assert!(bye.contains("* BYE"), "{bye}");
    assert!(started.elapsed() < Duration::from_secs(5));
    finish(client);
    // The old password works no more; the new one does.
    only_new_password_works(port, ANN, PASSWORD, "Second-pass-22");
}

/// Two `trekmail serve` processes on one PostgreSQL, a client IDLE on each: a password saved
/// from a third process ends both.
#[tokio::test(flavor = "multi_thread")]
async fn two_serve_processes_on_one_postgres_end_each_others_sessions() {
    let url = fresh_database(Backend::Postgres).await;
    tokio::task::spawn_blocking(move || {
        let (_dir_a, config_a) = setup(&url);
        let (_dir_b, config_b) = setup(&url);
        // Both nodes seal secrets with one key, as a cluster must.
        seed(&config_a);
        let key = config_a.parent().unwrap().join("data/server.key");
        let b_data = config_b.parent().unwrap().join("data");
        std::fs::create_dir_all(&b_data).unwrap();
        std::fs::copy(&key, b_data.join("server.key")).unwrap();
        let (_a, lines_a) = serve(&config_a);
        let (_b, lines_b) = serve(&config_b);
        let mut on_a = imap_client(imap_port(&lines_a), ANN, PASSWORD, "idle-bye");
        let mut on_b = imap_client(imap_port(&lines_b), ANN, PASSWORD, "idle-bye");
        wait_for_line(&mut on_a, "IDLING");
        wait_for_line(&mut on_b, "IDLING");
        let listed = ok(&config_b, &["sessions", "list", ANN], None);
        assert_eq!(listed.matches("\timap\t").count(), 2, "{listed}");

        let out = ok(
            &config_a,
            &["mailbox", "set-password", ANN, "--password-stdin"],
            Some("Cluster-pass-33\n"),
        );
        assert!(out.contains("2 session(s) ended"), "{out}");
        wait_for_line(&mut on_a, "BYE");
        wait_for_line(&mut on_b, "BYE");
        finish(on_a);
        finish(on_b);
    })
    .await
    .unwrap();
}

/// Mail commands end to end with imaplib: APPEND, FETCH, STORE, SEARCH, COPY, MOVE, EXPUNGE,
/// STATUS, the folder commands and malformed FETCH input, each answer checked by the script.
#[test]
fn imaplib_appends_fetches_stores_searches_copies_and_expunges() {
    mail_commands("");
}

/// The same on PostgreSQL, where bodies are rows of the database and come with the message rows.
#[tokio::test(flavor = "multi_thread")]
async fn imaplib_mail_commands_on_postgres() {
    let url = fresh_database(Backend::Postgres).await;
    tokio::task::spawn_blocking(move || mail_commands(&url))
        .await
        .unwrap();
}

fn mail_commands(database_url: &str) {
    let (_dir, config) = setup(database_url);
    let (_server, lines) = serve(&config);
    let port = imap_port(&lines);
    seed(&config);
    let out = finish(imap_client(port, ANN, PASSWORD, "mail"));
    for step in [
        "FETCHED META",
        "FETCHED BODIES",
        "FETCH BAD INPUT",
        "STORED",
        "SEARCHED",
        "COPIED AND MOVED",
        "EXPUNGED",
        "MAIL OK",
    ] {
        assert!(out.contains(step), "{step} missing: {out}");
    }
}

/// A full mailbox refuses APPEND with `NO [OVERQUOTA]` and the session goes on.
#[test]
fn append_to_a_full_mailbox_is_refused_with_overquota() {
    let (_dir, config) = setup("");
    let (_server, lines) = serve(&config);
    let port = imap_port(&lines);
    seed(&config);
    seed_tiny(&config);
    let out = finish(imap_client(
        port,
        "tiny@example.com",
        "Tiny-first-pass-1",
        "overquota",
    ));
    assert!(out.contains("OVERQUOTA after 1"), "{out}");
}

/// Edge cases and nonsense: commands without a selection, empty folders, partials past the
/// end, zero and huge numbers, malformed sections — answered, never a dropped connection.
#[test]
fn imap_edge_cases_are_answered_and_the_session_goes_on() {
    let (_dir, config) = setup("");
    let (_server, lines) = serve(&config);
    let port = imap_port(&lines);
    seed(&config);
    let out = finish(imap_client(port, ANN, PASSWORD, "edges"));
    assert!(out.contains("EDGES OK"), "{out}");
}
