//! SMTP inbound: messages per second into one hosted mailbox, as smtp-source would send them
//! (20,000 messages of 4 KiB over 20 connections, MAIL/RCPT/DATA pipelined), each body fsync'd
//! and its row committed before its `250`.

use std::sync::Arc;
use std::time::Instant;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;
use tokio_util::sync::CancellationToken;
use trekmail_core::mail::INBOX;
use trekmail_smtp::{Role, Smtp, SmtpOptions};
use trekmail_testkit::{Backend, Seeded, TestNode};

const MESSAGES: usize = 20_000;
const CONNECTIONS: usize = 20;
const SIZE: usize = 4096;

/// Reads one reply and checks its code.
async fn expect(client: &mut BufReader<TcpStream>, code: &str) -> anyhow::Result<()> {
    let mut line = String::new();
    loop {
        line.clear();
        anyhow::ensure!(client.read_line(&mut line).await? > 0, "closed");
        anyhow::ensure!(line.starts_with(code), "expected {code}, got {line}");
        if line.as_bytes().get(3) != Some(&b'-') {
            return Ok(());
        }
    }
}

async fn sender(port: u16, first: usize, count: usize) -> anyhow::Result<()> {
    let mut client = BufReader::new(TcpStream::connect(("127.0.0.1", port)).await?);
    client.get_mut().set_nodelay(true)?;
    expect(&mut client, "220").await?;
    client.get_mut().write_all(b"EHLO bench\r\n").await?;
    expect(&mut client, "250").await?;
    for n in first..first + count {
        let mut message = format!("Subject: bench {n}\r\nFrom: x@far.example\r\n\r\n").into_bytes();
        while message.len() < SIZE - 5 {
            message.extend_from_slice(
                b"0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcd\r\n",
            );
        }
        message.extend_from_slice(b".\r\n");
        client
            .get_mut()
            .write_all(b"MAIL FROM:<x@far.example>\r\nRCPT TO:<ann@example.com>\r\nDATA\r\n")
            .await?;
        for code in ["250", "250", "354"] {
            expect(&mut client, code).await?;
        }
        client.get_mut().write_all(&message).await?;
        expect(&mut client, "250").await?;
    }
    client.get_mut().write_all(b"QUIT\r\n").await?;
    Ok(())
}

pub async fn run() -> anyhow::Result<()> {
    let seeded = Seeded::on(TestNode::fresh(Backend::Sqlite).await).await;
    let core = seeded.node.core.clone();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let port = listener.local_addr()?.port();
    let shutdown = CancellationToken::new();
    let smtp: Arc<Smtp> = Smtp::new(core.clone(), SmtpOptions::default(), None);
    tokio::spawn(smtp.serve(listener, Role::Inbound, false, shutdown.clone()));

    let started = Instant::now();
    let per = MESSAGES / CONNECTIONS;
    let senders: Vec<_> = (0..CONNECTIONS)
        .map(|i| tokio::spawn(sender(port, i * per, per)))
        .collect();
    for s in senders {
        s.await??;
    }
    let seconds = started.elapsed().as_secs_f64();
    shutdown.cancel();
    let inbox = core.folder(seeded.mailbox.id, INBOX).await?;
    let stored = core.messages(&inbox).await?.len();
    anyhow::ensure!(stored == MESSAGES, "{stored} of {MESSAGES} stored");
    println!(
        "| SMTP inbound: {MESSAGES} messages of 4 KiB over {CONNECTIONS} connections, each fsync'd and committed before its 250 | SQLite + files | {:.0} messages/s ({seconds:.1} s) | - |",
        MESSAGES as f64 / seconds
    );
    Ok(())
}
