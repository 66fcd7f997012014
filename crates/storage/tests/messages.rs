//! Messages on both databases: UIDs, the quota and usage, flags, copy, move, expunge and
//! which bodies are left unreferenced.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: failing loudly is the point

mod common;

use common::*;
use trekmail_core::audit::AuditKind;
use trekmail_core::domain::Plan;
use trekmail_core::mail::{
    FlagChange, Flags, FlagsStored, FolderId, INBOX, MessageMeta, NewMessage,
};
use trekmail_core::store::{MailboxStore, MessageStore, StoreError};
use trekmail_storage::SqlStore;

async fn uids(s: &SqlStore, folder: FolderId) -> Vec<u32> {
    s.messages(folder)
        .await
        .unwrap()
        .into_iter()
        .map(|m| m.uid)
        .collect()
}

fn flags(m: &MessageMeta) -> String {
    m.flags.to_stored()
}

#[tokio::test]
async fn append_assigns_increasing_uids() {
    for db in both().await {
        let s = &db.store;
        let (_, _, m) = mailbox_fixture(s).await;
        let inbox = folder(s, m.id, INBOX).await;
        let mut appended = Vec::new();
        for n in 1..=3 {
            let meta = s
                .append(inbox.id, &message(n, 100 * n as i64, &["\\Seen", "$Work"]))
                .await
                .unwrap();
            assert_eq!(meta.uid, n as u32, "{}", db.label);
            assert_eq!(meta.folder_id, inbox.id);
            assert_eq!(meta.blob, blob(n));
            assert_eq!(meta.size, 100 * n as i64);
            assert_eq!(meta.internal_date, t(1_000_000 + n as i64));
            assert_eq!(meta.flags, Flags::new(["\\Seen", "$Work"]));
            appended.push(meta);
        }
        assert_eq!(
            s.messages(inbox.id).await.unwrap(),
            appended,
            "{}",
            db.label
        );
        assert_eq!(folder(s, m.id, INBOX).await.uid_next, 4);
        // Other folders are untouched.
        assert_eq!(folder(s, m.id, "Sent").await.uid_next, 1);
        assert_eq!(
            s.messages(folder(s, m.id, "Sent").await.id).await,
            Ok(vec![])
        );
        assert_eq!(s.usage(m.id).await, Ok(600));
        assert_eq!(s.mailbox(m.id).await.unwrap().unwrap().used_bytes, 600);

        let missing = FolderId(inbox.id.0 + 1000);
        assert_eq!(
            s.append(missing, &message(9, 1, &[])).await,
            Err(StoreError::NotFound)
        );
        assert_eq!(s.messages(missing).await, Err(StoreError::NotFound));
        assert_eq!(
            s.usage(trekmail_core::ids::MailboxId(m.id.0 + 1000)).await,
            Err(StoreError::NotFound)
        );
    }
}

#[tokio::test]
async fn an_append_past_the_quota_changes_nothing() {
    for db in both().await {
        let s = &db.store;
        let m = mailbox_with_quota(s, 1_000).await;
        let inbox = folder(s, m.id, INBOX).await;
        s.append(inbox.id, &message(1, 600, &[])).await.unwrap();
        let refused = s.append(inbox.id, &message(2, 401, &[])).await;
        assert!(
            matches!(refused, Err(StoreError::LimitReached(ref msg)) if msg.starts_with("this mailbox is full: ")),
            "{}: {refused:?}",
            db.label
        );
        assert_eq!(s.usage(m.id).await, Ok(600), "{}", db.label);
        assert_eq!(uids(s, inbox.id).await, [1]);
        assert_eq!(folder(s, m.id, INBOX).await.uid_next, 2, "no UID used");
        // Exactly up to the quota fits.
        assert_eq!(
            s.append(inbox.id, &message(3, 400, &[])).await.unwrap().uid,
            2
        );
        assert_eq!(s.usage(m.id).await, Ok(1_000));

        // A copy that would pass it is refused as a whole.
        let archive = folder(s, m.id, "Archive").await;
        let refused = s.copy_messages(inbox.id, &[1, 2], archive.id).await;
        assert!(
            matches!(refused, Err(StoreError::LimitReached(_))),
            "{}",
            db.label
        );
        assert_eq!(s.messages(archive.id).await, Ok(vec![]));
        assert_eq!(folder(s, m.id, "Archive").await.uid_next, 1);
        assert_eq!(s.usage(m.id).await, Ok(1_000));
        // A move adds nothing, so it still works on a full mailbox.
        assert_eq!(
            s.move_messages(inbox.id, &[1], archive.id).await,
            Ok(vec![(1, 1)])
        );

        // A quota below the usage is allowed; mail stays, appends fail, even empty ones.
        let shrunk = s
            .set_quota(
                m.id,
                500,
                &limits(Plan::Pro),
                &ev(AuditKind::MailboxChanged, 3_000),
            )
            .await
            .unwrap();
        assert_eq!((shrunk.quota_bytes, shrunk.used_bytes), (500, 1_000));
        assert!(matches!(
            s.append(inbox.id, &message(4, 0, &[])).await,
            Err(StoreError::LimitReached(_))
        ));
        // Expunging makes room again.
        s.store_flags(
            archive.id,
            &[1],
            FlagChange::Add,
            &Flags::new(["\\Deleted"]),
            None,
        )
        .await
        .unwrap();
        s.expunge(archive.id, None).await.unwrap();
        assert_eq!(s.usage(m.id).await, Ok(400), "{}", db.label);
        s.append(inbox.id, &message(5, 100, &[])).await.unwrap();
    }
}

#[tokio::test]
async fn usage_follows_every_change() {
    for db in both().await {
        let s = &db.store;
        let (_, _, m) = mailbox_fixture(s).await;
        let inbox = folder(s, m.id, INBOX).await;
        let archive = folder(s, m.id, "Archive").await;
        let trash = folder(s, m.id, "Trash").await;
        s.append(inbox.id, &message(1, 100, &[])).await.unwrap();
        s.append(inbox.id, &message(2, 200, &[])).await.unwrap();
        assert_eq!(s.usage(m.id).await, Ok(300));

        s.copy_messages(inbox.id, &[1, 2], archive.id)
            .await
            .unwrap();
        assert_eq!(s.usage(m.id).await, Ok(600), "{}: copy", db.label);
        s.move_messages(archive.id, &[1], trash.id).await.unwrap();
        assert_eq!(s.usage(m.id).await, Ok(600), "{}: move", db.label);
        s.store_flags(
            trash.id,
            &[1],
            FlagChange::Add,
            &Flags::new(["\\Deleted"]),
            None,
        )
        .await
        .unwrap();
        s.expunge(trash.id, None).await.unwrap();
        assert_eq!(s.usage(m.id).await, Ok(500), "{}: expunge", db.label);
        s.delete_folder(archive.id).await.unwrap();
        assert_eq!(s.usage(m.id).await, Ok(300), "{}: delete folder", db.label);
        assert_eq!(s.mailbox(m.id).await.unwrap().unwrap().used_bytes, 300);

        let (ended, orphans) = s
            .delete_mailbox(m.id, &ev(AuditKind::MailboxDeleted, 4_000))
            .await
            .unwrap();
        assert_eq!(ended, 0);
        assert_eq!(orphans, vec![blob(1), blob(2)], "{}", db.label);
        assert_eq!(s.usage(m.id).await, Err(StoreError::NotFound));
        assert_eq!(s.folders(m.id).await, Ok(vec![]));
        assert_eq!(s.messages(inbox.id).await, Err(StoreError::NotFound));
    }
}

#[tokio::test]
async fn store_flags_adds_removes_and_replaces() {
    for db in both().await {
        let s = &db.store;
        let (_, _, m) = mailbox_fixture(s).await;
        let inbox = folder(s, m.id, INBOX).await;
        for n in 1..=3 {
            s.append(inbox.id, &message(n, 10, &["$Old"]))
                .await
                .unwrap();
        }
        let added = s
            .store_flags(
                inbox.id,
                &[3, 1, 99],
                FlagChange::Add,
                &Flags::new(["\\Seen"]),
                None,
            )
            .await
            .unwrap()
            .messages;
        assert_eq!(
            added.iter().map(|m| (m.uid, flags(m))).collect::<Vec<_>>(),
            [(1, "$Old \\Seen".to_owned()), (3, "$Old \\Seen".to_owned())],
            "{}",
            db.label
        );
        assert_eq!(added[0].blob, blob(1));
        assert_eq!(added[0].internal_date, t(1_000_001));
        let stored = s.messages(inbox.id).await.unwrap();
        assert_eq!(
            stored.iter().map(flags).collect::<Vec<_>>(),
            ["$Old \\Seen", "$Old", "$Old \\Seen"]
        );

        // Case-insensitive: removing \SEEN removes \Seen.
        let removed = s
            .store_flags(
                inbox.id,
                &[1, 2],
                FlagChange::Remove,
                &Flags::new(["\\SEEN"]),
                None,
            )
            .await
            .unwrap()
            .messages;
        assert_eq!(
            removed.iter().map(flags).collect::<Vec<_>>(),
            ["$Old", "$Old"]
        );
        let replaced = s
            .store_flags(
                inbox.id,
                &[2, 3],
                FlagChange::Replace,
                &Flags::new(["\\Flagged", "\\Draft"]),
                None,
            )
            .await
            .unwrap()
            .messages;
        assert_eq!(replaced.len(), 2);
        assert_eq!(
            s.messages(inbox.id)
                .await
                .unwrap()
                .iter()
                .map(flags)
                .collect::<Vec<_>>(),
            ["$Old", "\\Draft \\Flagged", "\\Draft \\Flagged"],
            "{}",
            db.label
        );
        let cleared = s
            .store_flags(
                inbox.id,
                &[1, 2, 3],
                FlagChange::Replace,
                &Flags::default(),
                None,
            )
            .await
            .unwrap()
            .messages;
        assert!(cleared.iter().all(|m| m.flags.is_empty()));
        assert!(
            s.messages(inbox.id)
                .await
                .unwrap()
                .iter()
                .all(|m| m.flags.is_empty())
        );

        assert_eq!(
            s.store_flags(
                inbox.id,
                &[],
                FlagChange::Add,
                &Flags::new(["\\Seen"]),
                None
            )
            .await,
            Ok(FlagsStored::default())
        );
        assert_eq!(
            s.store_flags(
                FolderId(inbox.id.0 + 1000),
                &[1],
                FlagChange::Add,
                &Flags::new(["\\Seen"]),
                None
            )
            .await,
            Err(StoreError::NotFound)
        );
    }
}

#[tokio::test]
async fn copy_keeps_flags_and_dates_under_new_uids() {
    for db in both().await {
        let s = &db.store;
        let (_, _, m) = mailbox_fixture(s).await;
        let inbox = folder(s, m.id, INBOX).await;
        let archive = folder(s, m.id, "Archive").await;
        s.append(inbox.id, &message(1, 10, &["\\Seen"]))
            .await
            .unwrap();
        s.append(inbox.id, &message(2, 20, &["\\Answered", "$Label"]))
            .await
            .unwrap();
        s.append(archive.id, &message(3, 30, &[])).await.unwrap();

        let pairs = s
            .copy_messages(inbox.id, &[2, 1, 7], archive.id)
            .await
            .unwrap();
        assert_eq!(pairs, [(1, 2), (2, 3)], "{}", db.label);
        let source = s.messages(inbox.id).await.unwrap();
        assert_eq!(source.len(), 2, "the source keeps its messages");
        let copies = s.messages(archive.id).await.unwrap();
        assert_eq!(copies.len(), 3);
        for (original, copy) in source.iter().zip(&copies[1..]) {
            assert_eq!(copy.folder_id, archive.id);
            assert_eq!(copy.flags, original.flags, "{}", db.label);
            assert_eq!(copy.internal_date, original.internal_date);
            assert_eq!(copy.size, original.size);
            assert_eq!(copy.blob, original.blob);
        }
        assert_eq!(folder(s, m.id, "Archive").await.uid_next, 4);
        // Into the same folder, too.
        assert_eq!(
            s.copy_messages(inbox.id, &[1], inbox.id).await,
            Ok(vec![(1, 3)])
        );
        assert_eq!(
            s.copy_messages(inbox.id, &[42], archive.id).await,
            Ok(vec![])
        );
        assert_eq!(s.usage(m.id).await, Ok(10 + 20 + 30 + 30 + 10));
    }
}

#[tokio::test]
async fn move_removes_from_the_source() {
    for db in both().await {
        let s = &db.store;
        let (_, _, m) = mailbox_fixture(s).await;
        let inbox = folder(s, m.id, INBOX).await;
        let trash = folder(s, m.id, "Trash").await;
        for n in 1..=4 {
            s.append(inbox.id, &message(n, 10, &["\\Flagged"]))
                .await
                .unwrap();
        }
        let pairs = s.move_messages(inbox.id, &[4, 2], trash.id).await.unwrap();
        assert_eq!(pairs, [(2, 1), (4, 2)], "{}", db.label);
        assert_eq!(uids(s, inbox.id).await, [1, 3], "{}", db.label);
        let moved = s.messages(trash.id).await.unwrap();
        assert_eq!(
            moved
                .iter()
                .map(|m| (m.uid, m.blob.clone()))
                .collect::<Vec<_>>(),
            [(1, blob(2)), (2, blob(4))]
        );
        assert!(moved.iter().all(|m| m.flags.contains("\\flagged")));
        assert_eq!(moved[0].internal_date, t(1_000_002));
        // Source UIDs are not handed out again.
        assert_eq!(
            s.append(inbox.id, &message(5, 10, &[])).await.unwrap().uid,
            5
        );
        assert_eq!(s.usage(m.id).await, Ok(50));
    }
}

#[tokio::test]
async fn no_copy_or_move_to_another_mailbox() {
    for db in both().await {
        let s = &db.store;
        let (_, _, m) = mailbox_fixture(s).await;
        let other = mailbox_with_quota(s, MB).await;
        let inbox = folder(s, m.id, INBOX).await;
        let theirs = folder(s, other.id, INBOX).await;
        s.append(inbox.id, &message(1, 10, &[])).await.unwrap();

        assert_eq!(
            s.copy_messages(inbox.id, &[1], theirs.id).await,
            Err(StoreError::NotFound),
            "{}",
            db.label
        );
        assert_eq!(
            s.move_messages(inbox.id, &[1], theirs.id).await,
            Err(StoreError::NotFound)
        );
        assert_eq!(
            s.copy_messages(inbox.id, &[1], FolderId(theirs.id.0 + 1000))
                .await,
            Err(StoreError::NotFound)
        );
        assert_eq!(uids(s, inbox.id).await, [1]);
        assert_eq!(s.messages(theirs.id).await, Ok(vec![]));
        assert_eq!(s.usage(other.id).await, Ok(0));
        assert_eq!(s.usage(m.id).await, Ok(10));
    }
}

#[tokio::test]
async fn expunge_removes_only_deleted_and_only_the_given_uids() {
    for db in both().await {
        let s = &db.store;
        let (_, _, m) = mailbox_fixture(s).await;
        let inbox = folder(s, m.id, INBOX).await;
        let all_flags: [&[&str]; 5] = [
            &["\\Deleted"],
            &["\\deleted", "\\Seen"],
            &[],
            &["$NotDeleted", "Deleted"],
            &["\\DELETED"],
        ];
        for (n, f) in (1..).zip(all_flags) {
            s.append(inbox.id, &message(n, 10, f)).await.unwrap();
        }
        assert_eq!(
            s.expunge(inbox.id, Some(&[1, 3, 4])).await,
            Ok((vec![1], vec![blob(1)])),
            "{}",
            db.label
        );
        assert_eq!(uids(s, inbox.id).await, [2, 3, 4, 5]);
        assert_eq!(
            s.expunge(inbox.id, None).await,
            Ok((vec![2, 5], vec![blob(2), blob(5)])),
            "{}",
            db.label
        );
        assert_eq!(uids(s, inbox.id).await, [3, 4]);
        assert_eq!(s.expunge(inbox.id, None).await, Ok((vec![], vec![])));
        assert_eq!(s.usage(m.id).await, Ok(20));
        assert_eq!(
            s.append(inbox.id, &message(6, 1, &[])).await.unwrap().uid,
            6
        );
        assert_eq!(
            s.expunge(FolderId(inbox.id.0 + 1000), None).await,
            Err(StoreError::NotFound)
        );
    }
}

#[tokio::test]
async fn a_body_is_unreferenced_only_when_no_message_has_it() {
    for db in both().await {
        let s = &db.store;
        let (_, _, m) = mailbox_fixture(s).await;
        let other = mailbox_with_quota(s, MB).await;
        let inbox = folder(s, m.id, INBOX).await;
        let archive = folder(s, m.id, "Archive").await;
        let deleted = Flags::new(["\\Deleted"]);
        s.append(inbox.id, &message(1, 10, &["\\Deleted"]))
            .await
            .unwrap();
        s.copy_messages(inbox.id, &[1], archive.id).await.unwrap();

        // The copy in Archive still refers to the body.
        assert_eq!(
            s.expunge(inbox.id, None).await,
            Ok((vec![1], vec![])),
            "{}",
            db.label
        );
        assert_eq!(s.unreferenced_blobs(&[blob(1)]).await, Ok(vec![]));
        // Now nothing does.
        assert_eq!(
            s.expunge(archive.id, None).await,
            Ok((vec![1], vec![blob(1)])),
            "{}",
            db.label
        );
        assert_eq!(s.unreferenced_blobs(&[blob(1)]).await, Ok(vec![blob(1)]));

        // A body another mailbox also has stays referenced, whichever way its message goes.
        let theirs = folder(s, other.id, INBOX).await;
        s.append(theirs.id, &message(2, 10, &[])).await.unwrap();
        s.append(inbox.id, &message(2, 10, &[])).await.unwrap();
        s.append(archive.id, &message(3, 10, &[])).await.unwrap();
        s.store_flags(inbox.id, &[2], FlagChange::Add, &deleted, None)
            .await
            .unwrap();
        assert_eq!(s.expunge(inbox.id, None).await, Ok((vec![2], vec![])));
        s.append(inbox.id, &message(2, 10, &[])).await.unwrap();
        assert_eq!(
            s.delete_folder(archive.id).await,
            Ok(vec![blob(3)]),
            "{}",
            db.label
        );
        let (_, orphans) = s
            .delete_mailbox(m.id, &ev(AuditKind::MailboxDeleted, 4_000))
            .await
            .unwrap();
        assert_eq!(orphans, vec![], "{}", db.label);
        assert_eq!(
            s.unreferenced_blobs(&[blob(2), blob(3), blob(2), blob(9)])
                .await,
            Ok(vec![blob(3), blob(9)])
        );
    }
}

#[tokio::test]
async fn concurrent_appends_get_distinct_consecutive_uids() {
    for db in both().await {
        let s = &db.store;
        let (_, _, m) = mailbox_fixture(s).await;
        let inbox = folder(s, m.id, INBOX).await;
        let tasks: Vec<_> = (1..=10)
            .map(|n| {
                let s = s.clone();
                tokio::spawn(async move { s.append(inbox.id, &message(n, 7, &[])).await })
            })
            .collect();
        let mut got = Vec::new();
        for task in tasks {
            got.push(task.await.unwrap().unwrap().uid);
        }
        got.sort_unstable();
        assert_eq!(got, (1..=10).collect::<Vec<u32>>(), "{}", db.label);
        assert_eq!(uids(s, inbox.id).await, got);
        assert_eq!(folder(s, m.id, INBOX).await.uid_next, 11);
        assert_eq!(s.usage(m.id).await, Ok(70), "{}", db.label);
    }
}

/// Appends and copies racing for the last bytes of a quota: the mailbox never passes it.
#[tokio::test]
async fn concurrent_appends_cannot_pass_the_quota() {
    for db in both().await {
        let s = &db.store;
        let m = mailbox_with_quota(s, 50).await;
        let inbox = folder(s, m.id, INBOX).await;
        let tasks: Vec<_> = (1..=10)
            .map(|n| {
                let s = s.clone();
                tokio::spawn(async move { s.append(inbox.id, &message(n, 10, &[])).await })
            })
            .collect();
        let mut ok = 0;
        for task in tasks {
            match task.await.unwrap() {
                Ok(_) => ok += 1,
                Err(StoreError::LimitReached(_)) => {}
                Err(e) => panic!("{}: {e:?}", db.label),
            }
        }
        assert_eq!(ok, 5, "{}", db.label);
        assert_eq!(s.usage(m.id).await, Ok(50));
        assert_eq!(s.messages(inbox.id).await.unwrap().len(), 5);
    }
}

/// Appends, copies both ways, moves, flag changes and expunges racing on one mailbox: none
/// fails or deadlocks, and the usage is exactly what the messages left take.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn racing_changes_keep_usage_exact() {
    for db in both().await {
        let s = &db.store;
        let (_, _, m) = mailbox_fixture(s).await;
        let inbox = folder(s, m.id, INBOX).await.id;
        let archive = folder(s, m.id, "Archive").await.id;
        let trash = folder(s, m.id, "Trash").await.id;
        for n in 1..=10 {
            s.append(inbox, &message(n, 100 + n as i64, &[]))
                .await
                .unwrap();
        }
        let all: Vec<u32> = (1..=200).collect();
        let deleted = Flags::new(["\\Deleted"]);
        let tasks: Vec<_> = (0..40u64)
            .map(|i| {
                let (s, all, deleted) = (s.clone(), all.clone(), deleted.clone());
                tokio::spawn(async move {
                    match i % 5 {
                        0 => s.append(archive, &message(100 + i, 7, &[])).await.map(drop),
                        1 => s.copy_messages(inbox, &all, archive).await.map(drop),
                        2 => s.copy_messages(archive, &all, inbox).await.map(drop),
                        3 => s.move_messages(archive, &all, trash).await.map(drop),
                        _ => {
                            s.store_flags(trash, &all, FlagChange::Add, &deleted, None)
                                .await?;
                            s.expunge(trash, None).await.map(drop)
                        }
                    }
                })
            })
            .collect();
        for task in tasks {
            task.await
                .unwrap()
                .unwrap_or_else(|e| panic!("{}: {e:?}", db.label));
        }
        let mut held = 0;
        for f in s.folders(m.id).await.unwrap() {
            held += s
                .messages(f.id)
                .await
                .unwrap()
                .iter()
                .map(|m| m.size)
                .sum::<i64>();
        }
        assert_eq!(s.usage(m.id).await, Ok(held), "{}", db.label);
    }
}

/// On PostgreSQL (nodes share the database and its `blobs`), a row whose body another node
/// deleted meanwhile is refused, so the appender stores the body again.
#[tokio::test]
async fn on_postgres_a_message_needs_its_body() {
    let db = postgres().await;
    let s = &db.store;
    let (_, _, m) = mailbox_fixture(s).await;
    let inbox = folder(s, m.id, INBOX).await;
    let mut gone = message(1, 10, &[]);
    gone.blob = trekmail_core::mail::BlobId(format!("{:064x}", u64::MAX));
    assert_eq!(s.append(inbox.id, &gone).await, Err(StoreError::NotFound));
    assert_eq!(uids(s, inbox.id).await, Vec::<u32>::new());
    assert_eq!(s.usage(m.id).await, Ok(0));
    s.append(inbox.id, &message(1, 10, &[])).await.unwrap();
}

#[tokio::test]
async fn bodies_come_with_their_rows_on_postgres_up_to_the_budget() {
    for db in both().await {
        let s = &db.store;
        let on_pg = db.label != "sqlite";
        let (_, _, m) = mailbox_fixture(s).await;
        let inbox = folder(s, m.id, INBOX).await;
        let mut bodies = Vec::new();
        for n in 1..=9u64 {
            let body = format!("Subject: {n}\r\n\r\n{}", "x".repeat(100 * n as usize)).into_bytes();
            let id = trekmail_core::store::BlobStore::put(s, &body)
                .await
                .unwrap();
            let new = NewMessage {
                blob: id,
                size: body.len() as i64,
                ..message(n, 0, &[])
            };
            s.append(inbox.id, &new).await.unwrap();
            bodies.push(body);
        }
        let len = |uid: usize| bodies[uid - 1].len();
        let came = |read: &[(MessageMeta, Option<Vec<u8>>)]| -> Vec<Option<Vec<u8>>> {
            read.iter().map(|(_, body)| body.clone()).collect()
        };
        // One run of UIDs: the first bodies that fit, in UID order; an absent UID is skipped.
        let read = s
            .messages_with_bodies(inbox.id, &[1, 2, 3, 4, 10], len(1) + len(2) + len(3) - 1)
            .await
            .unwrap();
        let uids: Vec<u32> = read.iter().map(|(m, _)| m.uid).collect();
        assert_eq!(uids, [1, 2, 3, 4], "{}", db.label);
        let expected = match on_pg {
            true => vec![Some(bodies[0].clone()), Some(bodies[1].clone()), None, None],
            // The files are read from the blob store there.
            false => vec![None; 4],
        };
        assert_eq!(came(&read), expected, "{}", db.label);
        // A body comes if it fits exactly, not if it is one byte over.
        for (budget, comes) in [(len(4), on_pg), (len(4) - 1, false)] {
            let read = s
                .messages_with_bodies(inbox.id, &[4], budget)
                .await
                .unwrap();
            assert_eq!(read.len(), 1);
            assert_eq!(read[0].1.is_some(), comes, "{} {budget}", db.label);
        }
        // Runs read apart share the budget: half each, so 9's body does not come.
        let read = s
            .messages_with_bodies(inbox.id, &[1, 9], len(1) + len(9))
            .await
            .unwrap();
        let expected = match on_pg {
            true => vec![Some(bodies[0].clone()), None],
            false => vec![None; 2],
        };
        assert_eq!(came(&read), expected, "{}", db.label);
        let missing = FolderId(inbox.id.0 + 1000);
        assert_eq!(
            s.messages_with_bodies(missing, &[1], 1 << 20).await,
            Ok(vec![])
        );
    }
}
