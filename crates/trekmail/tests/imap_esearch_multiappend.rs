//! ESEARCH (RFC 4731, with CONDSTORE's MODSEQ) and MULTIAPPEND (RFC 3502) end to end: Python's
//! imaplib signs in and sends them raw (`imap_esearch_multiappend_client.py`), against
//! `trekmail serve` on SQLite and PostgreSQL.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::*;
use trekmail_testkit::{Backend, fresh_database};

/// Runs one mode of the client against a fresh server (with `imap` settings) on each database.
async fn run(mode: &'static str, imap: &'static str, expect: &'static str) {
    for backend in [Backend::Sqlite, Backend::Postgres] {
        let url = match backend {
            Backend::Sqlite => String::new(),
            Backend::Postgres => fresh_database(backend).await,
        };
        tokio::task::spawn_blocking(move || {
            let (_dir, config) = setup_imap(&url, imap);
            let (_server, lines) = serve(&config);
            let port = imap_port(&lines);
            seed(&config);
            seed_tiny(&config);
            let out = finish(python(
                "python3",
                "imap_esearch_multiappend_client.py",
                &[&port.to_string(), mode],
            ));
            assert!(out.contains(expect), "{backend:?}: {out}");
        })
        .await
        .unwrap();
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn esearch_returns_min_max_count_all_and_modseq() {
    run("esearch", "", "ESEARCH OK").await;
}

#[tokio::test(flavor = "multi_thread")]
async fn multiappend_stores_every_message_or_none() {
    run("multiappend", "", "MULTIAPPEND OK").await;
}

#[tokio::test(flavor = "multi_thread")]
async fn multiappend_keeps_to_the_literal_and_command_limits() {
    run(
        "limits",
        "max_literal_bytes = 2000\nmax_line_bytes = 1024",
        "LIMITS OK",
    )
    .await;
}
