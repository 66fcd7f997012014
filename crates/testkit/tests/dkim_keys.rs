//! A domain's DKIM keys in the core, on both databases: made with the domain, rotated and
//! retired, sealed so that only the domain and selector they were made for open them, and
//! made at start for domains from before signing.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use trekmail_core::CoreError;
use trekmail_core::audit::AuditKind;
use trekmail_core::domain::DkimAlgorithm;
use trekmail_core::services::Actor;
use trekmail_core::store::{AccountStore, DkimKeyStore, NewOutbound};
use trekmail_testkit::*;

async fn queue_one(node: &TestNode, from: &str) -> Vec<u8> {
    let core = &node.core;
    let now = core.clock().now();
    let message = format!("From: {from}\r\nSubject: hi\r\n\r\nhello\r\n");
    core.enqueue_outbound(&NewOutbound {
        sender: from.to_owned(),
        recipients: vec!["bob@far.example".into()],
        body: message.into_bytes(),
        charge: None,
        created_at: now,
    })
    .await
    .unwrap();
    let queued = core.outbound_queue().await.unwrap();
    let body = core.outbound_body(queued.last().unwrap().id).await.unwrap();
    core.dequeue_outbound(queued.last().unwrap().id)
        .await
        .unwrap();
    body
}

#[tokio::test(flavor = "multi_thread")]
async fn keys_come_with_the_domain_sign_and_rotate_and_only_rotated_ones_retire() {
    for backend in BACKENDS {
        let Seeded { node, account, .. } = Seeded::new(backend).await;
        let core = &node.core;
        let scope = operator().as_account(account);
        let domain = core.domain(scope, "example.com").await.unwrap();
        let first = core.dkim_keys(scope, domain.id).await.unwrap();
        let algorithms: Vec<DkimAlgorithm> = first.iter().map(|k| k.algorithm).collect();
        assert_eq!(algorithms.len(), 2, "{backend:?}");
        assert!(
            algorithms.contains(&DkimAlgorithm::Rsa)
                && algorithms.contains(&DkimAlgorithm::Ed25519)
        );
        assert!(first.iter().all(|k| k.signing));

        let signed = queue_one(&node, "ann@example.com").await;
        let text = String::from_utf8_lossy(&signed).into_owned();
        for key in &first {
            assert!(text.contains(&format!("s={};", key.selector)), "{text}");
        }
        // A host under a hosted domain signs as that domain (a bounce's MAILER-DAEMON).
        let bounce = queue_one(&node, "mailer-daemon@mx.example.com").await;
        assert_eq!(
            dkim_signed(&bounce, "example.com"),
            b"From: mailer-daemon@mx.example.com\r\nSubject: hi\r\n\r\nhello\r\n"
        );
        // Another server's domain is not ours to sign.
        let foreign = queue_one(&node, "someone@far.example").await;
        assert!(!foreign.starts_with(b"DKIM-Signature"));

        core.rotate_dkim_keys(scope, domain.id, &Actor::operator())
            .await
            .unwrap();
        let rotated = core.dkim_keys(scope, domain.id).await.unwrap();
        assert_eq!(rotated.len(), 4);
        let (new, old): (Vec<_>, Vec<_>) = rotated.iter().partition(|k| k.signing);
        assert_eq!(old.len(), 2);
        assert!(
            old.iter()
                .all(|k| first.iter().any(|f| f.selector == k.selector))
        );
        let text = String::from_utf8_lossy(&queue_one(&node, "ann@example.com").await).into_owned();
        assert!(
            new.iter()
                .all(|k| text.contains(&format!("s={};", k.selector))),
            "{text}"
        );
        assert!(
            old.iter()
                .all(|k| !text.contains(&format!("s={};", k.selector))),
            "{text}"
        );

        let still_signing = core
            .retire_dkim_key(scope, domain.id, &new[0].selector, &Actor::operator())
            .await;
        assert!(
            matches!(still_signing, Err(CoreError::Conflict(_))),
            "{still_signing:?}"
        );
        core.retire_dkim_key(scope, domain.id, &old[0].selector, &Actor::operator())
            .await
            .unwrap();
        assert_eq!(core.dkim_keys(scope, domain.id).await.unwrap().len(), 3);

        // Another account's scope reaches none of it.
        let other = seed_account(core, "other@other.example").await;
        let foreign = operator().as_account(other);
        assert_eq!(
            core.dkim_keys(foreign, domain.id).await,
            Err(CoreError::NotFound)
        );
        assert_eq!(
            core.rotate_dkim_keys(foreign, domain.id, &Actor::operator())
                .await,
            Err(CoreError::NotFound)
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_key_sealed_for_one_domain_does_not_sign_for_another() {
    for backend in BACKENDS {
        let Seeded { node, account, .. } = Seeded::new(backend).await;
        let core = &node.core;
        let scope = operator().as_account(account);
        let ours = core.domain(scope, "example.com").await.unwrap();
        // A second domain whose stored keys are copies of example.com's rows.
        let copied: Vec<_> = node
            .store
            .dkim_keys(ours.id)
            .await
            .unwrap()
            .into_iter()
            .map(|k| trekmail_core::store::NewDkimKey {
                selector: k.key.selector,
                algorithm: k.key.algorithm,
                public_key: k.key.public_key,
                sealed_private: k.sealed_private,
            })
            .collect();
        let audit = trekmail_core::audit::AuditEvent::new(
            core.clock().now(),
            AuditKind::DomainAdded,
            trekmail_core::audit::Channel::Cli,
            "test",
        );
        node.store
            .add_domain(account, "copy.example", 10, &copied, &audit)
            .await
            .unwrap();
        let body = queue_one(&node, "ann@copy.example").await;
        assert!(!body.starts_with(b"DKIM-Signature"), "{backend:?}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn domains_from_before_signing_get_keys_at_start() {
    for backend in BACKENDS {
        let Seeded { node, account, .. } = Seeded::new(backend).await;
        let core = &node.core;
        let audit = trekmail_core::audit::AuditEvent::new(
            core.clock().now(),
            AuditKind::DomainAdded,
            trekmail_core::audit::Channel::Cli,
            "test",
        );
        let old = node
            .store
            .add_domain(account, "old.example", 10, &[], &audit)
            .await
            .unwrap();
        assert_eq!(
            core.add_missing_dkim_keys(operator()).await.unwrap(),
            1,
            "{backend:?}"
        );
        let keys = node.store.dkim_keys(old.id).await.unwrap();
        assert_eq!(keys.len(), 2);
        assert!(keys.iter().all(|k| k.key.signing));
        assert_eq!(core.add_missing_dkim_keys(operator()).await.unwrap(), 0);
        assert!(
            queue_one(&node, "x@old.example")
                .await
                .starts_with(b"DKIM-Signature")
        );
    }
}
