//! Domains' DKIM keys and removing a domain, on both databases.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: failing loudly is the point

mod common;

use common::*;
use trekmail_core::audit::AuditKind;
use trekmail_core::domain::DkimAlgorithm;
use trekmail_core::ids::DomainId;
use trekmail_core::store::{AccountStore, DkimKeyStore, MailboxStore, NewDkimKey, StoreError};

fn key(selector: &str, algorithm: DkimAlgorithm) -> NewDkimKey {
    NewDkimKey {
        selector: selector.to_owned(),
        algorithm,
        public_key: selector.as_bytes().to_vec(),
        sealed_private: format!("sealed {selector}").into_bytes(),
    }
}

fn selectors(keys: &[trekmail_core::store::SealedDkimKey]) -> Vec<(String, bool)> {
    keys.iter()
        .map(|k| (k.key.selector.clone(), k.key.signing))
        .collect()
}

#[tokio::test]
async fn keys_come_with_the_domain_rotate_and_retire() {
    for db in both().await {
        let s = &db.store;
        let a = account(s, "owner@example.com").await;
        let first = [
            key("rsa1", DkimAlgorithm::Rsa),
            key("ed1", DkimAlgorithm::Ed25519),
        ];
        let d = s
            .add_domain(
                a.id,
                "example.com",
                5,
                &first,
                &ev(AuditKind::DomainAdded, 10),
            )
            .await
            .unwrap();
        let keys = s.dkim_keys(d.id).await.unwrap();
        assert_eq!(keys.len(), 2, "{}", db.label);
        let rsa = keys.iter().find(|k| k.key.selector == "rsa1").unwrap();
        assert_eq!(rsa.key.algorithm, DkimAlgorithm::Rsa);
        assert_eq!(rsa.key.public_key, b"rsa1");
        assert_eq!(rsa.sealed_private, b"sealed rsa1");
        assert!(rsa.key.signing);
        assert_eq!(rsa.key.created_at, t(10));

        let second = [
            key("rsa2", DkimAlgorithm::Rsa),
            key("ed2", DkimAlgorithm::Ed25519),
        ];
        s.rotate_dkim_keys(d.id, &second, &ev(AuditKind::DkimKeysRotated, 20))
            .await
            .unwrap();
        let after = selectors(&s.dkim_keys(d.id).await.unwrap());
        assert_eq!(after.len(), 4, "{}", db.label);
        assert_eq!(
            &after[..2].iter().filter(|(_, signing)| *signing).count(),
            &2
        );
        for (selector, signing) in &after {
            assert_eq!(
                *signing,
                selector.ends_with('2'),
                "{}: {selector}",
                db.label
            );
        }

        // A selector the domain has already: nothing changes, the old keys keep signing.
        let clash = [
            key("rsa3", DkimAlgorithm::Rsa),
            key("ed2", DkimAlgorithm::Ed25519),
        ];
        let refused = s
            .rotate_dkim_keys(d.id, &clash, &ev(AuditKind::DkimKeysRotated, 30))
            .await;
        assert!(
            matches!(refused, Err(StoreError::Conflict(_))),
            "{}: {refused:?}",
            db.label
        );
        assert_eq!(
            selectors(&s.dkim_keys(d.id).await.unwrap()),
            after,
            "{}",
            db.label
        );

        let signing = s
            .retire_dkim_key(d.id, "rsa2", &ev(AuditKind::DkimKeyRetired, 40))
            .await;
        assert!(
            matches!(signing, Err(StoreError::Conflict(_))),
            "{}",
            db.label
        );
        let unknown = s
            .retire_dkim_key(d.id, "nope", &ev(AuditKind::DkimKeyRetired, 40))
            .await;
        assert_eq!(unknown, Err(StoreError::NotFound), "{}", db.label);
        s.retire_dkim_key(d.id, "rsa1", &ev(AuditKind::DkimKeyRetired, 50))
            .await
            .unwrap();
        let left = selectors(&s.dkim_keys(d.id).await.unwrap());
        assert_eq!(left.len(), 3, "{}", db.label);
        assert!(left.iter().all(|(selector, _)| selector != "rsa1"));

        // Another domain's keys are its own.
        let other = s
            .add_domain(a.id, "example.org", 5, &[], &ev(AuditKind::DomainAdded, 60))
            .await
            .unwrap();
        assert!(s.dkim_keys(other.id).await.unwrap().is_empty());
        assert_eq!(
            s.retire_dkim_key(other.id, "ed1", &ev(AuditKind::DkimKeyRetired, 60))
                .await,
            Err(StoreError::NotFound)
        );
        assert_eq!(
            s.rotate_dkim_keys(
                DomainId(d.id.0 + 999),
                &second,
                &ev(AuditKind::DkimKeysRotated, 60)
            )
            .await,
            Err(StoreError::NotFound)
        );
    }
}

#[tokio::test]
async fn a_domain_is_removed_only_once_nothing_is_on_it() {
    for db in both().await {
        let s = &db.store;
        let a = account(s, "owner@example.com").await;
        let d = s
            .add_domain(
                a.id,
                "example.com",
                5,
                &[key("rsa1", DkimAlgorithm::Rsa)],
                &ev(AuditKind::DomainAdded, 10),
            )
            .await
            .unwrap();
        let mailbox = s
            .create_mailbox(
                &new_mailbox(a.id, d.id, "ann@example.com", 1 << 20),
                &limits(trekmail_core::domain::Plan::Pro),
                &ev(AuditKind::MailboxCreated, 11),
            )
            .await
            .unwrap();
        let refused = s
            .remove_domain(d.id, &ev(AuditKind::DomainRemoved, 12))
            .await;
        assert!(
            matches!(refused, Err(StoreError::Conflict(ref m)) if m.contains("example.com")),
            "{}: {refused:?}",
            db.label
        );
        assert!(s.domain(d.id).await.unwrap().is_some());

        s.delete_mailbox(mailbox.id, &ev(AuditKind::MailboxDeleted, 13))
            .await
            .unwrap();
        s.remove_domain(d.id, &ev(AuditKind::DomainRemoved, 14))
            .await
            .unwrap();
        assert_eq!(s.domain(d.id).await.unwrap(), None, "{}", db.label);
        assert_eq!(s.domain_by_name("example.com").await.unwrap(), None);
        assert!(s.dkim_keys(d.id).await.unwrap().is_empty());
        let audited = db
            .count("SELECT COUNT(*) FROM audit_events WHERE kind = 'domain_removed'")
            .await;
        assert_eq!(audited, 1, "{}", db.label);
        assert_eq!(
            s.remove_domain(d.id, &ev(AuditKind::DomainRemoved, 15))
                .await,
            Err(StoreError::NotFound)
        );
        // The name can be hosted again.
        s.add_domain(
            a.id,
            "example.com",
            5,
            &[key("rsa1", DkimAlgorithm::Rsa)],
            &ev(AuditKind::DomainAdded, 16),
        )
        .await
        .unwrap();
    }
}
