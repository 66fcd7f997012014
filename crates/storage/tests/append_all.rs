//! Appending several messages at once (IMAP MULTIAPPEND) on both databases: all of them in
//! one transaction, with consecutive UIDs and one mod-sequence, or none of them.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: failing loudly is the point

mod common;

use common::*;
use trekmail_core::mail::INBOX;
use trekmail_core::store::{MessageStore, StoreError};
use trekmail_storage::Backend;

#[tokio::test]
async fn every_message_is_added_in_one_go() {
    for db in both().await {
        let s = &db.store;
        let m = mailbox_with_quota(s, 1_000).await;
        let inbox = folder(s, m.id, INBOX).await;
        let first = s.append(inbox.id, &message(1, 100, &[])).await.unwrap();
        let batch = [
            message(2, 200, &["\\Seen"]),
            message(3, 300, &[]),
            message(4, 100, &["$Work"]),
        ];
        let added = s.append_all(inbox.id, &batch).await.unwrap();
        let uids: Vec<u32> = added.iter().map(|m| m.uid).collect();
        assert_eq!(uids, [2, 3, 4], "{}", db.label);
        for (meta, new) in added.iter().zip(&batch) {
            assert_eq!(
                (&meta.blob, meta.size, &meta.flags, meta.internal_date),
                (&new.blob, new.size, &new.flags, new.internal_date),
                "{}",
                db.label
            );
            assert_eq!(meta.folder_id, inbox.id);
            // One change: every message of the batch has the same, new mod-sequence.
            assert_eq!(meta.modseq, added[0].modseq);
            assert!(meta.modseq > first.modseq, "{}", db.label);
        }
        let mut all = vec![first];
        all.extend(added);
        assert_eq!(s.messages(inbox.id).await.unwrap(), all, "{}", db.label);
        assert_eq!(s.usage(m.id).await, Ok(700));
        assert_eq!(folder(s, m.id, INBOX).await.uid_next, 5);
        // Nothing to add changes nothing.
        assert_eq!(s.append_all(inbox.id, &[]).await, Ok(vec![]));
        assert_eq!(folder(s, m.id, INBOX).await.uid_next, 5);
    }
}

#[tokio::test]
async fn one_that_cannot_be_added_leaves_none() {
    for db in both().await {
        let s = &db.store;
        let m = mailbox_with_quota(s, 1_000).await;
        let inbox = folder(s, m.id, INBOX).await;
        s.append(inbox.id, &message(1, 600, &[])).await.unwrap();
        // Each fits alone; together they pass the quota.
        let batch = [message(2, 300, &[]), message(3, 101, &[])];
        let refused = s.append_all(inbox.id, &batch).await;
        assert!(
            matches!(refused, Err(StoreError::LimitReached(ref msg)) if msg.starts_with("this mailbox is full: ")),
            "{}: {refused:?}",
            db.label
        );
        assert_eq!(s.usage(m.id).await, Ok(600), "{}", db.label);
        assert_eq!(s.messages(inbox.id).await.unwrap().len(), 1);
        assert_eq!(folder(s, m.id, INBOX).await.uid_next, 2, "no UID used");

        // A negative size anywhere in the batch is refused before anything is written.
        let refused = s
            .append_all(inbox.id, &[message(2, 10, &[]), message(3, -1, &[])])
            .await;
        assert!(
            matches!(refused, Err(StoreError::Backend(_))),
            "{refused:?}"
        );

        // A folder that is gone takes nothing.
        let missing = trekmail_core::mail::FolderId(inbox.id.0 + 1000);
        assert_eq!(
            s.append_all(missing, &[message(2, 10, &[])]).await,
            Err(StoreError::NotFound)
        );

        // PostgreSQL refuses a row whose body is not stored: the first row goes with it.
        if db.backend() == Backend::Postgres {
            let unknown = message(5_000, 10, &[]);
            assert_eq!(
                s.append_all(inbox.id, &[message(2, 10, &[]), unknown])
                    .await,
                Err(StoreError::NotFound),
                "{}",
                db.label
            );
            assert_eq!(s.messages(inbox.id).await.unwrap().len(), 1);
            assert_eq!(s.usage(m.id).await, Ok(600));
        }
    }
}
