//! The message store through the core, on both databases: folders, delivery, quota, flags,
//! copy and move, expunge, bodies kept once and removed with the last reference, and watchers
//! hearing of changes (also from another node).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::time::Duration;
use trekmail_core::CoreError;
use trekmail_core::domain::EmailAddress;
use trekmail_core::mail::{FlagChange, Flags, INBOX, MailChangeKind, SpecialUse};
use trekmail_core::services::{Actor, Delivered};
use trekmail_testkit::*;

fn message(subject: &str, size: usize) -> Vec<u8> {
    let mut m = format!("From: a@example.net\r\nTo: ann@example.com\r\nSubject: {subject}\r\n\r\n")
        .into_bytes();
    m.resize(m.len() + size, b'x');
    m.extend_from_slice(b"\r\n");
    m
}

fn ann() -> EmailAddress {
    EmailAddress::parse("ann@example.com").unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn every_mailbox_has_its_folders_and_delivery_lands_in_inbox() {
    for backend in BACKENDS {
        let Seeded {
            node, mailbox: m, ..
        } = Seeded::new(backend).await;
        let core = &node.core;
        let a = node.access(m.id);
        let folders = core.folders(&a).await.unwrap();
        let mut names: Vec<&str> = folders.iter().map(|f| f.name.as_str()).collect();
        names.sort_unstable();
        assert_eq!(
            names,
            ["Archive", "Drafts", "INBOX", "Junk", "Sent", "Trash"],
            "{backend:?}"
        );
        for usage in SpecialUse::ALL {
            assert!(
                folders.iter().any(|f| f.special_use == Some(usage)),
                "{backend:?} {usage:?}"
            );
        }

        let mut watcher = core.watch_mail(&a);
        let body = message("hello", 100);
        let Delivered::Stored(meta) = core.deliver(&ann(), &body).await.unwrap() else {
            panic!("stored");
        };
        assert_eq!(meta.uid, 1);
        let inbox = core.folder(&a, "inbox").await.unwrap();
        assert_eq!(inbox.name, INBOX);
        let listed = core.messages(&a, &inbox).await.unwrap();
        assert_eq!(listed.len(), 1);
        assert_eq!(
            core.message_body(&a, &inbox, &listed[0]).await.unwrap(),
            body
        );
        let heard = tokio::time::timeout(Duration::from_secs(1), watcher.recv())
            .await
            .unwrap()
            .unwrap();
        assert_eq!(
            (heard.folder, heard.kind),
            (Some(inbox.id), MailChangeKind::Appended)
        );
        let usage = core
            .mailbox(operator().scope(), m.id)
            .await
            .unwrap()
            .used_bytes;
        assert_eq!(usage, body.len() as i64, "{backend:?}");
        assert_eq!(
            core.deliver(&EmailAddress::parse("nobody@example.com").unwrap(), &body)
                .await
                .err(),
            Some(CoreError::NotFound)
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_full_mailbox_refuses_mail_and_keeps_no_stray_body() {
    for backend in BACKENDS {
        let Seeded {
            node,
            account,
            mailbox: m,
        } = Seeded::new(backend).await;
        let core = &node.core;
        let a = node.access(m.id);
        core.set_quota(operator().as_account(account), m.id, 1, &Actor::operator())
            .await
            .unwrap();
        core.deliver(&ann(), &message("fits", 600 * 1024))
            .await
            .unwrap();
        let too_big = message("does not fit", 600 * 1024);
        let refused = core.deliver(&ann(), &too_big).await;
        assert!(
            matches!(refused, Err(CoreError::LimitReached(_))),
            "{backend:?}: {refused:?}"
        );
        let inbox = core.folder(&a, INBOX).await.unwrap();
        assert_eq!(core.messages(&a, &inbox).await.unwrap().len(), 1);
        let blob = trekmail_core::mail::BlobId::of(&too_big);
        assert_eq!(
            node.blobs.get(&blob).await.unwrap(),
            None,
            "{backend:?}: a refused body stayed"
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn flags_copy_move_expunge_and_bodies_kept_once() {
    for backend in BACKENDS {
        let Seeded {
            node, mailbox: m, ..
        } = Seeded::new(backend).await;
        let core = &node.core;
        let a = node.access(m.id);
        let inbox = core.folder(&a, INBOX).await.unwrap();
        let archive = core.folder(&a, "Archive").await.unwrap();
        let body = message("keep me", 10);
        for _ in 0..3 {
            core.deliver(&ann(), &body).await.unwrap();
        }
        let seen = Flags::new(["\\Seen"]);
        let changed = core
            .store_flags(&a, &inbox, &[1, 2], FlagChange::Add, &seen)
            .await
            .unwrap();
        assert_eq!(changed.len(), 2);
        let pairs = core
            .copy_messages(&a, &inbox, &[1], &archive, false)
            .await
            .unwrap();
        assert_eq!(pairs, [(1, 1)]);
        let moved = core
            .copy_messages(&a, &inbox, &[3], &archive, true)
            .await
            .unwrap();
        assert_eq!(moved, [(3, 2)]);
        let in_archive = core.messages(&a, &archive).await.unwrap();
        assert!(
            in_archive[0].flags.contains("\\seen"),
            "{backend:?}: flags not copied"
        );
        assert_eq!(core.messages(&a, &inbox).await.unwrap().len(), 2);

        core.store_flags(
            &a,
            &inbox,
            &[1, 2],
            FlagChange::Add,
            &Flags::new(["\\Deleted"]),
        )
        .await
        .unwrap();
        assert_eq!(core.expunge(&a, &inbox, Some(&[2])).await.unwrap(), [2]);
        assert_eq!(core.expunge(&a, &inbox, None).await.unwrap(), [1]);
        // The archive's copies still need the one body all of them share.
        let first = &core.messages(&a, &archive).await.unwrap()[0];
        assert_eq!(
            core.message_body(&a, &archive, first).await.unwrap(),
            body,
            "{backend:?}"
        );

        core.delete_folder(&a, "Archive").await.unwrap();
        let blob = trekmail_core::mail::BlobId::of(&body);
        assert_eq!(
            node.blobs.get(&blob).await.unwrap(),
            None,
            "{backend:?}: body outlived its messages"
        );
        assert_eq!(
            core.mailbox(operator().scope(), m.id)
                .await
                .unwrap()
                .used_bytes,
            0
        );
    }
}

/// One mailbox's access reaches none of another's folders or messages, even when the
/// caller holds the other's `Folder` and `MessageMeta` values.
#[tokio::test(flavor = "multi_thread")]
async fn a_mailbox_access_reaches_no_other_mailbox() {
    for backend in BACKENDS {
        let Seeded {
            node,
            account,
            mailbox: m,
        } = Seeded::new(backend).await;
        let core = &node.core;
        let ann = node.access(m.id);
        let bob = node.access(seed_mailbox(core, account, "bob@example.com").await.id);
        core.deliver(&self::ann(), &message("for ann", 10))
            .await
            .unwrap();
        let inbox = core.folder(&ann, INBOX).await.unwrap();
        let archive = core.folder(&ann, "Archive").await.unwrap();
        let meta = core.messages(&ann, &inbox).await.unwrap().remove(0);
        let seen = Flags::new(["\\Seen"]);
        let not_found = |r: Result<(), CoreError>| assert_eq!(r.err(), Some(CoreError::NotFound));
        not_found(core.messages(&bob, &inbox).await.map(drop));
        not_found(core.folder_counts(&bob, &inbox).await.map(drop));
        not_found(core.message_body(&bob, &inbox, &meta).await.map(drop));
        not_found(core.message_head(&bob, &inbox, &meta, 64).await.map(drop));
        not_found(core.message_body(&ann, &archive, &meta).await.map(drop));
        not_found(
            core.append(&bob, &inbox, b"x\r\n", Flags::default(), chrono::Utc::now())
                .await
                .map(drop),
        );
        not_found(
            core.store_flags(&bob, &inbox, &[meta.uid], FlagChange::Add, &seen)
                .await
                .map(drop),
        );
        not_found(core.expunge(&bob, &inbox, None).await.map(drop));
        not_found(
            core.copy_messages(&bob, &inbox, &[meta.uid], &archive, true)
                .await
                .map(drop),
        );
        let bob_inbox = core.folder(&bob, INBOX).await.unwrap();
        not_found(
            core.copy_messages(&ann, &inbox, &[meta.uid], &bob_inbox, false)
                .await
                .map(drop),
        );
        let kept = core.messages(&ann, &inbox).await.unwrap();
        assert_eq!(kept, [meta], "{backend:?}");
        let counts = core.folder_counts(&ann, &inbox).await.unwrap();
        assert_eq!((counts.messages, counts.unseen), (1, 1), "{backend:?}");
        assert!(core.messages(&bob, &bob_inbox).await.unwrap().is_empty());
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn folders_are_created_renamed_and_deleted_and_inbox_is_special() {
    for backend in BACKENDS {
        let Seeded {
            node,
            account,
            mailbox: m,
        } = Seeded::new(backend).await;
        let core = &node.core;
        let a = node.access(m.id);
        core.create_folder(&a, "Projects").await.unwrap();
        core.create_folder(&a, "Projects/2026").await.unwrap();
        assert!(matches!(
            core.create_folder(&a, "Projects").await,
            Err(CoreError::Conflict(_))
        ));
        assert!(matches!(
            core.create_folder(&a, "inbox").await,
            Err(CoreError::Conflict(_))
        ));
        for bad in ["", "/x", "x/", "a//b", "a*b", "bell\u{7}"] {
            assert!(
                matches!(
                    core.create_folder(&a, bad).await,
                    Err(CoreError::Invalid(_))
                ),
                "{bad:?}"
            );
        }
        core.rename_folder(&a, "Projects", "Work").await.unwrap();
        assert!(
            core.folder(&a, "Work/2026").await.is_ok(),
            "{backend:?}: child not renamed"
        );

        core.deliver(&ann(), &message("old inbox", 10))
            .await
            .unwrap();
        core.rename_folder(&a, "INBOX", "Old mail").await.unwrap();
        let old = core.folder(&a, "Old mail").await.unwrap();
        assert_eq!(core.messages(&a, &old).await.unwrap().len(), 1);
        let inbox = core.folder(&a, INBOX).await.unwrap();
        assert!(core.messages(&a, &inbox).await.unwrap().is_empty());

        assert!(matches!(
            core.delete_folder(&a, "INBOX").await,
            Err(CoreError::Invalid(_))
        ));
        core.delete_folder(&a, "Work/2026").await.unwrap();
        assert_eq!(
            core.folder(&a, "Work/2026").await.err(),
            Some(CoreError::NotFound)
        );

        // Deleting the mailbox takes its mail with it.
        let body = message("last", 10);
        core.deliver(&ann(), &body).await.unwrap();
        core.delete_mailbox(operator().as_account(account), m.id, &Actor::operator())
            .await
            .unwrap();
        let blob = trekmail_core::mail::BlobId::of(&body);
        assert_eq!(node.blobs.get(&blob).await.unwrap(), None, "{backend:?}");
        assert!(core.folders(&a).await.unwrap().is_empty());
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_watcher_on_another_node_hears_new_mail() {
    let url = fresh_database(Backend::Postgres).await;
    let linked = NodeOptions {
        linked: true,
        ..NodeOptions::default()
    };
    let a = TestNode::start(&url, linked.clone()).await;
    let b = TestNode::start(&url, linked).await;
    let seeded = Seeded::on(a).await;
    let mut watcher = b.core.watch_mail(&b.access(seeded.mailbox.id));
    seeded
        .node
        .core
        .deliver(&ann(), &message("cross-node", 10))
        .await
        .unwrap();
    let heard = tokio::time::timeout(Duration::from_secs(2), watcher.recv())
        .await
        .expect("node B never heard of the new mail")
        .unwrap();
    assert_eq!(heard.kind, MailChangeKind::Appended);
    let inbox = b
        .core
        .folder(&b.access(seeded.mailbox.id), INBOX)
        .await
        .unwrap();
    // A session of node B that heard it reads it, through the node's shared delta log.
    let access_b = b.access(seeded.mailbox.id);
    let changes = b
        .core
        .changes_heard(&access_b, &inbox, 0, b.core.mail_heard())
        .await
        .unwrap();
    assert_eq!(changes.changed.len(), 1);
    seeded
        .node
        .core
        .deliver(&ann(), &message("cross-node 2", 10))
        .await
        .unwrap();
    tokio::time::timeout(Duration::from_secs(2), watcher.recv())
        .await
        .expect("node B never heard of the second mail")
        .unwrap();
    let changes = b
        .core
        .changes_heard(&access_b, &inbox, 0, b.core.mail_heard())
        .await
        .unwrap();
    assert_eq!(
        changes.changed.len(),
        2,
        "a change heard later is read again"
    );
    let listed = b
        .core
        .messages(&b.access(seeded.mailbox.id), &inbox)
        .await
        .unwrap();
    assert_eq!(
        b.core
            .message_body(&b.access(seeded.mailbox.id), &inbox, &listed[0])
            .await
            .unwrap(),
        message("cross-node", 10)
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn sessions_that_heard_the_same_change_share_one_read_and_a_later_one_reads_again() {
    use trekmail_core::store::MessageStore;
    for backend in BACKENDS {
        let Seeded {
            node, mailbox: m, ..
        } = Seeded::new(backend).await;
        let (core, a) = (&node.core, node.access(m.id));
        for n in 0..3 {
            core.deliver(&ann(), &message(&format!("m{n}"), 10))
                .await
                .unwrap();
        }
        let inbox = core.folder(&a, INBOX).await.unwrap();
        let since = inbox.highest_modseq;
        let seen = Flags::new(["\\Seen"]);
        core.store_flags(&a, &inbox, &[1], FlagChange::Add, &seen)
            .await
            .unwrap();
        let heard = core.mail_heard();
        let first = core.changes_heard(&a, &inbox, since, heard).await.unwrap();
        let uids = |c: &trekmail_core::mail::FolderChanges| -> Vec<u32> {
            c.changed.iter().map(|s| s.uid).collect()
        };
        assert_eq!(uids(&first), [1], "{backend:?}");
        // A change nobody has heard of yet (straight in the store, not published): a session
        // that heard what the first did is answered from the first's read, without it.
        node.store
            .store_flags(inbox.id, &[2], FlagChange::Add, &seen, None)
            .await
            .unwrap();
        let shared = core.changes_heard(&a, &inbox, since, heard).await.unwrap();
        assert_eq!(shared, first, "{backend:?}: one read for both");
        // A change heard after that read: the next session reads again, from where the log
        // ends, and is told both.
        core.store_flags(&a, &inbox, &[3], FlagChange::Add, &seen)
            .await
            .unwrap();
        let later = core
            .changes_heard(&a, &inbox, since, core.mail_heard())
            .await
            .unwrap();
        assert_eq!(uids(&later), [1, 2, 3], "{backend:?}");
        let caught_up = core
            .changes_heard(&a, &inbox, first.highest_modseq, core.mail_heard())
            .await
            .unwrap();
        assert_eq!(uids(&caught_up), [2, 3], "{backend:?}");
        // An expunge heard: it leaves the changed and joins the expunged.
        core.store_flags(
            &a,
            &inbox,
            &[2],
            FlagChange::Add,
            &Flags::new(["\\Deleted"]),
        )
        .await
        .unwrap();
        core.expunge(&a, &inbox, None).await.unwrap();
        let after = core
            .changes_heard(&a, &inbox, since, core.mail_heard())
            .await
            .unwrap();
        assert_eq!(
            (uids(&after), after.expunged.clone()),
            (vec![1, 3], vec![2]),
            "{backend:?}"
        );
        // Another mailbox's session reaches no folder of this one through the log.
        let other = node.access(trekmail_core::ids::MailboxId(m.id.0 + 1_000));
        assert!(
            core.changes_heard(&other, &inbox, since, core.mail_heard())
                .await
                .is_err(),
            "{backend:?}"
        );
    }
}
