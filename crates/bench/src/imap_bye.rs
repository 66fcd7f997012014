//! IMAP: memory per idle signed-in connection, and the time from a password save to the last of
//! the mailbox's live connections closed (each got `* BYE`).

use crate::quantile;
use std::time::{Duration, Instant};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;
use tokio_util::sync::CancellationToken;
use trekmail_core::services::{Actor, Scope};
use trekmail_imap::{ImapOptions, ImapServer};
use trekmail_testkit::{Backend, PASSWORD, Seeded, TestNode};

const CONNECTIONS: usize = 1_000;
const ROUNDS: usize = 3;

type Client = BufReader<TcpStream>;

async fn expect(client: &mut Client, prefix: &str) -> anyhow::Result<()> {
    let mut line = String::new();
    loop {
        line.clear();
        if client.read_line(&mut line).await? == 0 {
            anyhow::bail!("closed while waiting for {prefix}");
        }
        if line.starts_with(prefix) {
            return Ok(());
        }
    }
}

/// A connection signed in as ann@example.com, INBOX selected, in IDLE.
async fn idle_client(port: u16, password: &str) -> anyhow::Result<Client> {
    let mut client = BufReader::new(TcpStream::connect(("127.0.0.1", port)).await?);
    expect(&mut client, "* OK").await?;
    let login = format!("a LOGIN ann@example.com {password}\r\n");
    client.get_mut().write_all(login.as_bytes()).await?;
    expect(&mut client, "a OK").await?;
    client.get_mut().write_all(b"b SELECT INBOX\r\n").await?;
    expect(&mut client, "b OK").await?;
    client.get_mut().write_all(b"c IDLE\r\n").await?;
    expect(&mut client, "+").await?;
    Ok(client)
}

/// Resident memory of this process, in bytes.
fn rss() -> u64 {
    let statm = std::fs::read_to_string("/proc/self/statm").unwrap_or_default();
    let pages: u64 = statm
        .split_whitespace()
        .nth(1)
        .and_then(|p| p.parse().ok())
        .unwrap_or(0);
    pages * 4096
}

pub async fn run() -> anyhow::Result<()> {
    let seeded = Seeded::on(TestNode::fresh(Backend::Sqlite).await).await;
    let core = seeded.node.core.clone();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let port = listener.local_addr()?.port();
    let shutdown = CancellationToken::new();
    let server = ImapServer::new(core.clone(), ImapOptions::default(), None);
    tokio::spawn(server.serve(listener, false, shutdown.clone()));

    let hasher = trekmail_core::security::password_hasher::PasswordHasher::for_this_machine();
    let mut samples = Vec::new();
    let mut after_hash = Vec::new();
    let mut per_connection = 0.0;
    let mut password = PASSWORD.to_owned();
    for round in 0..ROUNDS {
        let before = rss();
        let mut clients = Vec::with_capacity(CONNECTIONS);
        for _ in 0..CONNECTIONS {
            clients.push(idle_client(port, &password).await?);
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
        if round == 0 {
            per_connection = (rss().saturating_sub(before)) as f64 / CONNECTIONS as f64;
        }
        let new_password = format!("Bench-round-{round}-pass");
        // One hash's time now, to tell the hashing apart from the ending.
        let hashing = Instant::now();
        hasher.hash(&new_password).await?;
        let hash_ms = hashing.elapsed().as_secs_f64() * 1000.0;
        let started = Instant::now();
        let waiters: Vec<_> = clients
            .into_iter()
            .map(|mut c| {
                tokio::spawn(async move {
                    expect(&mut c, "* BYE").await?;
                    let mut rest = String::new();
                    anyhow::ensure!(c.read_line(&mut rest).await? == 0, "not closed after BYE");
                    anyhow::Ok(())
                })
            })
            .collect();
        core.set_mailbox_password(
            Scope::Operator,
            seeded.mailbox.id,
            &new_password,
            &Actor::operator(),
        )
        .await?;
        for w in waiters {
            w.await??;
        }
        let total = started.elapsed().as_secs_f64() * 1000.0;
        samples.push(total);
        after_hash.push(total - hash_ms);
        password = new_password;
    }
    shutdown.cancel();
    samples.sort_by(f64::total_cmp);
    after_hash.sort_by(f64::total_cmp);
    println!(
        "| IMAP: memory per idle signed-in connection ({CONNECTIONS} held, server and client in one process) | SQLite | {:.1} KiB | < 16 KiB |",
        per_connection / 1024.0
    );
    println!(
        "| IMAP: password save to the last of {CONNECTIONS} IDLE connections closed with BYE ({ROUNDS} rounds) | SQLite | best {:.1} ms, worst {:.1} ms; without the new password's Argon2 hash: best {:.1} ms, worst {:.1} ms | p99 < 10 ms |",
        quantile(&samples, 0.0),
        quantile(&samples, 1.0),
        quantile(&after_hash, 0.0),
        quantile(&after_hash, 1.0)
    );
    Ok(())
}
