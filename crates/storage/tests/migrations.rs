//! Opening databases: migrations once, concurrent openers, readable connection errors.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: failing loudly is the point

mod common;

use common::*;
use sqlx::{AnyConnection, Connection};
use std::collections::BTreeSet;
use trekmail_core::ids::AccountId;
use trekmail_core::store::{AccountStore, MailboxStore, MessageStore, QueueStore, StoreError};
use trekmail_storage::{Backend, SqlStore, known_schema_versions, mask_password};

#[tokio::test]
async fn opening_twice_migrates_once_and_keeps_data() {
    for db in both().await {
        assert_eq!(
            db.store.schema_versions().await.unwrap(),
            known_schema_versions(),
            "{}",
            db.label
        );
        let a = account(&db.store, "keep@example.com").await;
        let again = SqlStore::open(&db.url).await.unwrap();
        assert_eq!(
            again.schema_versions().await.unwrap(),
            known_schema_versions(),
            "{}",
            db.label
        );
        assert_eq!(again.account(a.id).await.unwrap(), Some(a));
        assert_eq!(again.backend(), db.backend());
    }
}

#[tokio::test]
async fn concurrent_first_opens_do_not_fail() {
    let (sqlite_url, file) = fresh_sqlite_url();
    let pg_url = fresh_pg_url().await;
    for url in [sqlite_url.clone(), pg_url] {
        let opens: Vec<_> = (0..4)
            .map(|_| {
                let url = url.clone();
                tokio::spawn(async move { SqlStore::open(&url).await })
            })
            .collect();
        for open in opens {
            let store = open.await.unwrap().unwrap_or_else(|e| panic!("{url}: {e}"));
            assert_eq!(
                store.schema_versions().await.unwrap(),
                known_schema_versions()
            );
        }
    }
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", file.display()));
    }
}

#[tokio::test]
async fn sqlite_is_in_wal_mode() {
    let db = sqlite().await;
    let store = &db.store;
    assert_eq!(store.backend(), Backend::Sqlite);
    let mut conn = <sqlx::AnyConnection as sqlx::Connection>::connect(&db.url)
        .await
        .unwrap();
    let mode: String = sqlx::query_scalar("PRAGMA journal_mode")
        .fetch_one(&mut conn)
        .await
        .unwrap();
    assert_eq!(mode, "wal");
}

#[tokio::test]
async fn in_memory_sqlite_works() {
    let store = SqlStore::open("sqlite::memory:").await.unwrap();
    account(&store, "mem@example.com").await;
    assert_eq!(store.accounts().await.unwrap().len(), 1);
}

#[tokio::test]
async fn unreachable_postgres_names_the_cause_without_the_password() {
    // Nothing listens on port 1.
    let url = "postgres://trek:hunter2@127.0.0.1:1/mail";
    match SqlStore::open(url).await {
        Err(StoreError::Backend(msg)) => {
            assert!(
                msg.starts_with("cannot connect to postgres://trek:***@127.0.0.1:1/mail: "),
                "{msg}"
            );
            assert!(msg.contains("refused"), "{msg}");
            assert!(!msg.contains("hunter2"), "{msg}");
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(mask_password(url), "postgres://trek:***@127.0.0.1:1/mail");
}

#[tokio::test]
async fn bad_urls_are_errors() {
    let unsupported = SqlStore::open("mysql://u:pw@localhost/db").await;
    assert!(
        matches!(unsupported, Err(StoreError::Backend(ref m)) if m.contains("unsupported") && !m.contains("pw@")),
        "{unsupported:?}"
    );
    let missing_dir = SqlStore::open("sqlite:///nonexistent-dir/sub/t.db?mode=rwc").await;
    assert!(
        matches!(missing_dir, Err(StoreError::Backend(ref m)) if m.starts_with("cannot connect to sqlite:///nonexistent-dir")),
        "{missing_dir:?}"
    );
}

#[tokio::test]
async fn a_newer_schema_is_refused() {
    for db in both().await {
        db.raw("INSERT INTO schema_migrations (version, applied_at) VALUES (999, 0)")
            .await;
        match SqlStore::open(&db.url).await {
            Err(StoreError::Backend(m)) => assert!(m.contains("999"), "{}: {m}", db.label),
            other => panic!("{}: {other:?}", db.label),
        }
    }
}

/// An operator command and the server open the same SQLite file: both write at once, neither
/// sees "database is locked".
#[tokio::test]
async fn two_stores_on_one_sqlite_file_both_write() {
    let db = sqlite().await;
    let other = SqlStore::open(&db.url).await.unwrap();
    let tasks: Vec<_> = (0..40)
        .map(|i| {
            let s = if i % 2 == 0 {
                db.store.clone()
            } else {
                other.clone()
            };
            tokio::spawn(async move { account(&s, &format!("u{i}@example.com")).await })
        })
        .collect();
    for task in tasks {
        task.await.unwrap();
    }
    assert_eq!(db.store.accounts().await.unwrap().len(), 40);
}

/// Two mailboxes in a database at schema version 1, before folders existed.
const VERSION_1_DATA: &str = "INSERT INTO schema_migrations (version, applied_at) VALUES (1, 0);
     INSERT INTO accounts (owner_email, plan, created_at) VALUES ('o@old.test', 'pro', 0);
     INSERT INTO domains (account_id, name, created_at) VALUES (1, 'old.test', 0);
     INSERT INTO mailboxes (account_id, domain_id, address, display_name, quota_bytes, created_at)
     VALUES (1, 1, 'a@old.test', 'a', 1000, 0), (1, 1, 'b@old.test', 'b', 1000, 0);";

/// Mailboxes made before folders existed get theirs, with distinct UIDVALIDITYs that later
/// folders do not repeat.
#[tokio::test]
async fn upgrading_gives_existing_mailboxes_their_folders() {
    let (sqlite_url, file) = fresh_sqlite_url();
    let pg_url = fresh_pg_url().await;
    let scripts = [
        (
            sqlite_url,
            "CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, applied_at INTEGER NOT NULL)",
            include_str!("../migrations/sqlite/0001_initial.sql"),
        ),
        (
            pg_url,
            "CREATE TABLE schema_migrations (version BIGINT PRIMARY KEY, applied_at BIGINT NOT NULL)",
            include_str!("../migrations/postgres/0001_initial.sql"),
        ),
    ];
    for (url, table, version_1) in scripts {
        let mut conn = AnyConnection::connect(&url).await.unwrap();
        for sql in [table, version_1, VERSION_1_DATA] {
            sqlx::raw_sql(sql).execute(&mut conn).await.unwrap();
        }
        conn.close().await.unwrap();

        let store = SqlStore::open(&url).await.unwrap();
        assert_eq!(
            store.schema_versions().await.unwrap(),
            known_schema_versions(),
            "{url}"
        );
        let mailboxes = store.mailboxes_of(AccountId(1)).await.unwrap();
        assert_eq!(mailboxes.len(), 2);
        let mut validities = BTreeSet::new();
        for m in &mailboxes {
            assert_eq!(m.used_bytes, 0);
            let folders = store.folders(m.id).await.unwrap();
            let names: Vec<_> = folders.iter().map(|f| f.name.as_str()).collect();
            assert_eq!(
                names,
                ["Archive", "Drafts", "INBOX", "Junk", "Sent", "Trash"],
                "{url}"
            );
            // Subscribed then, subscribed now: the marks became names (0014).
            assert_eq!(store.subscriptions(m.id).await.unwrap(), names, "{url}");
            for f in &folders {
                assert_eq!(f.uid_next, 1);
                assert_eq!(
                    f.special_use.map(|u| u.default_name()),
                    (f.name != "INBOX").then_some(f.name.as_str())
                );
                validities.insert(f.uid_validity);
            }
        }
        assert_eq!(validities.len(), 12, "{url}: {validities:?}");
        let newest = validities.last().copied().unwrap();
        let later = store
            .create_folder(mailboxes[0].id, "Later", None)
            .await
            .unwrap();
        assert!(later.uid_validity > newest, "{url}");
    }
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", file.display()));
    }
}

/// Version 10 moves each queued row's body into `outbound_bodies` (uncharged): a row queued before it is
/// still sent with its body, which goes with the row.
#[tokio::test]
async fn upgrading_keeps_queued_bodies() {
    for db in both().await {
        // Back to before version 10, and 12, which changes its table.
        db.raw("DELETE FROM schema_migrations WHERE version IN (10, 12)")
            .await;
        db.raw("DROP TABLE outbound_bodies").await;
        db.raw("DROP TABLE bounce_counts").await;
        db.raw("DROP INDEX outbound_queue_by_body").await;
        db.raw("ALTER TABLE outbound_queue DROP COLUMN body_key")
            .await;
        let (column, row) = match db.backend() {
            Backend::Sqlite => (
                "ALTER TABLE outbound_queue ADD COLUMN body BLOB NOT NULL DEFAULT ''",
                "INSERT INTO outbound_queue (sender, recipient, body, size, created_at, \
                 next_attempt) VALUES ('ann@example.com', 'b@far.example', \
                 CAST('Subject: old' AS BLOB), 12, 1, 1)",
            ),
            Backend::Postgres => (
                "ALTER TABLE outbound_queue ADD COLUMN body BYTEA NOT NULL DEFAULT ''",
                "INSERT INTO outbound_queue (sender, recipient, body, size, created_at, \
                 next_attempt) VALUES ('ann@example.com', 'b@far.example', \
                 CAST('Subject: old' AS BYTEA), 12, 1, 1)",
            ),
        };
        db.raw(column).await;
        db.raw(row).await;

        let store = SqlStore::open(&db.url).await.unwrap();
        assert_eq!(
            store.schema_versions().await.unwrap(),
            known_schema_versions()
        );
        let queued = store.queued().await.unwrap();
        assert_eq!(queued.len(), 1, "{}", db.label);
        let body = store.queued_body(queued[0].id).await.unwrap();
        assert_eq!(body.as_deref(), Some(&b"Subject: old"[..]), "{}", db.label);
        store.dequeue(queued[0].id).await.unwrap();
        let bodies = db.count("SELECT COUNT(*) FROM outbound_bodies").await;
        assert_eq!(bodies, 0, "{}", db.label);
    }
}
