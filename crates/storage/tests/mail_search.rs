//! Webmail search's store call on both databases: a folder's messages by arrival, newest
//! first (internal date, then UID), in bounded batches that page without gaps or repeats,
//! within the window's days, and only that folder's.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: failing loudly is the point

mod common;

use common::*;
use trekmail_core::mail::{FolderId, INBOX};
use trekmail_core::store::{Arrival, ArrivalWindow, MessageStore, SearchStore};

fn arrival(seconds: i64, uid: u32) -> Arrival {
    Arrival {
        internal_date: t(seconds),
        uid,
    }
}

/// `(seconds, uid)` of each arrival, for readable failures.
fn plain(arrivals: &[Arrival]) -> Vec<(i64, u32)> {
    arrivals
        .iter()
        .map(|a| (a.internal_date.timestamp(), a.uid))
        .collect()
}

#[tokio::test]
async fn arrivals_come_newest_first_in_batches_without_gaps_or_repeats() {
    for db in both().await {
        let s = &db.store;
        let (_, _, m) = mailbox_fixture(s).await;
        let inbox = folder(s, m.id, INBOX).await;
        let archive = folder(s, m.id, "Archive").await;
        // Arrival order is not UID order; UIDs 2, 3 and 5 arrived in the same second; one
        // message is from before 1970.
        let dates = [500, 900, 900, 100, 900, -7_000, 700];
        for (n, seconds) in (1u64..).zip(dates) {
            let mut new = message(n, 10, &[]);
            new.internal_date = t(seconds);
            s.append(inbox.id, &new).await.unwrap();
        }
        s.append(archive.id, &message(50, 10, &[])).await.unwrap();
        let everything = s
            .arrivals(inbox.id, &ArrivalWindow::default(), 100)
            .await
            .unwrap();
        let order = [
            (900, 5),
            (900, 3),
            (900, 2),
            (700, 7),
            (500, 1),
            (100, 4),
            (-7_000, 6),
        ];
        assert_eq!(plain(&everything), order, "{}", db.label);
        // Two at a time, each batch after the last one's end: the same order, once each.
        let mut paged = Vec::new();
        let mut window = ArrivalWindow::default();
        loop {
            let batch = s.arrivals(inbox.id, &window, 2).await.unwrap();
            assert!(batch.len() <= 2, "{}", db.label);
            let Some(last) = batch.last() else { break };
            window.older_than = Some(*last);
            paged.extend(batch);
        }
        assert_eq!(plain(&paged), order, "{}", db.label);
        // After a place inside the same second: only the lower UIDs of that second, then
        // the older ones.
        let after = ArrivalWindow {
            since: None,
            older_than: Some(arrival(900, 3)),
        };
        let rest = s.arrivals(inbox.id, &after, 3).await.unwrap();
        assert_eq!(plain(&rest), [(900, 2), (700, 7), (500, 1)], "{}", db.label);
        // UID 0 as the place: strictly before that instant.
        let before = ArrivalWindow {
            since: None,
            older_than: Some(arrival(700, 0)),
        };
        let older = s.arrivals(inbox.id, &before, 100).await.unwrap();
        assert_eq!(
            plain(&older),
            [(500, 1), (100, 4), (-7_000, 6)],
            "{}",
            db.label
        );
        // `since` is inclusive, and both bounds together leave the days between.
        let between = ArrivalWindow {
            since: Some(t(100)),
            older_than: Some(arrival(900, 0)),
        };
        let days = s.arrivals(inbox.id, &between, 100).await.unwrap();
        assert_eq!(plain(&days), [(700, 7), (500, 1), (100, 4)], "{}", db.label);
        // Only the folder's own messages; a folder that does not exist has none.
        let other = s
            .arrivals(archive.id, &ArrivalWindow::default(), 100)
            .await
            .unwrap();
        assert_eq!(plain(&other), [(1_000_050, 1)], "{}", db.label);
        let none = s
            .arrivals(FolderId(i64::MAX), &ArrivalWindow::default(), 100)
            .await
            .unwrap();
        assert!(none.is_empty(), "{}", db.label);
        // An expunged message is gone from the arrivals too.
        s.store_flags(
            inbox.id,
            &[5],
            trekmail_core::mail::FlagChange::Add,
            &trekmail_core::mail::Flags::new(["\\Deleted"]),
            None,
        )
        .await
        .unwrap();
        s.expunge(inbox.id, None).await.unwrap();
        let after_expunge = s
            .arrivals(inbox.id, &ArrivalWindow::default(), 2)
            .await
            .unwrap();
        assert_eq!(plain(&after_expunge), [(900, 3), (900, 2)], "{}", db.label);
    }
}
