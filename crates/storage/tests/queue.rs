//! The outbound queue on both databases: due order, one claim per attempt, retries, one body
//! per message shared by its recipients' rows, removal; the bounce counts.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: failing loudly is the point

mod common;

use common::*;
use trekmail_core::store::{MailboxStore, NewOutbound, QueueStore, StoreError};

fn outbound(recipient: &str, at: i64) -> NewOutbound {
    NewOutbound {
        sender: "ann@example.com".into(),
        recipients: vec![recipient.into()],
        body: format!("Subject: to {recipient}\r\n\r\nhi\r\n").into_bytes(),
        charge: None,
        created_at: t(at),
    }
}

#[tokio::test]
async fn rows_come_due_are_claimed_once_retried_and_removed() {
    for db in both().await {
        let s = &db.store;
        s.enqueue(&outbound("a@far.example", 100)).await.unwrap();
        s.enqueue(&outbound("b@far.example", 101)).await.unwrap();
        assert!(s.due(t(99), 10).await.unwrap().is_empty(), "{}", db.label);
        let due = s.due(t(200), 10).await.unwrap();
        let recipients: Vec<_> = due.iter().map(|m| m.recipient.as_str()).collect();
        assert_eq!(
            recipients,
            ["a@far.example", "b@far.example"],
            "{}",
            db.label
        );
        let a = &due[0];
        assert_eq!((a.attempts, a.last_error.as_str()), (0, ""));
        assert_eq!(a.size, a.recipient.len() as i64 + 20);
        assert_eq!(
            s.queued_body(a.id).await.unwrap().unwrap(),
            b"Subject: to a@far.example\r\n\r\nhi\r\n"
        );

        // Two workers saw the same row: only the first claim wins.
        assert!(s.claim(a, t(260)).await.unwrap(), "{}", db.label);
        assert!(!s.claim(a, t(260)).await.unwrap(), "{}", db.label);
        let due: Vec<_> = s.due(t(200), 10).await.unwrap();
        assert_eq!(due.len(), 1, "{}", db.label);

        s.retry_later(a.id, t(500), "451 4.3.0 try later")
            .await
            .unwrap();
        let all = s.queued().await.unwrap();
        assert_eq!(all.len(), 2);
        assert_eq!(all[0].attempts, 1);
        assert_eq!(all[0].last_error, "451 4.3.0 try later");
        assert_eq!(all[0].next_attempt, t(500));

        s.dequeue(a.id).await.unwrap();
        assert!(s.queued_body(a.id).await.unwrap().is_none());
        let left = s.queued().await.unwrap();
        assert_eq!(left.len(), 1, "{}", db.label);
        assert_eq!(left[0].recipient, "b@far.example");
    }
}

#[tokio::test]
async fn bounces_are_counted_per_sender_in_hourly_windows() {
    for db in both().await {
        let s = &db.store;
        let hour = 3_600;
        for n in 1..=3 {
            let count = s.count_bounce("ann@x.com", t(100 + n), t(0)).await.unwrap();
            assert_eq!(count, n as u32, "{}", db.label);
        }
        assert_eq!(s.count_bounce("bob@x.com", t(104), t(0)).await.unwrap(), 1);
        // ann's window began at 101: an hour later it is over and counting starts again.
        let later = 101 + hour + 1;
        let count = s
            .count_bounce("ann@x.com", t(later), t(later - hour))
            .await
            .unwrap();
        assert_eq!(count, 1, "{}", db.label);
        let count = s
            .count_bounce("ann@x.com", t(later + 1), t(later + 1 - hour))
            .await
            .unwrap();
        assert_eq!(count, 2, "{}", db.label);
    }
}

const BODIES: &str = "SELECT COUNT(*) FROM outbound_bodies";
const BODY_BYTES: &str = "SELECT CAST(COALESCE(SUM(size), 0) AS BIGINT) FROM outbound_bodies";

#[tokio::test]
async fn a_message_to_many_recipients_keeps_one_body_until_its_last_row_goes() {
    for db in both().await {
        let s = &db.store;
        let body = b"Subject: to all\r\n\r\nhi\r\n".to_vec();
        let message = NewOutbound {
            sender: "ann@example.com".into(),
            recipients: (0..5).map(|n| format!("r{n}@far.example")).collect(),
            body: body.clone(),
            charge: None,
            created_at: t(100),
        };
        s.enqueue(&message).await.unwrap();
        // The same bytes queued again (a resend) share the body too.
        s.enqueue(&NewOutbound {
            recipients: vec!["late@far.example".into()],
            ..message.clone()
        })
        .await
        .unwrap();
        let rows = s.queued().await.unwrap();
        assert_eq!(rows.len(), 6, "{}", db.label);
        assert!(rows.iter().all(|r| r.size == body.len() as i64));
        assert_eq!(db.count(BODIES).await, 1, "{}", db.label);
        assert_eq!(db.count(BODY_BYTES).await, body.len() as i64);
        for row in &rows[..5] {
            assert_eq!(s.queued_body(row.id).await.unwrap().unwrap(), body);
            s.dequeue(row.id).await.unwrap();
            assert_eq!(db.count(BODIES).await, 1, "{}", db.label);
        }
        assert_eq!(s.queued_body(rows[5].id).await.unwrap().unwrap(), body);
        s.dequeue(rows[5].id).await.unwrap();
        assert_eq!(db.count(BODIES).await, 0, "{}", db.label);
        // Dequeuing a row that is gone is no error.
        s.dequeue(rows[5].id).await.unwrap();
    }
}

/// A submission's queued body counts against its sender's quota once, however many
/// recipients, until its last row goes; one that does not fit is refused and nothing queued.
#[tokio::test]
async fn a_queued_body_counts_against_its_senders_quota_until_it_goes() {
    for db in both().await {
        let s = &db.store;
        let m = mailbox_with_quota(s, 1_000).await;
        let used = || async { s.mailbox(m.id).await.unwrap().unwrap().used_bytes };
        let message = NewOutbound {
            sender: m.address.as_str().to_owned(),
            recipients: vec!["a@far.example".into(), "b@far.example".into()],
            body: vec![b'x'; 600],
            charge: Some(m.id),
            created_at: t(100),
        };
        s.enqueue(&message).await.unwrap();
        assert_eq!(used().await, 600, "{}", db.label);
        // The same body again for another recipient shares the charge.
        s.enqueue(&NewOutbound {
            recipients: vec!["c@far.example".into()],
            ..message.clone()
        })
        .await
        .unwrap();
        assert_eq!(used().await, 600, "{}", db.label);
        // Another body that does not fit: refused whole.
        let other = NewOutbound {
            body: vec![b'y'; 500],
            ..message.clone()
        };
        let refused = s.enqueue(&other).await.unwrap_err();
        assert!(
            matches!(refused, StoreError::LimitReached(_)),
            "{refused:?}"
        );
        assert_eq!(s.queued().await.unwrap().len(), 3, "{}", db.label);
        for row in s.queued().await.unwrap() {
            s.dequeue(row.id).await.unwrap();
        }
        assert_eq!(used().await, 0, "{}", db.label);
        s.enqueue(&other).await.unwrap();
        assert_eq!(used().await, 500, "{}", db.label);
    }
}
