//! API tokens on both databases: an expired one is found by no lookup, last use is written
//! only when stale, and an account's tokens go all at once.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: failing loudly is the point

mod common;

use common::*;
use trekmail_core::audit::AuditKind;
use trekmail_core::ids::Principal;
use trekmail_core::store::{ApiTokenStore, AuditStore};

#[tokio::test]
async fn expiry_last_use_and_revoking_every_token() {
    for db in both().await {
        let s = &db.store;
        let label = &db.label;
        let a = account(s, "owner@example.com").await;
        let b = account(s, "other@example.com").await;
        let made = ev(AuditKind::ApiTokenCreated, 100);
        let month = s
            .insert_api_token(a.id, "month", b"hash-month", Some(t(200)), &made)
            .await
            .unwrap();
        let forever = s
            .insert_api_token(a.id, "forever", b"hash-forever", None, &made)
            .await
            .unwrap();
        s.insert_api_token(b.id, "b's", b"hash-b", None, &made)
            .await
            .unwrap();
        assert_eq!((month.expires_at, forever.expires_at), (Some(t(200)), None));

        // Found until its expiry, not at it.
        let found = s.api_token_by_hash(b"hash-month", t(199)).await.unwrap();
        assert_eq!(found, Some(month.clone()), "{label}");
        assert_eq!(
            s.api_token_by_hash(b"hash-month", t(200)).await.unwrap(),
            None
        );
        assert!(
            s.api_token_by_hash(b"hash-forever", t(1_000_000))
                .await
                .unwrap()
                .is_some()
        );
        assert_eq!(s.api_token_by_hash(b"hash-none", t(1)).await.unwrap(), None);

        // Last use: written when none is newer than `unless_since`, else left alone.
        let last_used = |hash: &'static [u8]| async move {
            s.api_token_by_hash(hash, t(150))
                .await
                .unwrap()
                .unwrap()
                .last_used_at
        };
        s.touch_api_token(month.id, t(110), t(50)).await.unwrap();
        assert_eq!(last_used(b"hash-month").await, Some(t(110)), "{label}");
        s.touch_api_token(month.id, t(130), t(110)).await.unwrap();
        assert_eq!(last_used(b"hash-month").await, Some(t(110)), "{label}");
        s.touch_api_token(month.id, t(140), t(111)).await.unwrap();
        assert_eq!(last_used(b"hash-month").await, Some(t(140)), "{label}");
        assert_eq!(last_used(b"hash-forever").await, None);

        // Every token of one account goes, with one audit record; the other's stay.
        let revoked = ev(AuditKind::ApiTokenRevoked, 300).principal(Principal::Account(a.id));
        assert_eq!(s.revoke_api_tokens_of(a.id, &revoked).await.unwrap(), 2);
        assert!(s.api_tokens_of(a.id).await.unwrap().is_empty(), "{label}");
        assert_eq!(s.api_tokens_of(b.id).await.unwrap().len(), 1, "{label}");
        assert_eq!(s.revoke_api_tokens_of(a.id, &revoked).await.unwrap(), 0);
        let audit = s.audit_of(Principal::Account(a.id), 10).await.unwrap();
        let revocations = audit
            .iter()
            .filter(|r| r.event.kind == AuditKind::ApiTokenRevoked)
            .count();
        assert_eq!(revocations, 1, "{label}");
    }
}
