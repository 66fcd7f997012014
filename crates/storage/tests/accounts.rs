//! Accounts and domains on both databases.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: failing loudly is the point

mod common;

use common::*;
use trekmail_core::audit::AuditKind;
use trekmail_core::domain::Plan;
use trekmail_core::ids::{AccountId, Principal};
use trekmail_core::store::{AccountStore, AuditStore, CredentialStore, NewAccount, StoreError};

#[tokio::test]
async fn create_and_read_accounts() {
    for db in both().await {
        let s = &db.store;
        let a = account(s, "Owner@Example.com").await;
        assert_eq!(a.owner_email.as_str(), "owner@example.com", "{}", db.label);
        assert_eq!(a.plan, Plan::Pro);
        assert_eq!(a.created_at, t(1_000));

        assert_eq!(
            s.account(a.id).await.unwrap(),
            Some(a.clone()),
            "{}",
            db.label
        );
        assert_eq!(
            s.account_by_email(&email("owner@example.com"))
                .await
                .unwrap(),
            Some(a.clone())
        );
        assert_eq!(s.account(AccountId(a.id.0 + 1000)).await.unwrap(), None);
        assert_eq!(
            s.account_by_email(&email("nobody@example.com"))
                .await
                .unwrap(),
            None
        );

        let b = account(s, "second@example.com").await;
        assert_eq!(
            s.accounts().await.unwrap(),
            vec![a.clone(), b],
            "{}",
            db.label
        );

        // The owner's credentials come with the account, at epoch 1.
        let creds = s
            .credentials(Principal::Account(a.id))
            .await
            .unwrap()
            .expect("credentials");
        assert_eq!(creds.password_hash, "hash-0");
        assert_eq!(creds.epoch, 1);
        assert_eq!(creds.totp_sealed, None);

        // The audit record is filled in with the new account.
        let audit = s.audit_of(Principal::Account(a.id), 10).await.unwrap();
        assert_eq!(audit.len(), 1, "{}", db.label);
        assert_eq!(audit[0].event.kind, AuditKind::AccountCreated);
        assert_eq!(audit[0].event.account_id, Some(a.id));
    }
}

#[tokio::test]
async fn duplicate_owner_email_is_a_conflict_and_changes_nothing() {
    for db in both().await {
        let s = &db.store;
        account(s, "owner@example.com").await;
        let again = s
            .create_account(
                &NewAccount {
                    owner_email: email("owner@example.com"),
                    plan: Plan::Starter,
                    password_hash: "other".into(),
                    created_at: t(5),
                },
                &ev(AuditKind::AccountCreated, 5),
            )
            .await;
        assert!(
            matches!(again, Err(StoreError::Conflict(ref m)) if m.contains("owner@example.com")),
            "{}: {again:?}",
            db.label
        );
        assert_eq!(s.accounts().await.unwrap().len(), 1);
    }
}

#[tokio::test]
async fn domains_respect_the_plan_and_are_unique() {
    for db in both().await {
        let s = &db.store;
        let a = account(s, "a@owner.test").await;
        let b = account(s, "b@owner.test").await;
        let audit = ev(AuditKind::DomainAdded, 3_000);

        let d1 = s
            .add_domain(a.id, "Example.COM", 2, &[], &audit)
            .await
            .unwrap();
        assert_eq!(d1.name, "example.com", "{}", db.label);
        assert_eq!(d1.account_id, a.id);
        assert_eq!(d1.created_at, t(3_000));
        let d2 = s
            .add_domain(a.id, "example.org", 2, &[], &audit)
            .await
            .unwrap();

        let third = s.add_domain(a.id, "example.net", 2, &[], &audit).await;
        assert_eq!(
            third,
            Err(StoreError::LimitReached(
                "this plan allows 2 domain(s)".into()
            )),
            "{}",
            db.label
        );

        // Taken by another account, in any case.
        let taken = s.add_domain(b.id, "EXAMPLE.com", 5, &[], &audit).await;
        assert!(
            matches!(taken, Err(StoreError::Conflict(ref m)) if m.contains("example.com")),
            "{}: {taken:?}",
            db.label
        );

        let missing = s
            .add_domain(AccountId(a.id.0 + 999), "other.test", 5, &[], &audit)
            .await;
        assert_eq!(missing, Err(StoreError::NotFound), "{}", db.label);

        assert_eq!(
            s.domains_of(a.id).await.unwrap(),
            vec![d1.clone(), d2],
            "{}",
            db.label
        );
        assert_eq!(s.domains_of(b.id).await.unwrap(), vec![]);
        assert_eq!(s.domain_by_name("EXAMPLE.com").await.unwrap(), Some(d1));
        assert_eq!(s.domain_by_name("example.net").await.unwrap(), None);

        let audit = s.audit_of(Principal::Account(a.id), 10).await.unwrap();
        assert_eq!(
            audit.len(),
            1,
            "only the account creation names the owner as principal"
        );
    }
}

#[tokio::test]
async fn concurrent_domain_adds_cannot_pass_the_limit() {
    for db in both().await {
        let s = &db.store;
        let a = account(s, "a@owner.test").await;
        let tasks: Vec<_> = (0..8)
            .map(|i| {
                let s = s.clone();
                tokio::spawn(async move {
                    s.add_domain(
                        a.id,
                        &format!("d{i}.test"),
                        3,
                        &[],
                        &ev(AuditKind::DomainAdded, 1),
                    )
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
        assert_eq!(s.domains_of(a.id).await.unwrap().len(), 3);
    }
}
