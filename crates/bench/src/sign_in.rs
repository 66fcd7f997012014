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
    let started = Instant::now();
    for _ in 0..HASH_SAMPLES {
        hasher.verify(PASSWORD, &phc).await?;
    }
    let one_hash = started.elapsed().as_secs_f64() / f64::from(HASH_SAMPLES);
    let limit = cores as f64 / one_hash;

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
        "| one Argon2id verify (m=19 MiB, t=2, p=1) | - | {:.1} ms | - |",
        one_hash * 1000.0
    );
    println!(
        "| sign-ins through the door, {CLIENTS} clients, {}s | SQLite | {rate:.1}/s = {:.0}% of the Argon2 limit {limit:.1}/s | within 10% |",
        RUN_FOR.as_secs(),
        rate / limit * 100.0
    );
    Ok(())
}
