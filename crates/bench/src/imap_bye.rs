//! IMAP: the time from a password save to the last of the mailbox's 1,000 live IDLE
//! connections closed, each after its `* BYE`; and where the time goes: the save's own call
//! (hash, store change, ending the sessions) against the connections' closing.
//!
//! The node's Argon2 cost is cut down so that 1,000 sign-ins a round take seconds, not
//! minutes; the production hash of the new password is timed alone and reported beside.

use crate::imap_memory::{cheap_node, expect, options_for};
use crate::quantile;
use std::time::Instant;
use tokio::io::AsyncWriteExt;
use tokio::net::TcpStream;
use tokio_util::sync::CancellationToken;
use trekmail_core::services::Actor;
use trekmail_imap::ImapServer;
use trekmail_testkit::Backend;

const CONNECTIONS: usize = 1_000;
const ROUNDS: usize = 20;

/// A connection signed in as ann@example.com, INBOX selected, in IDLE.
async fn idle_client(port: u16, password: &str) -> anyhow::Result<TcpStream> {
    let mut tcp = TcpStream::connect(("127.0.0.1", port)).await?;
    expect(&mut tcp, b"* OK").await?;
    tcp.write_all(format!("a LOGIN ann@example.com {password}\r\n").as_bytes())
        .await?;
    expect(&mut tcp, b"a OK").await?;
    tcp.write_all(b"b SELECT INBOX\r\nc IDLE\r\n").await?;
    expect(&mut tcp, b"+").await?;
    Ok(tcp)
}

/// Reads to the end of the stream, which must hold a `* BYE`; in chunks, so the clients' own
/// reading costs little of the CPU the server needs.
async fn bye_then_close(mut tcp: TcpStream) -> anyhow::Result<Instant> {
    let mut seen = Vec::new();
    let mut chunk = [0u8; 512];
    loop {
        match tokio::io::AsyncReadExt::read(&mut tcp, &mut chunk).await? {
            0 => break,
            n => seen.extend_from_slice(&chunk[..n]),
        }
    }
    let at = Instant::now();
    anyhow::ensure!(
        seen.windows(5).any(|w| w == b"* BYE"),
        "closed without BYE: {}",
        String::from_utf8_lossy(&seen)
    );
    Ok(at)
}

pub async fn run() -> anyhow::Result<()> {
    let seeded = cheap_node(Backend::Sqlite).await;
    let core = seeded.node.core.clone();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let port = listener.local_addr()?.port();
    let shutdown = CancellationToken::new();
    let server = ImapServer::new(core.clone(), options_for(CONNECTIONS), None);
    tokio::spawn(server.serve(listener, false, shutdown.clone()));

    let production = trekmail_core::security::password_hasher::PasswordHasher::for_this_machine();
    let mut hashes = Vec::new();
    let mut closed = Vec::new();
    let mut returned = Vec::new();
    let mut password = trekmail_testkit::PASSWORD.to_owned();
    for round in 0..ROUNDS {
        let mut clients = Vec::with_capacity(CONNECTIONS);
        for _ in 0..CONNECTIONS {
            clients.push(idle_client(port, &password).await?);
        }
        let new_password = format!("Bench-round-{round}-pass");
        let hashing = Instant::now();
        production.hash(&new_password).await?;
        hashes.push(hashing.elapsed().as_secs_f64() * 1000.0);
        let waiters: Vec<_> = clients
            .into_iter()
            .map(|c| tokio::spawn(bye_then_close(c)))
            .collect();
        let started = Instant::now();
        core.set_mailbox_password(
            trekmail_testkit::operator().scope(),
            seeded.mailbox.id,
            &new_password,
            &Actor::operator(),
        )
        .await?;
        returned.push(started.elapsed().as_secs_f64() * 1000.0);
        let mut last = started;
        for w in waiters {
            last = last.max(w.await??);
        }
        closed.push(last.duration_since(started).as_secs_f64() * 1000.0);
        password = new_password;
    }
    // The same save with no connection live: the hash at test cost, the store change and the
    // audit row, to tell them apart from ending 1,000 connections.
    let mut bare = Vec::new();
    for round in 0..ROUNDS {
        let started = Instant::now();
        core.set_mailbox_password(
            trekmail_testkit::operator().scope(),
            seeded.mailbox.id,
            &format!("Bench-bare-{round}-pass"),
            &Actor::operator(),
        )
        .await?;
        bare.push(started.elapsed().as_secs_f64() * 1000.0);
    }
    shutdown.cancel();
    for samples in [&mut hashes, &mut closed, &mut returned, &mut bare] {
        samples.sort_by(f64::total_cmp);
    }
    println!(
        "| IMAP: password save to the last of {CONNECTIONS} IDLE connections closed after BYE ({ROUNDS} rounds; node's hash at test cost) | SQLite | p50 {:.1} ms, p99 {:.1} ms (the save's call returns at p50 {:.1} ms) | p99 < 10 ms |",
        quantile(&closed, 0.5),
        quantile(&closed, 0.99),
        quantile(&returned, 0.5),
    );
    println!(
        "| the same save with no connection live (hash at test cost, store change, audit) | SQLite | p50 {:.1} ms, p99 {:.1} ms | - |",
        quantile(&bare, 0.5),
        quantile(&bare, 0.99),
    );
    println!(
        "| Argon2id hash of the new password at production cost, alone (add to the row above) | - | p50 {:.1} ms, p99 {:.1} ms | - |",
        quantile(&hashes, 0.5),
        quantile(&hashes, 0.99),
    );
    Ok(())
}
