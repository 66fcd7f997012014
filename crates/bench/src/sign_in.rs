use std::sync::Arc;
use std::time::{Duration, Instant};
use trekmail_core::audit::Channel;
use trekmail_core::security::password_hasher::PasswordHasher;
use trekmail_testkit::{Backend, PASSWORD, TestNode, fresh_database, seed_account, seed_mailbox};

const HASH_SAMPLES: u32 = 20;
const RUN_FOR: Duration = Duration::from_secs(6);
const CLIENTS: usize = 16;

pub async fn run(cores: usize) -> anyhow::Result<()> {
    // One hash's time, alone on one core.
    let hasher = PasswordHasher::for_this_machine();
    let phc = hasher.hash(PASSWORD).await?;
    let mut samples = Vec::new();
    for i in 0..HASH_SAMPLES + 5 {
        let started = Instant::now();
        hasher.verify(PASSWORD, &phc).await?;
        // The first few warm the blocking pool and the CPU up.
        if i >= 5 {
            samples.push(started.elapsed().as_secs_f64());
        }
    }
    samples.sort_by(f64::total_cmp);
    let one_hash = crate::quantile(&samples, 0.5);
    let limit = cores as f64 / one_hash;

    // The hasher alone with every core busy: what the door could reach at best.
    let deadline = Instant::now() + RUN_FOR / 2;
    let started = Instant::now();
    let mut hashers = Vec::new();
    for _ in 0..CLIENTS {
        let (hasher, phc) = (hasher.clone(), phc.clone());
        hashers.push(tokio::spawn(async move {
            let mut done = 0u64;
            while Instant::now() < deadline {
                hasher.verify(PASSWORD, &phc).await.expect("verify");
                done += 1;
            }
            done
        }));
    }
    let mut hashed = 0;
    for h in hashers {
        hashed += h.await?;
    }
    let raw = hashed as f64 / started.elapsed().as_secs_f64();

    let node = TestNode::start(&fresh_database(Backend::Sqlite).await, Default::default()).await;
    let account = seed_account(&node.core, "owner@example.com").await;
    for i in 0..CLIENTS {
        seed_mailbox(&node.core, account, &format!("user{i}@example.com")).await;
    }
    let core = node.core.clone();
    let deadline = Instant::now() + RUN_FOR;
    let started = Instant::now();
    let mut clients = Vec::new();
    for i in 0..CLIENTS {
        let core = Arc::clone(&core);
        clients.push(tokio::spawn(async move {
            let address = format!("user{i}@example.com");
            let mut done = 0u64;
            while Instant::now() < deadline {
                core.door()
                    .password_and_code(Channel::Imap, &address, PASSWORD, None)
                    .await
                    .expect("sign-in");
                done += 1;
            }
            done
        }));
    }
    let mut total = 0;
    for c in clients {
        total += c.await?;
    }
    let rate = total as f64 / started.elapsed().as_secs_f64();
    println!(
        "| one Argon2id verify alone (m=19 MiB, t=2, p=1), median | - | {:.1} ms | - |",
        one_hash * 1000.0
    );
    println!(
        "| Argon2id verifies alone, {CLIENTS} callers on {cores} cores | - | {raw:.1}/s = {:.0}% of {cores} ÷ one hash = {limit:.1}/s | - |",
        raw / limit * 100.0
    );
    println!(
        "| sign-ins through the door, {CLIENTS} clients, {}s | SQLite | {rate:.1}/s = {:.0}% of {cores} ÷ one hash; {:.0}% of the hasher alone | within 10% of {cores} ÷ one hash |",
        RUN_FOR.as_secs(),
        rate / limit * 100.0,
        rate / raw * 100.0
    );
    Ok(())
}
