//! STATUS counts from aggregates and the list's totals from indexes, on both databases: they agree with the messages themselves,
//! match flags as whole words in any case, and a missing folder is `NotFound`.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: failing loudly is the point

mod common;

use common::*;
use trekmail_core::mail::{FlagChange, Flags, FolderCounts, FolderId, INBOX, MessageTotals};
use trekmail_core::store::{MessageStore, StoreError};

#[tokio::test]
async fn counts_follow_flags_sizes_and_expunges() {
    for db in both().await {
        let s = &db.store;
        let (_, _, m) = mailbox_fixture(s).await;
        let inbox = folder(s, m.id, INBOX).await;
        let sent = folder(s, m.id, "Sent").await;
        assert_eq!(
            s.folder_counts(sent.id).await,
            Ok(FolderCounts::default()),
            "{}",
            db.label
        );
        // Keywords that merely contain the words do not count as the system flags.
        s.append(inbox.id, &message(1, 100, &["\\Seen"]))
            .await
            .unwrap();
        s.append(inbox.id, &message(2, 200, &["\\SEEN", "\\deleted"]))
            .await
            .unwrap();
        s.append(
            inbox.id,
            &message(3, 400, &["Seen", "$NotDeleted", "x\\Seen"]),
        )
        .await
        .unwrap();
        s.append(inbox.id, &message(4, 800, &["\\Deleted", "\\Flagged"]))
            .await
            .unwrap();
        let want = FolderCounts {
            messages: 4,
            unseen: 2,
            deleted: 2,
            deleted_bytes: 1000,
            bytes: 1500,
            recent: 4,
        };
        assert_eq!(s.folder_counts(inbox.id).await, Ok(want), "{}", db.label);
        assert_eq!(
            s.message_totals(inbox.id).await,
            Ok(MessageTotals {
                messages: 4,
                unseen: 2
            }),
            "{}: the index of unread messages agrees",
            db.label
        );

        s.store_flags(
            inbox.id,
            &[3],
            FlagChange::Add,
            &Flags::new(["\\Seen"]),
            None,
        )
        .await
        .unwrap();
        s.expunge(inbox.id, Some(&[4])).await.unwrap();
        // A session claims them: no longer \Recent to the next.
        s.claim_recent(inbox.id).await.unwrap();
        let want = FolderCounts {
            messages: 3,
            unseen: 0,
            deleted: 1,
            deleted_bytes: 200,
            bytes: 700,
            recent: 0,
        };
        assert_eq!(s.folder_counts(inbox.id).await, Ok(want), "{}", db.label);
        assert_eq!(
            s.message_totals(inbox.id).await,
            Ok(MessageTotals {
                messages: 3,
                unseen: 0
            }),
            "{}: a flag added and an expunge leave the index",
            db.label
        );
        assert_eq!(
            s.message_totals(sent.id).await,
            Ok(MessageTotals::default()),
            "{}",
            db.label
        );
        assert_eq!(
            s.message_totals(FolderId(i64::MAX)).await,
            Err(StoreError::NotFound),
            "{}",
            db.label
        );
        assert_eq!(
            s.folder_counts(sent.id).await,
            Ok(FolderCounts::default()),
            "{}: another folder's messages are not counted",
            db.label
        );
        assert_eq!(
            s.folder_counts(FolderId(i64::MAX)).await,
            Err(StoreError::NotFound),
            "{}",
            db.label
        );
    }
}
