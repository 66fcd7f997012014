//! Header summaries on both databases: stored with a message, carried by COPY and MOVE, gone
//! with an expunge or the folder, absent (not wrong) for messages stored without one.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: failing loudly is the point

mod common;

use common::*;
use sqlx::{AnyConnection, Connection};
use trekmail_core::mail::{
    FieldHolds, FlagChange, Flags, FolderId, HeaderSummary, INBOX, MessageMeta, SummaryField,
};
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

/// Makes a message one stored before summaries were kept.
async fn unsummarised(url: &str, folder: FolderId, uid: i64) {
    let mut conn = AnyConnection::connect(url).await.unwrap();
    sqlx::query("DELETE FROM header_summaries WHERE folder_id = $1 AND uid = $2")
        .bind(folder.0)
        .bind(uid)
        .execute(&mut conn)
        .await
        .unwrap();
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
        unsummarised(&db.url, inbox.id, 3).await;
        let read = s
            .messages_with_summaries(inbox.id, &[1, 2, 3, 4, 9], None)
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
            .messages_with_summaries(archive.id, &[1, 2, 3], None)
            .await
            .unwrap();
        assert_eq!(
            subjects(&moved),
            [(1, some("hello 1")), (2, some("hello 2")), (3, None)],
            "{}",
            db.label
        );
        let left = s
            .messages_with_summaries(inbox.id, &[1, 2, 3, 4], None)
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

/// The UIDs a narrowing lets through.
async fn through(
    s: &dyn MessageStore,
    folder: FolderId,
    uids: &[u32],
    field: SummaryField,
    needle: &str,
) -> Vec<u32> {
    let holds = FieldHolds {
        field,
        needle: needle.to_owned(),
    };
    let read = s
        .messages_with_summaries(folder, uids, Some(&holds))
        .await
        .unwrap();
    read.iter().map(|(m, _)| m.uid).collect()
}

#[tokio::test]
async fn a_header_narrowing_lets_through_what_can_match_and_what_has_no_summary() {
    for db in both().await {
        let s = &db.store;
        let (_, _, m) = mailbox_fixture(s).await;
        let inbox = folder(s, m.id, INBOX).await;
        let texts = [
            "Rise of 50% today",
            "Rise of 500 today",
            "snake_case",
            "snakeXcase",
            "a\\b",
        ];
        for (n, text) in (1u64..).zip(texts) {
            let mut new = message(n, 10, &[]);
            new.summary = summary(text);
            s.append(inbox.id, &new).await.unwrap();
        }
        // The sixth as a message stored before summaries were kept: always let through.
        s.append(inbox.id, &message(6, 10, &[])).await.unwrap();
        unsummarised(&db.url, inbox.id, 6).await;
        let uids: Vec<u32> = (1..=6).collect();
        let cases: [(SummaryField, &str, &[u32]); 7] = [
            // LIKE's own characters in the needle are plain text.
            (SummaryField::Subject, "50%", &[1, 6]),
            (SummaryField::Subject, "snake_", &[3, 6]),
            (SummaryField::Subject, "a\\b", &[5, 6]),
            (SummaryField::Subject, "rise of", &[1, 2, 6]),
            // The field asked for, not another one.
            (SummaryField::From, "rise", &[6]),
            (SummaryField::From, "a@example.net", &[1, 2, 3, 4, 5, 6]),
            (SummaryField::Cc, "a", &[6]),
        ];
        for (field, needle, want) in cases {
            let got = through(s, inbox.id, &uids, field, needle).await;
            assert_eq!(got, want, "{}: {field:?} holding {needle:?}", db.label);
        }
    }
}
