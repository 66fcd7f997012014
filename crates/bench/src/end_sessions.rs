use crate::quantile;
use std::sync::Arc;
use std::time::Instant;
use trekmail_core::audit::Channel;
use trekmail_core::auth::Authenticated;
use trekmail_core::sessions::SessionRegistry;
use trekmail_testkit::{Backend, PASSWORD, TestNode, fresh_database, seed_account, seed_mailbox};

const TOTAL: usize = 10_000;
const TARGET: usize = 1_000;
const ROUNDS: usize = 100;

/// Opens `n` connections of `auth`, each held by a task that closes it when it is ended, as a
/// real IMAP connection does.
async fn hold(registry: &Arc<SessionRegistry>, auth: &Authenticated, n: usize) {
    for _ in 0..n {
        let session = registry
            .open_connection(auth, Channel::Imap, None)
            .await
            .expect("open");
        tokio::spawn(async move {
            session.ended().await;
            drop(session);
        });
    }
}

pub async fn run(backend: Backend) -> anyhow::Result<()> {
    let node = TestNode::start(&fresh_database(backend).await, Default::default()).await;
    let core = &node.core;
    let registry = core.registry();
    let account = seed_account(core, "owner@example.com").await;
    let mut auths = Vec::new();
    for i in 0..(TOTAL / TARGET) {
        let address = format!("box{i}@example.com");
        seed_mailbox(core, account, &address).await;
        auths.push(
            core.door()
                .password_and_code(Channel::Imap, &address, PASSWORD, None)
                .await?,
        );
    }
    for auth in &auths {
        hold(registry, auth, TARGET).await;
    }
    let target = &auths[0];
    let mut samples = Vec::with_capacity(ROUNDS);
    for _ in 0..ROUNDS {
        let started = Instant::now();
        let ended = registry.end_all(target.principal(), None).await?;
        samples.push(started.elapsed().as_secs_f64() * 1000.0);
        assert_eq!(ended as usize, TARGET);
        assert_eq!(registry.local_count(), TOTAL - TARGET);
        hold(registry, target, TARGET).await;
    }
    samples.sort_by(f64::total_cmp);
    let name = match backend {
        Backend::Sqlite => "SQLite",
        Backend::Postgres => "PostgreSQL",
    };
    println!(
        "| end all sessions of a mailbox ({TARGET} of {TOTAL} live, {ROUNDS} rounds) | {name} | p50 {:.2} ms, p99 {:.2} ms | p99 < 5 ms |",
        quantile(&samples, 0.5),
        quantile(&samples, 0.99)
    );
    Ok(())
}
