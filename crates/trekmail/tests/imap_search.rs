//! SEARCH, SORT and THREAD end to end: `trekmail serve` driven by Python's imaplib
//! (`imap_search_client.py`), over messages with encoded words, groups, commented addresses,
//! Latin-1 and base64 bodies, a nested message and Date: fields in their own zones; on SQLite
//! and on PostgreSQL (whose bodies and header reads are the database's).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::*;
use trekmail_testkit::{Backend, fresh_database};

fn searches_sorts_and_threads(database_url: &str) {
    let (_dir, config) = setup(database_url);
    let (_server, lines) = serve(&config);
    let port = imap_port(&lines);
    seed(&config);
    let out = finish(python(
        "python3",
        "imap_search_client.py",
        &[&port.to_string(), "ann@example.com", ANN_PASSWORD],
    ));
    for step in ["SEARCHED", "SORTED", "THREADED", "DONE"] {
        assert!(out.contains(step), "{step} missing: {out}");
    }
}

#[test]
fn imaplib_searches_sorts_and_threads() {
    searches_sorts_and_threads("");
}

#[tokio::test(flavor = "multi_thread")]
async fn imaplib_searches_sorts_and_threads_on_postgres() {
    let url = fresh_database(Backend::Postgres).await;
    tokio::task::spawn_blocking(move || searches_sorts_and_threads(&url))
        .await
        .unwrap();
}
