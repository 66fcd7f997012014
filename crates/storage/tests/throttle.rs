//! Sign-in failure counters on both databases: reserved before a secret is checked (a burst
//! counts like a sequence), started over when idle, refunded, forgiven and pruned; and the
//! trusted sources beside them.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: failing loudly is the point

mod common;

use common::*;
use trekmail_core::store::{FailureCount, ThrottleStore};

fn keys(names: &[&str]) -> Vec<String> {
    names.iter().map(|s| (*s).to_owned()).collect()
}

/// The counters as they stand: a reservation that is refused reads them and counts nothing.
async fn standing(s: &impl ThrottleStore, keys: &[String]) -> Vec<Option<FailureCount>> {
    let no = |_: &[Option<FailureCount>]| false;
    s.reserve_attempt(keys, t(0), t(0), &no).await.unwrap().0
}

fn failures(counts: &[Option<FailureCount>]) -> Vec<u32> {
    counts.iter().map(|c| c.map_or(0, |c| c.failures)).collect()
}

#[tokio::test]
async fn reservations_count_up_start_over_refund_and_are_forgiven() {
    for db in both().await {
        let (s, label) = (&db.store, &db.label);
        let yes = |_: &[Option<FailureCount>]| true;
        let no = |_: &[Option<FailureCount>]| false;
        let both = keys(&["l|203.0.113.7|ann@x.com", "i|203.0.113.7"]);
        assert_eq!(standing(s, &both).await, vec![None, None]);
        for n in 0..3 {
            let (read, counted) = s
                .reserve_attempt(&both, t(100 + n), t(0), &yes)
                .await
                .unwrap();
            assert!(counted, "{label}");
            assert_eq!(failures(&read), [n as u32, n as u32], "{label}");
        }
        // Refused: nothing counted, and no row is left behind for a key never counted.
        let fresh = keys(&["l|203.0.113.7|bob@x.com", "i|203.0.113.7"]);
        let (read, counted) = s.reserve_attempt(&fresh, t(104), t(0), &no).await.unwrap();
        assert!(!counted);
        assert_eq!(failures(&read), [0, 3], "{label}");
        assert_eq!(standing(s, &fresh).await[0], None, "{label}");
        assert_eq!(
            standing(s, &both).await[1],
            Some(FailureCount {
                failures: 3,
                last_failure: t(102)
            }),
            "{label}"
        );
        // A right attempt takes its count back; never below zero.
        let (read, _) = s.reserve_attempt(&both, t(103), t(0), &yes).await.unwrap();
        s.refund_attempt(&both, &read, t(103)).await.unwrap();
        assert_eq!(standing(s, &both).await[0].unwrap().last_failure, t(102));
        s.refund_attempt(&both, &read, t(103)).await.unwrap();
        assert_eq!(failures(&standing(s, &both).await), [2, 2]);
        // Idle since before the forget time: read as nothing, counting starts over.
        let (read, _) = s
            .reserve_attempt(&both, t(5000), t(1000), &yes)
            .await
            .unwrap();
        assert_eq!(read, vec![None, None], "{label}");
        assert_eq!(failures(&standing(s, &both).await), [1, 1]);
        s.forgive("l|203.0.113.7|ann@x.com").await.unwrap();
        s.forgive("l|nobody").await.unwrap();
        assert_eq!(standing(s, &both).await[0], None);
        // Pruning drops what is older than the cut, keeps the rest.
        s.reserve_attempt(&keys(&["i|old"]), t(10), t(0), &yes)
            .await
            .unwrap();
        assert_eq!(s.prune_failures(t(4000)).await.unwrap(), 1, "{label}");
        assert!(standing(s, &both).await[1].is_some());
    }
}

#[tokio::test]
async fn a_burst_of_reservations_gets_no_more_than_a_sequence() {
    for db in both().await {
        let key = keys(&["a|ann@x.com", "i|198.51.100.9"]);
        // Three free attempts on the first key, whatever arrives at once.
        let tasks: Vec<_> = (0..40)
            .map(|_| {
                let store = db.store.clone();
                let key = key.clone();
                tokio::spawn(async move {
                    let admit = |c: &[Option<FailureCount>]| c[0].is_none_or(|c| c.failures < 3);
                    store.reserve_attempt(&key, t(10), t(0), &admit).await
                })
            })
            .collect();
        let mut counted = 0;
        for task in tasks {
            counted += u32::from(task.await.unwrap().unwrap().1);
        }
        assert_eq!(counted, 3, "{}", db.label);
        assert_eq!(
            failures(&standing(&db.store, &key).await),
            [3, 3],
            "{}",
            db.label
        );
    }
}

#[tokio::test]
async fn trust_is_remembered_until_pruned() {
    for db in both().await {
        let s = &db.store;
        assert!(!s.trusted("t|203.0.113.7|ann@x.com", t(0)).await.unwrap());
        s.trust("t|203.0.113.7|ann@x.com", t(100)).await.unwrap();
        s.trust("t|203.0.113.7|ann@x.com", t(200)).await.unwrap();
        assert!(s.trusted("t|203.0.113.7|ann@x.com", t(150)).await.unwrap());
        assert!(!s.trusted("t|203.0.113.7|ann@x.com", t(201)).await.unwrap());
        assert!(!s.trusted("t|203.0.113.8|ann@x.com", t(0)).await.unwrap());
        assert_eq!(s.prune_trust(t(300)).await.unwrap(), 1, "{}", db.label);
        assert!(!s.trusted("t|203.0.113.7|ann@x.com", t(0)).await.unwrap());
    }
}
