//! Header summaries on both databases: stored with a message, carried by COPY and MOVE, gone
//! with an expunge or the folder, absent (not wrong) for messages stored without one.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: failing loudly is the point

mod common;

use common::*;
use sqlx::{AnyConnection, Connection};
use trekmail_core::mail::{FlagChange, Flags, HeaderSummary, INBOX, MessageMeta};
use trekmail_core::store::MessageStore;

fn summary(subject: &str) -> HeaderSummary {
    HeaderSummary::of(
        format!(
            "From: A <a@example.net>\r\nSubject: {subject}\r\nDate: 1 Feb 2024 10:00 +0100\r\n\r\nx"
        )
        .as_bytes(),
    )
}

fn subjects(read: &[(MessageMeta, Option<HeaderSummary>)]) -> Vec<(u32, Option<String>)> {
    read.iter()
        .map(|(m, s)| (m.uid, s.as_ref().and_then(|s| s.subject.clone())))
        .collect()
}

async fn summary_rows(url: &str) -> i64 {
    let mut conn = AnyConnection::connect(url).await.unwrap();
    let row: (i64,) = sqlx::query_as("SELECT CAST(COUNT(*) AS BIGINT) FROM header_summaries")
        .fetch_one(&mut conn)
        .await
        .unwrap();
    row.0
}

#[tokio::test]
async fn summaries_live_and_die_with_their_messages() {
    for db in both().await {
        let s = &db.store;
        let (_, _, m) = mailbox_fixture(s).await;
        let inbox = folder(s, m.id, INBOX).await;
        let archive = folder(s, m.id, "Archive").await;
        let before = summary_rows(&db.url).await;
        for n in 1..=4u64 {
            let mut new = message(n, 10, &[]);
            new.summary = summary(&format!("Hello {n}"));
            s.append(inbox.id, &new).await.unwrap();
        }
        // The third as a message stored before summaries were kept.
        let mut conn = AnyConnection::connect(&db.url).await.unwrap();
        sqlx::query("DELETE FROM header_summaries WHERE folder_id = $1 AND uid = 3")
            .bind(inbox.id.0)
            .execute(&mut conn)
            .await
            .unwrap();
        let read = s
            .messages_with_summaries(inbox.id, &[1, 2, 3, 4, 9])
            .await
            .unwrap();
        let some = |t: &str| Some(t.to_owned());
        assert_eq!(
            subjects(&read),
            [
                (1, some("hello 1")),
                (2, some("hello 2")),
                (3, None),
                (4, some("hello 4"))
            ],
            "{}",
            db.label
        );
        assert_eq!(read[0].1, Some(summary("Hello 1")), "{}", db.label);
        assert!(
            read[2].1.is_none(),
            "{}: no summary is not an empty one",
            db.label
        );

        // COPY and MOVE carry the summary to the new UID.
        s.copy_messages(inbox.id, &[1], archive.id).await.unwrap();
        s.move_messages(inbox.id, &[2, 3], archive.id)
            .await
            .unwrap();
        let moved = s
            .messages_with_summaries(archive.id, &[1, 2, 3])
            .await
            .unwrap();
        assert_eq!(
            subjects(&moved),
            [(1, some("hello 1")), (2, some("hello 2")), (3, None)],
            "{}",
            db.label
        );
        let left = s
            .messages_with_summaries(inbox.id, &[1, 2, 3, 4])
            .await
            .unwrap();
        assert_eq!(
            subjects(&left),
            [(1, some("hello 1")), (4, some("hello 4"))]
        );
        assert_eq!(summary_rows(&db.url).await - before, 4, "{}", db.label);

        // Expunged messages and deleted folders leave no summary behind.
        let deleted = Flags::new(["\\Deleted"]);
        s.store_flags(inbox.id, &[1], FlagChange::Add, &deleted, None)
            .await
            .unwrap();
        s.expunge(inbox.id, None).await.unwrap();
        assert_eq!(summary_rows(&db.url).await - before, 3, "{}", db.label);
        s.delete_folder(archive.id).await.unwrap();
        assert_eq!(summary_rows(&db.url).await - before, 1, "{}", db.label);
    }
}
