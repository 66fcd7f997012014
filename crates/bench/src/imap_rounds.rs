//! IMAP: LOGIN + SELECT + FETCH + LOGOUT rounds per second, each on a fresh connection, at the
//! production Argon2 cost; the hash is the bound, so the figure is set against the hasher
//! alone (see the sign-in rows).

use crate::imap_memory::expect;
use std::time::{Duration, Instant};
use tokio::io::AsyncWriteExt;
use tokio::net::TcpStream;
use tokio_util::sync::CancellationToken;
use trekmail_imap::{ImapOptions, ImapServer};
use trekmail_testkit::{Backend, NodeOptions, PASSWORD, Seeded, TestNode, fresh_database};

const CLIENTS: usize = 16;
const RUN_FOR: Duration = Duration::from_secs(6);

async fn round(port: u16) -> anyhow::Result<()> {
    let mut tcp = TcpStream::connect(("127.0.0.1", port)).await?;
    expect(&mut tcp, b"* OK").await?;
    tcp.write_all(format!("a LOGIN ann@example.com {PASSWORD}\r\n").as_bytes())
        .await?;
    expect(&mut tcp, b"a OK").await?;
    tcp.write_all(b"b SELECT INBOX\r\nc FETCH 1:* (FLAGS UID RFC822.SIZE BODY.PEEK[HEADER] BODYSTRUCTURE)\r\nd LOGOUT\r\n")
        .await?;
    expect(&mut tcp, b"d OK").await?;
    Ok(())
}

pub async fn run() -> anyhow::Result<()> {
    let options = NodeOptions {
        throttle: crate::imap_memory::one_address_throttle(),
        ..NodeOptions::default()
    };
    let url = fresh_database(Backend::Sqlite).await;
    let production =
        rounds_per_second(Seeded::on(TestNode::start(&url, options).await).await).await?;
    println!(
        "| IMAP: LOGIN + SELECT + FETCH (10 messages) + LOGOUT rounds, each on a new connection, {CLIENTS} clients, production Argon2 | SQLite | {production:.0} /s | bound by the hasher (sign-in rows) |"
    );
    let cheap = rounds_per_second(crate::imap_memory::cheap_node(Backend::Sqlite).await).await?;
    println!(
        "| the same rounds with the hash at test cost: the protocol's and the store's own cost | SQLite | {cheap:.0} /s | - |"
    );
    Ok(())
}

pub async fn rounds_per_second(seeded: Seeded) -> anyhow::Result<f64> {
    let core = seeded.node.core.clone();
    for i in 0..10 {
        let body = format!("From: bob@example.net\r\nSubject: {i}\r\n\r\nHello\r\n");
        core.deliver(&seeded.mailbox.address, body.as_bytes())
            .await?;
    }
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let port = listener.local_addr()?.port();
    let shutdown = CancellationToken::new();
    let server = ImapServer::new(core, ImapOptions::default(), None);
    tokio::spawn(server.serve(listener, false, shutdown.clone()));
    let deadline = Instant::now() + RUN_FOR;
    let started = Instant::now();
    let mut workers = Vec::new();
    for _ in 0..CLIENTS {
        workers.push(tokio::spawn(async move {
            let mut done = 0u64;
            while Instant::now() < deadline {
                round(port).await?;
                done += 1;
            }
            anyhow::Ok(done)
        }));
    }
    let mut total = 0;
    for w in workers {
        total += w.await??;
    }
    shutdown.cancel();
    Ok(total as f64 / started.elapsed().as_secs_f64())
}
