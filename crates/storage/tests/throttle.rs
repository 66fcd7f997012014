//! Sign-in failure counters on both databases: counted in order, started over when idle,
//! forgiven and pruned.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: failing loudly is the point

mod common;

use common::*;
use trekmail_core::store::{FailureCount, ThrottleStore};

fn keys(names: &[&str]) -> Vec<String> {
    names.iter().map(|s| (*s).to_owned()).collect()
}

#[tokio::test]
async fn failures_count_up_start_over_and_are_forgiven() {
    for db in both().await {
        let s = &db.store;
        let both = keys(&["l|203.0.113.7|ann@x.com", "i|203.0.113.7"]);
        assert_eq!(s.failure_counts(&both).await.unwrap(), vec![None, None]);
        for n in 1..=3 {
            assert_eq!(
                s.count_failure(&both, t(100 + n), t(0)).await.unwrap(),
                vec![n as u32, n as u32],
                "{}",
                db.label
            );
        }
        // Another login from the same IP: its own count, the IP's goes on.
        let other = keys(&["l|203.0.113.7|bob@x.com", "i|203.0.113.7"]);
        assert_eq!(
            s.count_failure(&other, t(104), t(0)).await.unwrap(),
            vec![1, 4]
        );
        assert_eq!(
            s.failure_counts(&both).await.unwrap(),
            vec![
                Some(FailureCount {
                    failures: 3,
                    last_failure: t(103)
                }),
                Some(FailureCount {
                    failures: 4,
                    last_failure: t(104)
                }),
            ],
            "{}",
            db.label
        );
        // Idle since before the forget time: counting starts over.
        assert_eq!(
            s.count_failure(&both, t(5000), t(1000)).await.unwrap(),
            vec![1, 1]
        );
        s.forgive("l|203.0.113.7|ann@x.com").await.unwrap();
        s.forgive("l|nobody").await.unwrap();
        assert_eq!(s.failure_counts(&both).await.unwrap()[0], None);
        // Pruning drops what is older than the cut, keeps the rest.
        assert_eq!(s.prune_failures(t(4000)).await.unwrap(), 1, "{}", db.label);
        assert_eq!(s.failure_counts(&other).await.unwrap()[0], None);
        assert!(s.failure_counts(&both).await.unwrap()[1].is_some());
    }
}

#[tokio::test]
async fn concurrent_failures_are_each_counted() {
    for db in both().await {
        let key = keys(&["i|198.51.100.9"]);
        let tasks: Vec<_> = (0..20)
            .map(|_| {
                let store = db.store.clone();
                let key = key.clone();
                tokio::spawn(async move { store.count_failure(&key, t(10), t(0)).await })
            })
            .collect();
        let mut seen = Vec::new();
        for task in tasks {
            seen.extend(task.await.unwrap().unwrap());
        }
        seen.sort_unstable();
        assert_eq!(seen, (1..=20).collect::<Vec<u32>>(), "{}", db.label);
    }
}
