//! How the stores reach their database: SQLite's hot reads run in place on read-only
//! connections of their own and see every commit at once, however many run together, and a
//! read past a thousand rows is finished on sqlx's threads, whole; SQLite's small write
//! transactions run in place, wait for a write lock held elsewhere, leave nothing behind
//! when they fail or their caller stops waiting, and one too long for in place (an EXPUNGE
//! through a folder of thousands) is done again whole on sqlx's writer; a PostgreSQL connection broken while idle is
//! replaced before a statement fails on it.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: failing loudly is the point

mod common;

use common::*;
use sqlx::{AnyConnection, Connection};
use std::time::Duration;
use trekmail_core::mail::{FlagChange, Flags, INBOX};
use trekmail_core::store::MessageStore;

#[tokio::test(flavor = "multi_thread")]
async fn reads_see_each_commit_at_once_from_any_connection_and_many_at_a_time() {
    for db in both().await {
        let s = &db.store;
        let (_, _, m) = mailbox_fixture(s).await;
        let inbox = folder(s, m.id, INBOX).await;
        for n in 1..=20 {
            s.append(inbox.id, &message(n, 1, &[]))
                .await
                .unwrap_or_else(|e| panic!("{n}: {e:?}"));
        }
        let seen = Flags::new(["\\Seen"]);
        s.store_flags(inbox.id, &[3], FlagChange::Add, &seen, None)
            .await
            .unwrap();
        let read = s.messages_with_uids(inbox.id, &[3]).await.unwrap();
        assert!(read[0].flags.contains("\\Seen"), "{}", db.label);
        // Written by another connection (an operator command, another process).
        db.raw(
            "UPDATE folders SET highest_modseq = 23 WHERE name = 'INBOX'; \
             UPDATE messages SET flags = '\\Flagged', modseq = 23 WHERE uid = 4",
        )
        .await;
        let read = s.messages_with_uids(inbox.id, &[4]).await.unwrap();
        assert!(read[0].flags.contains("\\Flagged"), "{}", db.label);
        let changes = s.changes_since(inbox.id, 22).await.unwrap();
        assert!(
            changes.changed.iter().any(|c| c.uid == 4),
            "{}: {changes:?}",
            db.label
        );
        // More readers at once than connections are kept idle.
        let readers: Vec<_> = (1..=40u32)
            .map(|n| {
                let store = s.clone();
                tokio::spawn(async move {
                    let uid = n % 20 + 1;
                    let found = store.messages_with_uids(inbox.id, &[uid]).await.unwrap();
                    assert_eq!(found[0].uid, uid);
                    store
                        .changes_since(inbox.id, 0)
                        .await
                        .unwrap()
                        .changed
                        .len()
                })
            })
            .collect();
        for reader in readers {
            assert_eq!(reader.await.unwrap(), 20, "{}", db.label);
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_postgresql_connection_broken_while_idle_is_replaced_before_use() {
    let db = postgres().await;
    let s = &db.store;
    let (_, _, m) = mailbox_fixture(s).await;
    let inbox = folder(s, m.id, INBOX).await;
    s.append(inbox.id, &message(1, 10, &[])).await.unwrap();
    assert_eq!(s.messages_with_uids(inbox.id, &[1]).await.unwrap().len(), 1);
    let killed = db
        .count(
            "SELECT COUNT(pg_terminate_backend(pid)) FROM pg_stat_activity \
             WHERE datname = current_database() AND pid <> pg_backend_pid()",
        )
        .await;
    assert!(killed >= 1, "the pool had a connection to break");
    // Past the idle time after which a connection is pinged before use.
    tokio::time::sleep(Duration::from_millis(5_500)).await;
    assert_eq!(s.messages_with_uids(inbox.id, &[1]).await.unwrap().len(), 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_read_too_long_for_in_place_is_answered_whole() {
    for db in both().await {
        let s = &db.store;
        let (_, _, m) = mailbox_fixture(s).await;
        let inbox = folder(s, m.id, INBOX).await;
        for part in [1..=750, 751..=1_500] {
            // The fixture knows bodies 1 to 999; a body may be in many messages.
            let messages: Vec<_> = part.map(|n| message(n % 999 + 1, 1, &[])).collect();
            s.append_all(inbox.id, &messages).await.unwrap();
        }
        let changes = s.changes_since(inbox.id, 0).await.unwrap();
        assert_eq!(changes.changed.len(), 1_500, "{}", db.label);
        let uids: Vec<u32> = (1..=1_500).collect();
        let rows = s.messages_with_uids(inbox.id, &uids).await.unwrap();
        assert_eq!(rows.len(), 1_500, "{}", db.label);
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_write_waits_for_a_lock_held_elsewhere_and_a_failed_or_abandoned_one_leaves_nothing() {
    for db in both().await {
        let s = &db.store;
        let m = mailbox_with_quota(s, 100).await;
        let inbox = folder(s, m.id, INBOX).await;
        s.append(inbox.id, &message(1, 60, &[])).await.unwrap();
        let flagged = Flags::new(["\\Flagged"]);

        // Another connection (an operator command, another process) holds the write lock.
        let mut other = AnyConnection::connect(&db.url).await.unwrap();
        let begin = match db.backend() {
            trekmail_storage::Backend::Sqlite => "BEGIN IMMEDIATE",
            trekmail_storage::Backend::Postgres => "BEGIN",
        };
        sqlx::raw_sql(begin).execute(&mut other).await.unwrap();
        sqlx::raw_sql("UPDATE folders SET uid_next = uid_next")
            .execute(&mut other)
            .await
            .unwrap();
        let store = s.clone();
        let waiting = tokio::spawn(async move {
            store
                .store_flags(inbox.id, &[1], FlagChange::Add, &flagged, None)
                .await
        });
        tokio::time::sleep(Duration::from_millis(300)).await;
        assert!(!waiting.is_finished(), "{}: waits for the lock", db.label);
        sqlx::raw_sql("COMMIT").execute(&mut other).await.unwrap();
        let stored = waiting.await.unwrap().unwrap();
        assert!(
            stored.messages[0].flags.contains("\\Flagged"),
            "{}",
            db.label
        );

        // A transaction that fails midway (past the quota) is rolled back and its lock let
        // go: another connection writes at once, and the mailbox holds what it held.
        let full = s.append(inbox.id, &message(2, 60, &[])).await;
        assert!(full.is_err(), "{}: {full:?}", db.label);
        sqlx::raw_sql("UPDATE folders SET uid_next = uid_next")
            .execute(&mut other)
            .await
            .unwrap();
        assert_eq!(s.usage(m.id).await.unwrap(), 60, "{}", db.label);

        // A caller that stops waiting (here at once) leaves the change whole or absent.
        let seen = Flags::new(["\\Seen"]);
        for _ in 0..20 {
            let call = s.store_flags(inbox.id, &[1], FlagChange::Add, &seen, None);
            let _ = tokio::time::timeout(Duration::ZERO, call).await;
            let remove = s.store_flags(inbox.id, &[1], FlagChange::Remove, &seen, None);
            let _ = tokio::time::timeout(Duration::ZERO, remove).await;
        }
        let before = s.changes_since(inbox.id, 0).await.unwrap().highest_modseq;
        let stored = s
            .store_flags(inbox.id, &[1], FlagChange::Add, &seen, None)
            .await
            .unwrap();
        let after = s.messages_with_uids(inbox.id, &[1]).await.unwrap();
        assert_eq!(after, stored.messages, "{}", db.label);
        assert!(after[0].modseq <= before + 1, "{}", db.label);
        assert_eq!(
            s.changes_since(inbox.id, 0).await.unwrap().highest_modseq,
            after[0].modseq.max(before),
            "{}: the folder's mod-sequence and the message's agree",
            db.label
        );
        other.close().await.unwrap();
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn an_expunge_through_a_large_folder_removes_exactly_the_deleted() {
    for db in both().await {
        let s = &db.store;
        let m = mailbox_with_quota(s, 1_000_000).await;
        let inbox = folder(s, m.id, INBOX).await;
        for part in 0..5u64 {
            // The fixture knows bodies 1 to 999; a body may be in many messages.
            let messages: Vec<_> = (0..1_000)
                .map(|n| message((part * 1_000 + n) % 999 + 1, 1, &[]))
                .collect();
            s.append_all(inbox.id, &messages).await.unwrap();
        }
        let doomed = [2, 777, 4_999];
        let deleted = Flags::new(["\\Deleted"]);
        s.store_flags(inbox.id, &doomed, FlagChange::Add, &deleted, None)
            .await
            .unwrap();
        let (removed, _) = s.expunge(inbox.id, None).await.unwrap();
        assert_eq!(removed, doomed, "{}", db.label);
        assert_eq!(s.usage(m.id).await.unwrap(), 4_997, "{}", db.label);
        let left = s.changes_since(inbox.id, 0).await.unwrap();
        assert_eq!(left.changed.len(), 4_997, "{}", db.label);
        assert_eq!(left.expunged, doomed, "{}", db.label);
    }
}
