//! Mailboxes on both databases: limits, conflicts, quotas, deletion.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: failing loudly is the point

mod common;

use common::*;
use trekmail_core::audit::{AuditKind, Channel};
use trekmail_core::domain::{Plan, PlanLimits};
use trekmail_core::ids::{MailboxId, NodeId, Principal, SessionId};
use trekmail_core::store::{
    AuditStore, CredentialStore, MailboxStore, SessionRow, SessionStore, StoreError,
};

fn small_plan() -> PlanLimits {
    PlanLimits {
        max_domains: 1,
        max_mailboxes: 2,
        max_storage_mb: 1024,
        max_aliases: 2,
        branding: false,
    }
}

#[tokio::test]
async fn create_and_read_mailboxes() {
    for db in both().await {
        let s = &db.store;
        let (a, d, m) = mailbox_fixture(s).await;
        assert_eq!(m.account_id, a.id);
        assert_eq!(m.domain_id, d.id);
        assert_eq!(m.quota_bytes, 100 * MB);
        assert_eq!(m.created_at, t(2_000));
        assert_eq!(m.display_name, "alice");

        assert_eq!(
            s.mailbox(m.id).await.unwrap(),
            Some(m.clone()),
            "{}",
            db.label
        );
        assert_eq!(
            s.mailbox_by_address(&m.address).await.unwrap(),
            Some(m.clone())
        );
        assert_eq!(s.mailbox(MailboxId(m.id.0 + 100)).await.unwrap(), None);

        let b = s
            .create_mailbox(
                &new_mailbox(a.id, d.id, &format!("bob@{}", d.name), MB),
                &limits(Plan::Pro),
                &ev(AuditKind::MailboxCreated, 2_001),
            )
            .await
            .unwrap();
        assert_eq!(
            s.mailboxes_of(a.id).await.unwrap(),
            vec![m.clone(), b],
            "{}",
            db.label
        );

        let creds = s
            .credentials(Principal::Mailbox(m.id))
            .await
            .unwrap()
            .expect("credentials");
        assert_eq!(creds.password_hash, "mailbox-hash-0");
        assert_eq!(creds.epoch, 1);

        let audit = s.audit_of(Principal::Mailbox(m.id), 10).await.unwrap();
        assert_eq!(audit.len(), 1, "{}", db.label);
        assert_eq!(audit[0].event.kind, AuditKind::MailboxCreated);
        assert_eq!(audit[0].event.account_id, Some(a.id));
    }
}

#[tokio::test]
async fn mailbox_count_and_storage_limits() {
    for db in both().await {
        let s = &db.store;
        let a = account(s, "o@owner.test").await;
        let d = domain(s, a.id, "limits.test").await;
        let plan = small_plan();
        let audit = ev(AuditKind::MailboxCreated, 2_000);

        // 1 GB in total: 600 MB fits, another 600 MB does not.
        s.create_mailbox(
            &new_mailbox(a.id, d.id, "a@limits.test", 600 * MB),
            &plan,
            &audit,
        )
        .await
        .unwrap();
        let too_big = s
            .create_mailbox(
                &new_mailbox(a.id, d.id, "b@limits.test", 600 * MB),
                &plan,
                &audit,
            )
            .await;
        match too_big {
            Err(StoreError::LimitReached(m)) => {
                assert!(
                    m.contains("1 GB") && m.contains("storage"),
                    "{}: {m}",
                    db.label
                )
            }
            other => panic!("{}: {other:?}", db.label),
        }
        // Exactly up to the limit is fine.
        s.create_mailbox(
            &new_mailbox(a.id, d.id, "b@limits.test", 424 * MB),
            &plan,
            &audit,
        )
        .await
        .unwrap();
        let third = s
            .create_mailbox(&new_mailbox(a.id, d.id, "c@limits.test", 0), &plan, &audit)
            .await;
        assert_eq!(
            third,
            Err(StoreError::LimitReached(
                "this plan allows 2 mailbox(es)".into()
            )),
            "{}",
            db.label
        );
        assert_eq!(s.mailboxes_of(a.id).await.unwrap().len(), 2);
        assert_eq!(
            s.mailbox_by_address(&email("c@limits.test")).await.unwrap(),
            None
        );
    }
}

#[tokio::test]
async fn duplicate_address_and_foreign_domain() {
    for db in both().await {
        let s = &db.store;
        let (a, d, m) = mailbox_fixture(s).await;
        let audit = ev(AuditKind::MailboxCreated, 2_000);
        let dup = s
            .create_mailbox(
                &new_mailbox(a.id, d.id, m.address.as_str(), MB),
                &limits(Plan::Pro),
                &audit,
            )
            .await;
        assert!(
            matches!(dup, Err(StoreError::Conflict(ref msg)) if msg.contains(m.address.as_str())),
            "{}: {dup:?}",
            db.label
        );

        // Another account cannot put a mailbox on this account's domain.
        let other = account(s, "other@owner.test").await;
        let foreign = s
            .create_mailbox(
                &new_mailbox(other.id, d.id, &format!("x@{}", d.name), MB),
                &limits(Plan::Pro),
                &audit,
            )
            .await;
        assert_eq!(foreign, Err(StoreError::NotFound), "{}", db.label);
        assert_eq!(s.mailboxes_of(a.id).await.unwrap().len(), 1);
        assert_eq!(s.mailboxes_of(other.id).await.unwrap().len(), 0);
    }
}

#[tokio::test]
async fn set_quota_checks_storage_without_the_old_quota() {
    for db in both().await {
        let s = &db.store;
        let a = account(s, "o@owner.test").await;
        let d = domain(s, a.id, "quota.test").await;
        let plan = small_plan();
        let audit = ev(AuditKind::MailboxChanged, 2_500);
        let x = s
            .create_mailbox(
                &new_mailbox(a.id, d.id, "x@quota.test", 500 * MB),
                &plan,
                &audit,
            )
            .await
            .unwrap();
        s.create_mailbox(
            &new_mailbox(a.id, d.id, "y@quota.test", 400 * MB),
            &plan,
            &audit,
        )
        .await
        .unwrap();

        // 624 + 400 = 1024 MB: fits, because x's own 500 MB is not counted twice.
        let grown = s.set_quota(x.id, 624 * MB, &plan, &audit).await.unwrap();
        assert_eq!(grown.quota_bytes, 624 * MB, "{}", db.label);
        let over = s.set_quota(x.id, 625 * MB, &plan, &audit).await;
        assert!(
            matches!(over, Err(StoreError::LimitReached(_))),
            "{}: {over:?}",
            db.label
        );
        assert_eq!(
            s.mailbox(x.id).await.unwrap().unwrap().quota_bytes,
            624 * MB
        );

        // Shrinking is always allowed, even over a smaller plan.
        let tiny = PlanLimits {
            max_storage_mb: 1,
            ..plan
        };
        let shrunk = s.set_quota(x.id, 10 * MB, &tiny, &audit).await.unwrap();
        assert_eq!(shrunk.quota_bytes, 10 * MB);

        assert_eq!(
            s.set_quota(MailboxId(x.id.0 + 100), MB, &plan, &audit)
                .await,
            Err(StoreError::NotFound)
        );
    }
}

#[tokio::test]
async fn concurrent_creates_cannot_pass_the_limit() {
    for db in both().await {
        let s = &db.store;
        let a = account(s, "o@owner.test").await;
        let d = domain(s, a.id, "race.test").await;
        let plan = PlanLimits {
            max_mailboxes: 3,
            ..limits(Plan::Pro)
        };
        let tasks: Vec<_> = (0..10)
            .map(|i| {
                let s = s.clone();
                let new = new_mailbox(a.id, d.id, &format!("m{i}@race.test"), MB);
                tokio::spawn(async move {
                    s.create_mailbox(&new, &plan, &ev(AuditKind::MailboxCreated, 1))
                        .await
                })
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
        assert_eq!(ok, 3, "{}", db.label);
        assert_eq!(s.mailboxes_of(a.id).await.unwrap().len(), 3);
    }
}

#[tokio::test]
async fn delete_mailbox_removes_everything() {
    for db in both().await {
        let s = &db.store;
        let (a, d, m) = mailbox_fixture(s).await;
        let who = Principal::Mailbox(m.id);
        s.replace_recovery_code(m.id, b"code", &ev(AuditKind::RecoveryCodeIssued, 3_000))
            .await
            .unwrap();
        for (i, channel) in [Channel::Imap, Channel::Webmail].into_iter().enumerate() {
            let row = SessionRow {
                id: SessionId(format!("s{i}")),
                owner: who,
                channel,
                node: channel.is_connection().then(|| NodeId("n1".into())),
                remote: None,
                started_at: t(3_000),
                last_seen_at: t(3_000),
                epoch: 1,
            };
            let token = (!channel.is_connection()).then_some(&b"token"[..]);
            assert!(s.insert_session(&row, token).await.unwrap());
        }
        let other = s
            .create_mailbox(
                &new_mailbox(a.id, d.id, &format!("bob@{}", d.name), MB),
                &limits(Plan::Pro),
                &ev(AuditKind::MailboxCreated, 3_000),
            )
            .await
            .unwrap();

        let ended = s
            .delete_mailbox(m.id, &ev(AuditKind::MailboxDeleted, 4_000).principal(who))
            .await;
        assert_eq!(ended, Ok((2, vec![])), "{}", db.label);
        assert_eq!(s.mailbox(m.id).await.unwrap(), None);
        assert_eq!(s.mailbox_by_address(&m.address).await.unwrap(), None);
        assert_eq!(s.credentials(who).await.unwrap(), None);
        assert_eq!(s.recovery_status(m.id).await.unwrap(), None);
        assert_eq!(s.sessions_of(who).await.unwrap(), vec![]);
        assert_eq!(s.web_session(b"token").await.unwrap(), None);
        assert_eq!(s.mailboxes_of(a.id).await.unwrap(), vec![other.clone()]);
        // The audit trail stays.
        let audit = s.audit_of(who, 10).await.unwrap();
        assert_eq!(
            audit[0].event.kind,
            AuditKind::MailboxDeleted,
            "{}",
            db.label
        );

        assert_eq!(
            s.delete_mailbox(m.id, &ev(AuditKind::MailboxDeleted, 4_001))
                .await,
            Err(StoreError::NotFound)
        );
        // The address is free again, under a new id: not even the newest mailbox's id is
        // handed out again.
        s.delete_mailbox(other.id, &ev(AuditKind::MailboxDeleted, 4_002))
            .await
            .unwrap();
        let again = s
            .create_mailbox(
                &new_mailbox(a.id, d.id, m.address.as_str(), MB),
                &limits(Plan::Pro),
                &ev(AuditKind::MailboxCreated, 5_000),
            )
            .await
            .unwrap();
        assert!(again.id.0 > other.id.0, "{}: ids are not reused", db.label);
    }
}
