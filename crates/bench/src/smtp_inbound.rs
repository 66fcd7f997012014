//! SMTP inbound: messages per second into one hosted mailbox, sent by Postfix's `smtp-source`
//! (20,000 messages of 4 KiB over 20 connections), each body fsync'd and its row committed
//! before its `250`. A load tool we did not write keeps the figure honest.

use std::process::Command;
use std::sync::Arc;
use std::time::Instant;
use tokio_util::sync::CancellationToken;
use trekmail_core::mail::INBOX;
use trekmail_smtp::{Role, Smtp, SmtpOptions};
use trekmail_testkit::{Backend, Seeded, TestNode};

const MESSAGES: usize = 20_000;
const CONNECTIONS: usize = 20;
const SIZE: usize = 4096;
/// Debian's postfix package puts it here.
const SMTP_SOURCE: &str = "/usr/sbin/smtp-source";

pub async fn run() -> anyhow::Result<()> {
    if !std::path::Path::new(SMTP_SOURCE).exists() {
        println!(
            "| SMTP inbound with smtp-source | - | skipped: {SMTP_SOURCE} missing (apt install postfix) | - |"
        );
        return Ok(());
    }
    let seeded = Seeded::on(TestNode::fresh(Backend::Sqlite).await).await;
    let core = seeded.node.core.clone();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let port = listener.local_addr()?.port();
    let shutdown = CancellationToken::new();
    let smtp: Arc<Smtp> = Smtp::new(core.clone(), SmtpOptions::default(), None);
    tokio::spawn(smtp.serve(listener, Role::Inbound, false, shutdown.clone()));

    let started = Instant::now();
    // -d: keep each of the -s sessions open for its share of the -m messages.
    let output = tokio::task::spawn_blocking(move || {
        Command::new(SMTP_SOURCE)
            .args([
                "-d",
                "-s",
                &CONNECTIONS.to_string(),
                "-m",
                &MESSAGES.to_string(),
            ])
            .args([
                "-l",
                &SIZE.to_string(),
                "-f",
                "x@far.example",
                "-t",
                "ann@example.com",
            ])
            .arg(format!("127.0.0.1:{port}"))
            .output()
    })
    .await??;
    let seconds = started.elapsed().as_secs_f64();
    shutdown.cancel();
    anyhow::ensure!(
        output.status.success(),
        "smtp-source failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let access = seeded.node.access(seeded.mailbox.id);
    let inbox = core.folder(&access, INBOX).await?;
    let stored = core.messages(&access, &inbox).await?.len();
    anyhow::ensure!(stored == MESSAGES, "{stored} of {MESSAGES} stored");
    println!(
        "| SMTP inbound: smtp-source, {MESSAGES} messages of 4 KiB over {CONNECTIONS} connections, each fsync'd and committed before its 250 | SQLite + files | {:.0} messages/s ({seconds:.1} s) | - |",
        MESSAGES as f64 / seconds
    );
    Ok(())
}
