//! Several real IMAP clients on one mailbox at once (Python's imaplib, `imap_sessions_client.py`):
//! each keeps its own view of the folder and hears of the others' changes where RFC 3501
//! allows; CONDSTORE and QRESYNC resyncs, on SQLite and PostgreSQL.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::*;
use trekmail_testkit::{Backend, fresh_database};

const ANN: &str = "ann@example.com";
const PASSWORD: &str = "Ann-first-pass-1";

/// Runs one mode of the client against a fresh server on each database.
async fn run(mode: &'static str, expect: &'static str) {
    for backend in [Backend::Sqlite, Backend::Postgres] {
        let url = match backend {
            Backend::Sqlite => String::new(),
            Backend::Postgres => fresh_database(backend).await,
        };
        tokio::task::spawn_blocking(move || run_on(&url, mode, expect))
            .await
            .unwrap();
    }
}

fn run_on(url: &str, mode: &str, expect: &str) {
    let (_dir, config) = setup(url);
    let (_server, lines) = serve(&config);
    let port = imap_port(&lines);
    seed(&config);
    let out = finish(python(
        "python3",
        "imap_sessions_client.py",
        &[&port.to_string(), ANN, PASSWORD, mode],
    ));
    assert!(out.contains(expect), "{out}");
}

#[tokio::test(flavor = "multi_thread")]
async fn sessions_hear_each_others_changes_where_the_rfc_allows() {
    run("views", "VIEWS OK").await;
}

#[tokio::test(flavor = "multi_thread")]
async fn condstore_tells_what_changed_and_refuses_a_stale_store() {
    run("condstore", "CONDSTORE OK").await;
}

#[tokio::test(flavor = "multi_thread")]
async fn qresync_brings_an_offline_client_up_to_date() {
    run("qresync", "QRESYNC OK").await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_large_folder_opened_again_is_as_the_store_has_it() {
    run("reopen", "REOPEN OK").await;
}
