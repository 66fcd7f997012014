//! Folders on both databases: made with every mailbox, created, renamed with their children,
//! subscribed (by name), deleted, and a fresh UIDVALIDITY for every folder ever made.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: failing loudly is the point

mod common;

use common::*;
use std::collections::BTreeSet;
use trekmail_core::ids::MailboxId;
use trekmail_core::mail::{INBOX, SpecialUse};
use trekmail_core::store::{MessageStore, StoreError};
use trekmail_storage::SqlStore;

async fn names(s: &SqlStore, mailbox: MailboxId) -> Vec<String> {
    s.folders(mailbox)
        .await
        .unwrap()
        .into_iter()
        .map(|f| f.name)
        .collect()
}

#[tokio::test]
async fn every_mailbox_has_its_folders() {
    for db in both().await {
        let s = &db.store;
        let (_, _, m) = mailbox_fixture(s).await;
        let folders = s.folders(m.id).await.unwrap();
        assert_eq!(
            names(s, m.id).await,
            ["Archive", "Drafts", "INBOX", "Junk", "Sent", "Trash"],
            "{}",
            db.label
        );
        for f in &folders {
            assert_eq!(f.mailbox_id, m.id);
            assert_eq!(f.uid_next, 1, "{}: {}", db.label, f.name);
            assert!(f.uid_validity > 0);
            let expected = SpecialUse::ALL
                .into_iter()
                .find(|u| u.default_name() == f.name);
            assert_eq!(f.special_use, expected, "{}: {}", db.label, f.name);
        }
        assert_eq!(folder(s, m.id, INBOX).await.special_use, None);
        assert_eq!(
            folder(s, m.id, "Trash").await.special_use,
            Some(SpecialUse::Trash)
        );
        assert_eq!(s.folder(m.id, "inbox").await.unwrap(), None, "exact names");

        // Every folder of every mailbox has its own UIDVALIDITY.
        let other = mailbox_with_quota(s, MB).await;
        let all: Vec<u32> = folders
            .iter()
            .chain(&s.folders(other.id).await.unwrap())
            .map(|f| f.uid_validity)
            .collect();
        let distinct: BTreeSet<u32> = all.iter().copied().collect();
        assert_eq!(distinct.len(), 12, "{}: {all:?}", db.label);
        // A new mailbox's own folders are subscribed.
        assert_eq!(
            s.subscriptions(m.id).await.unwrap(),
            ["Archive", "Drafts", "INBOX", "Junk", "Sent", "Trash"],
            "{}",
            db.label
        );
    }
}

#[tokio::test]
async fn create_folders_and_their_errors() {
    for db in both().await {
        let s = &db.store;
        let (_, _, m) = mailbox_fixture(s).await;
        let work = s.create_folder(m.id, "Work", None).await.unwrap();
        assert_eq!(work.name, "Work");
        assert_eq!(work.mailbox_id, m.id);
        assert_eq!(work.special_use, None);
        assert_eq!(work.uid_next, 1);
        // CREATE does not subscribe.
        assert!(!s.subscriptions(m.id).await.unwrap().contains(&work.name));
        assert_eq!(s.folder(m.id, "Work").await.unwrap(), Some(work.clone()));

        let dup = s.create_folder(m.id, "Work", None).await;
        assert!(
            matches!(dup, Err(StoreError::Conflict(ref msg)) if msg.contains("Work")),
            "{}: {dup:?}",
            db.label
        );
        let flagged = s
            .create_folder(m.id, "Old mail", Some(SpecialUse::Archive))
            .await
            .unwrap();
        assert_eq!(
            folder(s, m.id, "Old mail").await.special_use,
            Some(SpecialUse::Archive)
        );
        assert_ne!(flagged.uid_validity, work.uid_validity);
        assert_eq!(
            s.create_folder(MailboxId(m.id.0 + 100), "Work", None).await,
            Err(StoreError::NotFound),
            "{}",
            db.label
        );
        // The same name in another mailbox is another folder.
        let other = mailbox_with_quota(s, MB).await;
        s.create_folder(other.id, "Work", None).await.unwrap();
    }
}

#[tokio::test]
async fn rename_moves_children_and_keeps_identity() {
    for db in both().await {
        let s = &db.store;
        let (_, _, m) = mailbox_fixture(s).await;
        for name in ["Work", "Work/2024", "Work/2024/Q1", "Workshop"] {
            s.create_folder(m.id, name, None).await.unwrap();
        }
        let before = folder(s, m.id, "Work/2024").await;
        s.append(before.id, &message(1, 10, &[])).await.unwrap();

        s.rename_folder(m.id, "Work", "Projects").await.unwrap();
        assert_eq!(
            names(s, m.id).await,
            [
                "Archive",
                "Drafts",
                "INBOX",
                "Junk",
                "Projects",
                "Projects/2024",
                "Projects/2024/Q1",
                "Sent",
                "Trash",
                "Workshop"
            ],
            "{}",
            db.label
        );
        let after = folder(s, m.id, "Projects/2024").await;
        assert_eq!(after.id, before.id);
        assert_eq!(after.uid_validity, before.uid_validity);
        assert_eq!(after.uid_next, 2);
        assert_eq!(s.messages(after.id).await.unwrap().len(), 1);

        // Up one level: `N/N` becomes `N` and `N/N/N` takes the name `N/N` frees.
        s.create_folder(m.id, "N/N", None).await.unwrap();
        s.create_folder(m.id, "N/N/N", None).await.unwrap();
        let inner = folder(s, m.id, "N/N/N").await;
        s.rename_folder(m.id, "N/N", "N").await.unwrap();
        assert_eq!(folder(s, m.id, "N/N").await.id, inner.id, "{}", db.label);
        assert!(s.folder(m.id, "N/N/N").await.unwrap().is_none());
        // And down again.
        s.rename_folder(m.id, "N", "N/M").await.unwrap();
        assert_eq!(folder(s, m.id, "N/M/N").await.id, inner.id, "{}", db.label);
    }
}

#[tokio::test]
async fn rename_errors_change_nothing() {
    for db in both().await {
        let s = &db.store;
        let (_, _, m) = mailbox_fixture(s).await;
        for name in ["X", "X/a", "X/b", "Y/a"] {
            s.create_folder(m.id, name, None).await.unwrap();
        }
        let before = s.folders(m.id).await.unwrap();
        assert_eq!(
            s.rename_folder(m.id, "Nope", "Z").await,
            Err(StoreError::NotFound),
            "{}",
            db.label
        );
        // `X/` is not a folder, only a prefix.
        assert_eq!(
            s.rename_folder(m.id, "X/", "Z").await,
            Err(StoreError::NotFound)
        );
        let onto = s.rename_folder(m.id, "X", "Sent").await;
        assert!(
            matches!(onto, Err(StoreError::Conflict(ref msg)) if msg.contains("Sent")),
            "{}: {onto:?}",
            db.label
        );
        // `Y` is free but `Y/a` is not.
        let child = s.rename_folder(m.id, "X", "Y").await;
        assert!(
            matches!(child, Err(StoreError::Conflict(ref msg)) if msg.contains("Y/a")),
            "{}: {child:?}",
            db.label
        );
        assert!(matches!(
            s.rename_folder(m.id, "X", "X").await,
            Err(StoreError::Conflict(_))
        ));
        assert_eq!(
            s.rename_folder(MailboxId(m.id.0 + 100), "X", "Z").await,
            Err(StoreError::NotFound)
        );
        assert_eq!(s.folders(m.id).await.unwrap(), before, "{}", db.label);
    }
}

#[tokio::test]
async fn subscriptions_are_names_that_outlive_their_folder() {
    for db in both().await {
        let s = &db.store;
        let (_, _, m) = mailbox_fixture(s).await;
        let subscribed = async |s: &SqlStore| s.subscriptions(m.id).await.unwrap();
        let junk = folder(s, m.id, "Junk").await;
        s.set_subscribed(m.id, "Junk", false).await.unwrap();
        s.set_subscribed(m.id, "Junk", false).await.unwrap();
        assert!(!subscribed(s).await.contains(&junk.name), "{}", db.label);
        s.set_subscribed(m.id, "Junk", true).await.unwrap();
        s.set_subscribed(m.id, "Junk", true).await.unwrap();
        assert!(subscribed(s).await.contains(&junk.name));

        // Deleting the folder leaves its name subscribed (RFC 3501 §6.3.6).
        assert_eq!(s.delete_folder(junk.id).await, Ok(vec![]), "{}", db.label);
        assert_eq!(s.folder(m.id, "Junk").await.unwrap(), None);
        assert_eq!(s.folders(m.id).await.unwrap().len(), 5);
        assert!(subscribed(s).await.contains(&junk.name), "{}", db.label);
        assert_eq!(s.delete_folder(junk.id).await, Err(StoreError::NotFound));
        assert_eq!(s.messages(junk.id).await, Err(StoreError::NotFound));

        // A rename carries the subscriptions of the folder and those below it along.
        for name in ["W", "W/a", "W/b", "V"] {
            s.create_folder(m.id, name, None).await.unwrap();
        }
        for name in ["W", "W/b", "V"] {
            s.set_subscribed(m.id, name, true).await.unwrap();
        }
        s.rename_folder(m.id, "W", "V/W").await.unwrap();
        let after = subscribed(s).await;
        for name in ["V", "V/W", "V/W/b"] {
            assert!(after.contains(&name.to_owned()), "{}: {after:?}", db.label);
        }
        for name in ["W", "W/b", "V/W/a"] {
            assert!(!after.contains(&name.to_owned()), "{}: {after:?}", db.label);
        }
    }
}

#[tokio::test]
async fn a_recreated_folder_gets_a_new_uid_validity() {
    for db in both().await {
        let s = &db.store;
        let (_, _, m) = mailbox_fixture(s).await;
        let mut seen = BTreeSet::new();
        // Several times within one second: the clock alone would repeat itself.
        for _ in 0..5 {
            let f = s.create_folder(m.id, "Tmp", None).await.unwrap();
            assert!(
                seen.insert(f.uid_validity),
                "{}: {} again",
                db.label,
                f.uid_validity
            );
            s.delete_folder(f.id).await.unwrap();
        }
        // Renaming back and forth also never repeats a (name, UIDVALIDITY) pair.
        let a = s.create_folder(m.id, "A", None).await.unwrap();
        s.rename_folder(m.id, "A", "B").await.unwrap();
        let again = s.create_folder(m.id, "A", None).await.unwrap();
        assert_ne!(again.uid_validity, a.uid_validity, "{}", db.label);
    }
}
