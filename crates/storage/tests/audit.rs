//! The audit log on both databases.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: failing loudly is the point

mod common;

use common::*;
use trekmail_core::audit::{AuditEvent, AuditKind, Channel};
use trekmail_core::ids::{AccountId, MailboxId, Principal};
use trekmail_core::store::AuditStore;

#[tokio::test]
async fn audit_of_is_newest_first_limited_and_per_principal() {
    for db in both().await {
        let s = &db.store;
        let alice = Principal::Mailbox(MailboxId(7));
        let owner = Principal::Account(AccountId(7));
        for i in 0..5 {
            let e = AuditEvent::new(
                t(100 + i),
                AuditKind::SignIn,
                Channel::Imap,
                "alice@example.com",
            )
            .principal(alice)
            .detail(format!("n{i}"));
            s.append_audit(&e).await.unwrap();
        }
        // Same number, other kind of principal; and an event about nobody.
        s.append_audit(&ev(AuditKind::SignIn, 50).principal(owner))
            .await
            .unwrap();
        s.append_audit(&ev(AuditKind::SignInFailed, 60))
            .await
            .unwrap();

        let log = s.audit_of(alice, 3).await.unwrap();
        let details: Vec<_> = log.iter().map(|r| r.event.detail.as_str()).collect();
        assert_eq!(details, vec!["n4", "n3", "n2"], "{}", db.label);
        assert!(log.windows(2).all(|w| w[0].id > w[1].id));
        assert_eq!(s.audit_of(alice, 100).await.unwrap().len(), 5);
        assert_eq!(
            s.audit_of(owner, 100).await.unwrap().len(),
            1,
            "{}",
            db.label
        );
        assert_eq!(s.audit_of(alice, 0).await.unwrap(), vec![]);
    }
}

#[tokio::test]
async fn every_field_round_trips() {
    for db in both().await {
        let s = &db.store;
        let who = Principal::Account(AccountId(3));
        for remote in ["203.0.113.9", "2001:db8::42"] {
            let e = AuditEvent::new(
                t(1_234_567) + chrono::Duration::microseconds(890),
                AuditKind::SignInFailed,
                Channel::Dashboard,
                "Someone@Example.com",
            )
            .account(AccountId(3))
            .principal(who)
            .remote(Some(remote.parse().unwrap()))
            .detail("wrong password; 'quotes' and \"double\" ünïcødé");
            s.append_audit(&e).await.unwrap();
            assert_eq!(
                s.audit_of(who, 1).await.unwrap()[0].event,
                e,
                "{}",
                db.label
            );
        }
        for kind in AuditKind::ALL {
            for channel in Channel::ALL {
                s.append_audit(&AuditEvent::new(t(1), kind, channel, "").principal(who))
                    .await
                    .unwrap();
                let got = &s.audit_of(who, 1).await.unwrap()[0].event;
                assert_eq!(
                    (got.kind, got.channel, got.remote),
                    (kind, channel, None),
                    "{}",
                    db.label
                );
            }
        }
    }
}
