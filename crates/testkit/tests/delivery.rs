//! What SMTP asks of the core, on both databases: who a recipient is (hosted, full, unknown,
//! another server's), the Sent copy, and the outbound queue's services.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use trekmail_core::domain::EmailAddress;
use trekmail_core::mail::SpecialUse;
use trekmail_core::services::{Actor, Recipient};
use trekmail_core::store::NewOutbound;
use trekmail_testkit::*;

fn address(s: &str) -> EmailAddress {
    EmailAddress::parse(s).unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn recipients_are_told_apart_and_a_full_mailbox_is_seen_before_data() {
    for backend in BACKENDS {
        let Seeded {
            node,
            account,
            mailbox: m,
        } = Seeded::new(backend).await;
        let core = &node.core;
        let ann = address("ann@example.com");
        assert!(
            matches!(core.recipient(&ann).await.unwrap(), Recipient::Local(found) if found.mailbox.id == m.id),
            "{backend:?}"
        );
        assert_eq!(
            core.recipient(&address("ghost@example.com")).await.unwrap(),
            Recipient::Unknown
        );
        assert_eq!(
            core.recipient(&address("bob@elsewhere.example"))
                .await
                .unwrap(),
            Recipient::Remote
        );
        core.set_quota(operator().as_account(account), m.id, 1, &Actor::operator())
            .await
            .unwrap();
        core.deliver(&ann, &vec![b'x'; 1024 * 1024]).await.unwrap();
        assert!(
            matches!(core.recipient(&ann).await.unwrap(), Recipient::Full(_)),
            "{backend:?}"
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn the_sent_copy_is_seen_and_the_queue_round_trips() {
    for backend in BACKENDS {
        let Seeded {
            node, mailbox: m, ..
        } = Seeded::new(backend).await;
        let core = &node.core;
        let a = node.access(m.id);
        core.save_sent(&a, b"Subject: sent\r\n\r\nhi\r\n")
            .await
            .unwrap();
        let sent = core
            .folders(&a)
            .await
            .unwrap()
            .into_iter()
            .find(|f| f.special_use == Some(SpecialUse::Sent))
            .unwrap();
        let kept = core.messages(&a, &sent).await.unwrap();
        assert_eq!(kept.len(), 1, "{backend:?}");
        assert!(kept[0].flags.contains("\\Seen"));

        let now = core.clock().now();
        core.enqueue_outbound(&NewOutbound {
            sender: "ann@example.com".into(),
            recipients: vec!["bob@far.example".into()],
            body: b"hello".to_vec(),
            charge: None,
            created_at: now,
        })
        .await
        .unwrap();
        let due = core.due_outbound(now, 10).await.unwrap();
        assert_eq!(due.len(), 1, "{backend:?}");
        let later = now + chrono::Duration::minutes(10);
        assert!(core.claim_outbound(&due[0], later).await.unwrap());
        assert!(core.due_outbound(now, 10).await.unwrap().is_empty());
        // Mail leaving a hosted domain is queued signed.
        let queued = core.outbound_body(due[0].id).await.unwrap();
        assert_eq!(dkim_signed(&queued, "example.com"), b"hello");
        core.retry_outbound(due[0].id, now, "451 later")
            .await
            .unwrap();
        assert_eq!(core.outbound_queue().await.unwrap()[0].attempts, 1);
        core.dequeue_outbound(due[0].id).await.unwrap();
        assert!(core.outbound_queue().await.unwrap().is_empty());
    }
}
