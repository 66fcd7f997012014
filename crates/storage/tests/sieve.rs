//! Sieve scripts on both databases: one per name, the count bounded, at most one active (the
//! active one cannot be deleted), renames that refuse a taken name, the active script in the
//! pipeline's one read, and deleting a mailbox takes its scripts.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: failing loudly is the point

mod common;

use common::*;
use trekmail_core::audit::AuditKind;
use trekmail_core::store::{MailboxStore, RoutingStore, SieveStore, StoreError};

const KEEP: &str = "keep;\n";
const FILE: &str = "require \"fileinto\";\nfileinto \"Lists\";\n";

#[tokio::test]
async fn a_mailbox_keeps_named_scripts_with_one_active() {
    for db in both().await {
        let s = &db.store;
        let (_, _, alice) = mailbox_fixture(s).await;
        let audit = ev(AuditKind::SieveChanged, 3_000);
        let first = s
            .put_sieve_script(alice.id, "main", KEEP, t(3_000), 2, &audit)
            .await
            .unwrap();
        assert!(!first.active, "{}", db.label);
        s.put_sieve_script(alice.id, "lists", FILE, t(3_001), 2, &audit)
            .await
            .unwrap();
        let full = s
            .put_sieve_script(alice.id, "third", KEEP, t(3_002), 2, &audit)
            .await;
        assert!(matches!(full, Err(StoreError::LimitReached(_))), "{full:?}");
        // Replacing one by name is no new script.
        let again = s
            .put_sieve_script(alice.id, "main", FILE, t(3_003), 2, &audit)
            .await
            .unwrap();
        assert_eq!((again.id, again.source.as_str()), (first.id, FILE));

        assert_eq!(s.rules_for(alice.id, &[]).await.unwrap().sieve, None);
        s.activate_sieve_script(alice.id, Some("lists"), &audit)
            .await
            .unwrap();
        s.activate_sieve_script(alice.id, Some("main"), &audit)
            .await
            .unwrap();
        let scripts = s.sieve_scripts(alice.id).await.unwrap();
        let active: Vec<&str> = scripts
            .iter()
            .filter(|x| x.active)
            .map(|x| x.name.as_str())
            .collect();
        assert_eq!(active, vec!["main"], "{}", db.label);
        assert_eq!(
            s.rules_for(alice.id, &[]).await.unwrap().sieve.as_deref(),
            Some(FILE)
        );
        assert_eq!(
            s.activate_sieve_script(alice.id, Some("nothing"), &audit)
                .await,
            Err(StoreError::NotFound)
        );
        // The failed activation changed nothing.
        assert!(
            s.sieve_script(alice.id, "main")
                .await
                .unwrap()
                .unwrap()
                .active
        );

        assert!(matches!(
            s.delete_sieve_script(alice.id, "main", &audit).await,
            Err(StoreError::Conflict(_))
        ));
        assert!(matches!(
            s.rename_sieve_script(alice.id, "main", "lists", &audit)
                .await,
            Err(StoreError::Conflict(_))
        ));
        s.rename_sieve_script(alice.id, "main", "Main rules", &audit)
            .await
            .unwrap();
        assert!(
            s.sieve_script(alice.id, "Main rules")
                .await
                .unwrap()
                .unwrap()
                .active
        );
        s.delete_sieve_script(alice.id, "lists", &audit)
            .await
            .unwrap();
        assert_eq!(
            s.delete_sieve_script(alice.id, "lists", &audit).await,
            Err(StoreError::NotFound)
        );
        s.activate_sieve_script(alice.id, None, &audit)
            .await
            .unwrap();
        assert_eq!(s.rules_for(alice.id, &[]).await.unwrap().sieve, None);

        s.activate_sieve_script(alice.id, Some("Main rules"), &audit)
            .await
            .unwrap();
        s.delete_mailbox(alice.id, &ev(AuditKind::MailboxDeleted, 3_010))
            .await
            .unwrap();
        assert_eq!(s.sieve_scripts(alice.id).await.unwrap(), Vec::new());
    }
}
