//! Session rows, web sessions, node heartbeats and the reaper on both databases.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: failing loudly is the point

mod common;

use common::*;
use trekmail_core::audit::{AuditKind, Channel};
use trekmail_core::ids::{NodeId, Principal, SessionId};
use trekmail_core::store::{CredentialStore, SessionRow, SessionStore, StoreError};

fn row(
    id: &str,
    owner: Principal,
    channel: Channel,
    node: Option<&str>,
    epoch: i64,
    seen: i64,
) -> SessionRow {
    SessionRow {
        id: SessionId(id.into()),
        owner,
        channel,
        node: node.map(|n| NodeId(n.into())),
        remote: Some("2001:db8::1".parse().unwrap()),
        started_at: t(seen - 10),
        last_seen_at: t(seen),
        epoch,
    }
}

#[tokio::test]
async fn insert_read_and_delete_sessions() {
    for db in both().await {
        let s = &db.store;
        let (a, _, m) = mailbox_fixture(s).await;
        let who = Principal::Mailbox(m.id);
        let owner = Principal::Account(a.id);
        let imap = row("imap1", who, Channel::Imap, Some("n1"), 1, 100);
        let smtp = row("smtp1", who, Channel::Smtp, Some("n2"), 1, 101);
        let web = SessionRow {
            remote: None,
            ..row("web1", who, Channel::Webmail, None, 1, 102)
        };
        assert!(s.insert_session(&imap, None).await.unwrap(), "{}", db.label);
        assert!(s.insert_session(&smtp, None).await.unwrap());
        assert!(s.insert_session(&web, Some(b"tok-1")).await.unwrap());
        assert!(
            s.insert_session(
                &row("dash", owner, Channel::Dashboard, None, 1, 50),
                Some(b"tok-2")
            )
            .await
            .unwrap()
        );

        assert_eq!(
            s.sessions_of(who).await.unwrap(),
            vec![imap.clone(), smtp.clone(), web.clone()],
            "{}",
            db.label
        );
        assert_eq!(
            s.node_session_ids(&NodeId("n1".into())).await.unwrap(),
            vec![imap.id.clone()]
        );
        assert_eq!(
            s.web_session(b"tok-1").await.unwrap(),
            Some(web.clone()),
            "{}",
            db.label
        );
        assert_eq!(s.web_session(b"tok-x").await.unwrap(), None);

        // Same id or same token: conflict.
        let dup = s.insert_session(&imap, None).await;
        assert!(
            matches!(dup, Err(StoreError::Conflict(_))),
            "{}: {dup:?}",
            db.label
        );
        let dup = s
            .insert_session(
                &row("web2", who, Channel::Webmail, None, 1, 1),
                Some(b"tok-1"),
            )
            .await;
        assert!(
            matches!(dup, Err(StoreError::Conflict(_))),
            "{}: {dup:?}",
            db.label
        );

        s.touch_sessions(&[imap.id.clone(), web.id.clone()], t(500))
            .await
            .unwrap();
        s.touch_sessions(&[], t(600)).await.unwrap();
        let seen: Vec<_> = s
            .sessions_of(who)
            .await
            .unwrap()
            .into_iter()
            .map(|r| r.last_seen_at)
            .collect();
        assert_eq!(seen, vec![t(500), t(101), t(500)], "{}", db.label);

        assert_eq!(
            s.delete_session(&smtp.id).await.unwrap(),
            Some(who),
            "{}",
            db.label
        );
        assert_eq!(s.delete_session(&smtp.id).await.unwrap(), None);

        assert_eq!(
            s.delete_sessions_of(who, Some(&imap.id)).await.unwrap(),
            1,
            "{}",
            db.label
        );
        assert_eq!(s.sessions_of(who).await.unwrap().len(), 1);
        assert_eq!(s.delete_sessions_of(who, None).await.unwrap(), 1);
        assert_eq!(s.sessions_of(who).await.unwrap(), vec![]);
        assert_eq!(
            s.sessions_of(owner).await.unwrap().len(),
            1,
            "other owners keep theirs"
        );
    }
}

#[tokio::test]
async fn stale_epoch_is_refused() {
    for db in both().await {
        let s = &db.store;
        let (_, _, m) = mailbox_fixture(s).await;
        let who = Principal::Mailbox(m.id);
        let web = row("web1", who, Channel::Webmail, None, 1, 100);
        assert!(s.insert_session(&web, Some(b"tok")).await.unwrap());

        s.change_password(
            who,
            "new",
            Some(&web.id),
            &ev(AuditKind::PasswordChanged, 200),
        )
        .await
        .unwrap();
        // A sign-in that read epoch 1 before the change arrives too late.
        let late = row("late", who, Channel::Imap, Some("n1"), 1, 201);
        assert!(
            !s.insert_session(&late, None).await.unwrap(),
            "{}",
            db.label
        );
        assert!(
            s.insert_session(&row("fresh", who, Channel::Imap, Some("n1"), 2, 202), None)
                .await
                .unwrap()
        );
        // An owner without credentials has no epoch to match.
        let ghost = Principal::Mailbox(trekmail_core::ids::MailboxId(m.id.0 + 100));
        assert!(
            !s.insert_session(&row("ghost", ghost, Channel::Imap, None, 1, 1), None)
                .await
                .unwrap()
        );

        // The kept web session moved to epoch 2 and still resolves.
        assert_eq!(
            s.web_session(b"tok").await.unwrap().map(|r| r.epoch),
            Some(2),
            "{}",
            db.label
        );
        // A web session whose epoch is behind does not.
        let old = row("web-old", who, Channel::Webmail, None, 2, 300);
        assert!(s.insert_session(&old, Some(b"old-tok")).await.unwrap());
        s.upgrade_password_hash(who, "new", "new2").await.unwrap();
        assert!(
            s.web_session(b"old-tok").await.unwrap().is_some(),
            "a rehash keeps the epoch"
        );
        db.raw("UPDATE credentials SET epoch = epoch + 1 WHERE owner_kind = 'mailbox'")
            .await;
        assert_eq!(
            s.web_session(b"old-tok").await.unwrap(),
            None,
            "{}",
            db.label
        );
        assert_eq!(s.web_session(b"tok").await.unwrap(), None);
        assert_eq!(s.credentials(who).await.unwrap().unwrap().epoch, 3);
    }
}

#[tokio::test]
async fn reaper_clears_dead_nodes_and_idle_web_sessions() {
    for db in both().await {
        let s = &db.store;
        let (_, _, m) = mailbox_fixture(s).await;
        let who = Principal::Mailbox(m.id);
        let (alive, dead) = (NodeId("alive".into()), NodeId("dead".into()));
        s.node_heartbeat(&dead, t(100)).await.unwrap();
        s.node_heartbeat(&alive, t(100)).await.unwrap();
        s.node_heartbeat(&alive, t(1_000)).await.unwrap();
        for r in [
            row("on-alive", who, Channel::Imap, Some("alive"), 1, 50),
            row("on-dead-1", who, Channel::Imap, Some("dead"), 1, 900),
            row("on-dead-2", who, Channel::Smtp, Some("dead"), 1, 90),
            // A node that never sent a heartbeat: reaped once the row is old.
            row("orphan-old", who, Channel::Imap, Some("unknown"), 1, 100),
            row("orphan-new", who, Channel::Imap, Some("unknown"), 1, 990),
        ] {
            assert!(s.insert_session(&r, None).await.unwrap());
        }
        assert!(
            s.insert_session(
                &row("web-idle", who, Channel::Webmail, None, 1, 100),
                Some(b"a")
            )
            .await
            .unwrap()
        );
        assert!(
            s.insert_session(
                &row("web-active", who, Channel::Webmail, None, 1, 900),
                Some(b"b")
            )
            .await
            .unwrap()
        );

        let reaped = s.reap_sessions(t(500), t(500)).await.unwrap();
        assert_eq!(reaped, 4, "{}", db.label);
        let mut left: Vec<_> = s
            .sessions_of(who)
            .await
            .unwrap()
            .into_iter()
            .map(|r| r.id.0)
            .collect();
        left.sort();
        assert_eq!(
            left,
            vec!["on-alive", "orphan-new", "web-active"],
            "{}",
            db.label
        );
        assert_eq!(s.node_session_ids(&dead).await.unwrap(), vec![]);

        // The dead node's heartbeat row went with its sessions; reaping again finds nothing.
        assert_eq!(s.reap_sessions(t(500), t(500)).await.unwrap(), 0);
        // If it comes back, it starts afresh.
        s.node_heartbeat(&dead, t(2_000)).await.unwrap();
        assert!(
            s.insert_session(
                &row("back", who, Channel::Imap, Some("dead"), 1, 2_000),
                None
            )
            .await
            .unwrap()
        );
        // Now "alive" has gone silent, and the orphan's row is old too.
        assert_eq!(
            s.reap_sessions(t(1_500), t(0)).await.unwrap(),
            2,
            "{}",
            db.label
        );
        let mut left: Vec<_> = s
            .sessions_of(who)
            .await
            .unwrap()
            .into_iter()
            .map(|r| r.id.0)
            .collect();
        left.sort();
        assert_eq!(left, vec!["back", "web-active"], "{}", db.label);
    }
}

#[tokio::test]
async fn no_session_survives_a_concurrent_password_change() {
    for db in both().await {
        let s = &db.store;
        let (_, _, m) = mailbox_fixture(s).await;
        let who = Principal::Mailbox(m.id);
        for round in 0..5 {
            let epoch = s.credentials(who).await.unwrap().unwrap().epoch;
            // Sign-ins that read `epoch` race with a password change.
            let inserts: Vec<_> = (0..12)
                .map(|i| {
                    let s = s.clone();
                    let r = row(
                        &format!("r{round}-{i}"),
                        who,
                        Channel::Imap,
                        Some("n"),
                        epoch,
                        10,
                    );
                    tokio::spawn(async move { s.insert_session(&r, None).await.unwrap() })
                })
                .collect();
            let change = {
                let s = s.clone();
                tokio::spawn(async move {
                    s.change_password(who, "h", None, &ev(AuditKind::PasswordChanged, 20))
                        .await
                        .unwrap()
                })
            };
            for insert in inserts {
                insert.await.unwrap();
            }
            let (new_epoch, _) = change.await.unwrap();
            let stale: Vec<_> = s
                .sessions_of(who)
                .await
                .unwrap()
                .into_iter()
                .filter(|r| r.epoch != new_epoch)
                .collect();
            assert_eq!(stale, vec![], "{}: round {round}", db.label);
        }
    }
}
