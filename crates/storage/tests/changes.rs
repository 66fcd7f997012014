//! Mod-sequences on both databases: every change takes the folder's next one, what changed
//! since a point (appends, flag changes, expunges, copies and moves) reads back whole, STORE's
//! UNCHANGEDSINCE leaves newer messages alone, and \Recent is claimed once.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: failing loudly is the point

mod common;

use common::*;
use trekmail_core::mail::{FlagChange, Flags, FolderChanges, INBOX, MessageState, RecentClaim};
use trekmail_core::store::{MessageStore, StoreError};

fn state(uid: u32, flags: &[&str], modseq: u64) -> MessageState {
    MessageState {
        uid,
        flags: Flags::new(flags.iter().copied()),
        modseq,
    }
}

#[tokio::test]
async fn every_change_takes_the_next_modseq_and_reads_back_since_any_point() {
    for db in both().await {
        let s = &db.store;
        let (_, _, m) = mailbox_fixture(s).await;
        let inbox = folder(s, m.id, INBOX).await;
        let archive = folder(s, m.id, "Archive").await;
        assert_eq!(inbox.highest_modseq, 1, "{}", db.label);
        for n in 1..=3 {
            let meta = s.append(inbox.id, &message(n, 10, &[])).await.unwrap();
            assert_eq!(meta.modseq, 1 + n, "{}", db.label);
        }
        let seen = Flags::new(["\\Seen"]);
        let stored = s
            .store_flags(inbox.id, &[1, 2], FlagChange::Add, &seen, None)
            .await
            .unwrap();
        assert!(stored.messages.iter().all(|m| m.modseq == 5), "{stored:?}");
        // Nothing changes: the mod-sequence stays.
        s.store_flags(inbox.id, &[1], FlagChange::Add, &seen, None)
            .await
            .unwrap();
        let deleted = Flags::new(["\\Deleted"]);
        s.store_flags(inbox.id, &[2], FlagChange::Add, &deleted, None)
            .await
            .unwrap();
        let (gone, _) = s.expunge(inbox.id, None).await.unwrap();
        assert_eq!(gone, vec![2]);

        assert_eq!(
            s.changes_since(inbox.id, 4).await.unwrap(),
            FolderChanges {
                highest_modseq: 7,
                changed: vec![state(1, &["\\Seen"], 5)],
                expunged: vec![2],
                unclaimed_recent: true,
            },
            "{}",
            db.label
        );
        let everything = s.changes_since(inbox.id, 0).await.unwrap();
        assert_eq!(
            everything.changed,
            vec![state(1, &["\\Seen"], 5), state(3, &[], 4)]
        );
        assert_eq!(
            s.changes_since(inbox.id, 7).await.unwrap(),
            FolderChanges {
                highest_modseq: 7,
                unclaimed_recent: true,
                ..FolderChanges::default()
            }
        );
        assert_eq!(
            s.message_states(inbox.id).await.unwrap(),
            vec![state(1, &["\\Seen"], 5), state(3, &[], 4)]
        );
        assert_eq!(
            s.folder(m.id, INBOX).await.unwrap().unwrap().highest_modseq,
            7
        );

        // A move: one new mod-sequence in each folder, the source logs the UIDs it lost.
        s.move_messages(inbox.id, &[1, 3], archive.id)
            .await
            .unwrap();
        assert_eq!(
            s.changes_since(inbox.id, 7).await.unwrap(),
            FolderChanges {
                highest_modseq: 8,
                changed: vec![],
                expunged: vec![1, 3],
                unclaimed_recent: true,
            }
        );
        assert_eq!(
            s.changes_since(archive.id, 1).await.unwrap().changed,
            vec![state(1, &["\\Seen"], 2), state(2, &[], 2)]
        );
        assert_eq!(
            s.messages_with_uids(archive.id, &[2, 9]).await.unwrap()[0].uid,
            2
        );
        // Deleting a folder forgets its log with it.
        s.delete_folder(inbox.id).await.unwrap();
        assert_eq!(
            s.changes_since(inbox.id, 0).await,
            Err(StoreError::NotFound)
        );
        assert_eq!(s.message_states(inbox.id).await, Err(StoreError::NotFound));
    }
}

#[tokio::test]
async fn unchanged_since_leaves_newer_messages_alone() {
    for db in both().await {
        let s = &db.store;
        let (_, _, m) = mailbox_fixture(s).await;
        let inbox = folder(s, m.id, INBOX).await;
        for n in 1..=2 {
            s.append(inbox.id, &message(n, 10, &[])).await.unwrap();
        }
        // Message 1 at modseq 2, message 2 at modseq 3.
        let flagged = Flags::new(["\\Flagged"]);
        let stored = s
            .store_flags(inbox.id, &[1, 2], FlagChange::Add, &flagged, Some(2))
            .await
            .unwrap();
        assert_eq!(stored.modified, vec![2], "{}", db.label);
        let now: Vec<_> = s.message_states(inbox.id).await.unwrap();
        assert_eq!(
            now,
            vec![state(1, &["\\Flagged"], 4), state(2, &[], 3)],
            "{}",
            db.label
        );
    }
}

#[tokio::test]
async fn recent_is_claimed_once() {
    for db in both().await {
        let s = &db.store;
        let (_, _, m) = mailbox_fixture(s).await;
        let inbox = folder(s, m.id, INBOX).await;
        assert_eq!(inbox.recent_uid, 1);
        for n in 1..=2 {
            s.append(inbox.id, &message(n, 10, &[])).await.unwrap();
        }
        assert_eq!(
            s.claim_recent(inbox.id).await.unwrap(),
            RecentClaim { first: 1, next: 3 },
            "{}",
            db.label
        );
        assert_eq!(
            s.claim_recent(inbox.id).await.unwrap(),
            RecentClaim { first: 3, next: 3 }
        );
        // A session's delta read says whether a claim is worth its write.
        assert!(!s.changes_since(inbox.id, 0).await.unwrap().unclaimed_recent);
        s.append(inbox.id, &message(3, 10, &[])).await.unwrap();
        assert!(s.changes_since(inbox.id, 0).await.unwrap().unclaimed_recent);
        assert_eq!(s.folder(m.id, INBOX).await.unwrap().unwrap().recent_uid, 3);
        assert_eq!(
            s.claim_recent(inbox.id).await.unwrap(),
            RecentClaim { first: 3, next: 4 }
        );
    }
}

#[tokio::test]
async fn messages_with_uids_in_many_runs_are_exactly_those() {
    for db in both().await {
        let s = &db.store;
        let (_, _, m) = mailbox_fixture(s).await;
        let inbox = folder(s, m.id, INBOX).await;
        for n in 1..=30 {
            s.append(inbox.id, &message(n, 10, &[])).await.unwrap();
        }
        // 15 runs of one UID each: read as one span, the others left out.
        let odd: Vec<u32> = (1..=30).filter(|u| u % 2 == 1).collect();
        let mut asked = odd.clone();
        asked.push(99);
        let found: Vec<u32> = s
            .messages_with_uids(inbox.id, &asked)
            .await
            .unwrap()
            .iter()
            .map(|m| m.uid)
            .collect();
        assert_eq!(found, odd, "{}", db.label);
        let few: Vec<u32> = s
            .messages_with_uids(inbox.id, &[3, 4, 9])
            .await
            .unwrap()
            .iter()
            .map(|m| m.uid)
            .collect();
        assert_eq!(few, vec![3, 4, 9], "{}", db.label);
        // Two far apart: a query each, nothing between read.
        let apart: Vec<u32> = s
            .messages_with_uids(inbox.id, &[30, 1])
            .await
            .unwrap()
            .iter()
            .map(|m| m.uid)
            .collect();
        assert_eq!(apart, vec![1, 30], "{}", db.label);
    }
}
