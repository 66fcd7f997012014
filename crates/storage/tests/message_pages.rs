//! A page of a folder's messages by UID on both databases (the webmail's list): newest first,
//! below or above a cursor, up to a limit, across gaps, with nothing of other folders.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: failing loudly is the point

mod common;

use common::*;
use trekmail_core::mail::{FlagChange, Flags, FolderId, INBOX, MessageMeta};
use trekmail_core::store::{MessageStore, PageStart, StoreError};
use trekmail_storage::SqlStore;

async fn page(s: &SqlStore, folder: FolderId, start: PageStart, limit: u32) -> Vec<u32> {
    s.messages_page(folder, start, limit)
        .await
        .unwrap()
        .into_iter()
        .map(|m| m.uid)
        .collect()
}

#[tokio::test]
async fn pages_go_by_uid_newest_first_across_gaps() {
    for db in both().await {
        let s = &db.store;
        let (_, _, m) = mailbox_fixture(s).await;
        let inbox = folder(s, m.id, INBOX).await;
        let archive = folder(s, m.id, "Archive").await;
        let batch: Vec<_> = (1..=12).map(|n| message(n, 10, &[])).collect();
        s.append_all(inbox.id, &batch).await.unwrap();
        // Another folder's messages, with the same UIDs, are never in INBOX's pages.
        let others: Vec<_> = (20..=34).map(|n| message(n, 10, &[])).collect();
        s.append_all(archive.id, &others).await.unwrap();
        // A gap: 5 and 6 are expunged.
        let deleted = Flags::new(["\\Deleted"]);
        s.store_flags(inbox.id, &[5, 6], FlagChange::Add, &deleted, None)
            .await
            .unwrap();
        s.expunge(inbox.id, None).await.unwrap();
        let label = db.label;

        assert_eq!(
            page(s, inbox.id, PageStart::Newest, 5).await,
            [12, 11, 10, 9, 8],
            "{label}"
        );
        assert_eq!(
            page(s, inbox.id, PageStart::Before(8), 5).await,
            [7, 4, 3, 2, 1],
            "{label}"
        );
        assert_eq!(page(s, inbox.id, PageStart::Before(2), 5).await, [1]);
        // Past the start: nothing, and no error.
        assert_eq!(page(s, inbox.id, PageStart::Before(1), 5).await, [0u32; 0]);
        assert_eq!(page(s, inbox.id, PageStart::Before(0), 5).await, [0u32; 0]);
        // Newer pages: the oldest above the cursor, still listed newest first.
        assert_eq!(
            page(s, inbox.id, PageStart::After(4), 3).await,
            [9, 8, 7],
            "{label}"
        );
        assert_eq!(page(s, inbox.id, PageStart::After(0), 2).await, [2, 1]);
        assert_eq!(page(s, inbox.id, PageStart::After(10), 5).await, [12, 11]);
        assert_eq!(page(s, inbox.id, PageStart::After(12), 5).await, [0u32; 0]);
        assert_eq!(
            page(s, inbox.id, PageStart::After(u32::MAX), 5).await,
            [0u32; 0]
        );
        // A limit past the folder's size gives it all; a limit of 0 gives nothing.
        assert_eq!(
            page(s, inbox.id, PageStart::Newest, 100).await,
            [12, 11, 10, 9, 8, 7, 4, 3, 2, 1],
            "{label}"
        );
        assert_eq!(page(s, inbox.id, PageStart::Newest, 0).await, [0u32; 0]);

        // The rows are the messages as stored, flags and all.
        let all: Vec<MessageMeta> = s.messages(inbox.id).await.unwrap();
        let mut newest = s
            .messages_page(inbox.id, PageStart::Newest, 100)
            .await
            .unwrap();
        newest.reverse();
        assert_eq!(newest, all, "{label}");
        assert_eq!(
            page(s, archive.id, PageStart::Before(13), 4).await,
            [12, 11, 10, 9],
            "{label}"
        );
        assert_eq!(page(s, archive.id, PageStart::Newest, 2).await, [15, 14]);
    }
}

#[tokio::test]
async fn an_empty_folder_has_empty_pages_and_a_missing_one_is_not_found() {
    for db in both().await {
        let s = &db.store;
        let (_, _, m) = mailbox_fixture(s).await;
        let sent = folder(s, m.id, "Sent").await;
        for start in [
            PageStart::Newest,
            PageStart::Before(10),
            PageStart::After(0),
        ] {
            assert_eq!(
                s.messages_page(sent.id, start, 50).await,
                Ok(vec![]),
                "{}",
                db.label
            );
        }
        let missing = FolderId(sent.id.0 + 10_000);
        assert_eq!(
            s.messages_page(missing, PageStart::Newest, 50).await,
            Err(StoreError::NotFound),
            "{}",
            db.label
        );
    }
}
