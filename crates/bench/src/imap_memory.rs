//! IMAP: memory per idle signed-in connection with 10,000 held, over plain TCP and over TLS
//! (port 993's implicit TLS). The clients run in a child process (this binary again), so the
//! server's resident-memory growth is the server's alone and the two sides together stay
//! under the file-descriptor limit.
//!
//! The sign-ins go through the door as always, on a node whose Argon2 cost is cut down: at the
//! production cost 10,000 sign-ins take minutes on 2 cores, and what a connection holds once
//! signed in does not depend on the hash cost.

use std::io::{BufRead, BufReader, Write};
use std::process::{Command, Stdio};
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio_util::sync::CancellationToken;
use trekmail_core::auth::ThrottlePolicy;
use trekmail_core::security::password_hasher::HashCost;
use trekmail_imap::{ImapOptions, ImapServer};
use trekmail_testkit::{Backend, NodeOptions, PASSWORD, Seeded, TestNode, fresh_database};

pub const CONNECTIONS: usize = 10_000;
/// Set in the child process: `PORT COUNT [CERTIFICATE]`; with a certificate, over TLS.
pub const CLIENTS_ENV: &str = "TREKMAIL_BENCH_IMAP_CLIENTS";

/// Resident memory of this process, in bytes.
pub fn rss() -> u64 {
    let statm = std::fs::read_to_string("/proc/self/statm").unwrap_or_default();
    let pages: u64 = statm
        .split_whitespace()
        .nth(1)
        .and_then(|p| p.parse().ok())
        .unwrap_or(0);
    pages * 4096
}

/// A throttle for benchmarks, whose many clients sign in as one login from one address at
/// once: the throttle counts every attempt until it is checked, and a benchmark measures the
/// rest of the path, not the throttle.
pub fn one_address_throttle() -> ThrottlePolicy {
    ThrottlePolicy {
        free_per_login: 1_000_000,
        free_per_ip: 1_000_000,
        free_per_login_any_ip: 1_000_000,
        ..ThrottlePolicy::default()
    }
}

/// An IMAP service for `connections` clients, all from 127.0.0.1: the cap per network
/// would refuse a benchmark's clients past the first hundred.
pub fn options_for(connections: usize) -> ImapOptions {
    ImapOptions {
        max_connections: connections * 2,
        max_connections_per_ip: connections * 2,
        ..ImapOptions::default()
    }
}

/// A node whose sign-ins are cheap; see the module's note.
pub async fn cheap_node(backend: Backend) -> Seeded {
    cheap_node_with(backend, false).await
}

/// [`cheap_node`], keeping metrics or not.
pub async fn cheap_node_with(backend: Backend, metrics: bool) -> Seeded {
    let options = NodeOptions {
        metrics,
        cost: HashCost {
            memory_kib: 64,
            passes: 1,
            lanes: 1,
        },
        throttle: one_address_throttle(),
        ..NodeOptions::default()
    };
    let url = fresh_database(backend).await;
    Seeded::on(TestNode::start(&url, options).await).await
}

pub async fn run(tls: bool) -> anyhow::Result<()> {
    let seeded = cheap_node(Backend::Sqlite).await;
    let cert = trekmail_testkit::scratch_dir().join("localhost.pem");
    let acceptor = match tls {
        true => Some(crate::tls::acceptor(&cert)?),
        false => None,
    };
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let port = listener.local_addr()?.port();
    let shutdown = CancellationToken::new();
    let options = options_for(CONNECTIONS);
    let server = ImapServer::new(seeded.node.core.clone(), options, acceptor);
    tokio::spawn(server.serve(listener, tls, shutdown.clone()));
    tokio::time::sleep(Duration::from_millis(200)).await;
    let before = rss();

    let spec = match tls {
        true => format!("{port} {CONNECTIONS} {}", cert.display()),
        false => format!("{port} {CONNECTIONS}"),
    };
    let mut child = Command::new(std::env::current_exe()?)
        .env(CLIENTS_ENV, spec)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()?;
    let stdout = child
        .stdout
        .take()
        .ok_or_else(|| anyhow::anyhow!("no stdout"))?;
    let ready = tokio::task::spawn_blocking(move || {
        let mut line = String::new();
        BufReader::new(stdout).read_line(&mut line).map(|_| line)
    })
    .await??;
    anyhow::ensure!(ready.starts_with("READY"), "clients failed: {ready}");
    tokio::time::sleep(Duration::from_millis(500)).await;
    let sessions = seeded.node.core.registry().local_count();
    let per_connection = rss().saturating_sub(before) as f64 / CONNECTIONS as f64;
    if let Some(mut stdin) = child.stdin.take() {
        let _ = stdin.write_all(b"done\n");
    }
    let _ = child.wait();
    shutdown.cancel();
    let over = match tls {
        true => "over TLS",
        false => "plain TCP",
    };
    println!(
        "| IMAP: memory per idle signed-in connection, {over}, IDLE in INBOX ({CONNECTIONS} held, {sessions} sessions registered; clients in another process) | SQLite | {:.1} KiB | < 16 KiB (Dovecot: ~547 KiB, 11 KiB hibernated) |",
        per_connection / 1024.0
    );
    Ok(())
}

/// The child: COUNT connections signed in, INBOX selected, in IDLE; `READY` once all are, then
/// held until stdin closes.
pub async fn clients(spec: &str) -> anyhow::Result<()> {
    let mut words = spec.split_whitespace();
    let port: u16 = words.next().unwrap_or_default().parse()?;
    let count: usize = words.next().unwrap_or_default().parse()?;
    let connector = match words.next() {
        Some(cert) => Some(crate::tls::connector(std::path::Path::new(cert))?),
        None => None,
    };
    let mut held = Vec::with_capacity(count);
    let mut pending = tokio::task::JoinSet::new();
    let mut started = 0;
    while held.len() < count {
        while started < count && pending.len() < 64 {
            let connector = connector.clone();
            pending.spawn(async move {
                let tcp = TcpStream::connect(("127.0.0.1", port)).await?;
                let held: Box<dyn std::any::Any + Send> = match connector {
                    Some(tls) => Box::new(
                        idle_client(tls.connect(crate::tls::localhost(), tcp).await?).await?,
                    ),
                    None => Box::new(idle_client(tcp).await?),
                };
                anyhow::Ok(held)
            });
            started += 1;
        }
        if let Some(done) = pending.join_next().await {
            held.push(done??);
        }
    }
    println!("READY");
    std::io::stdout().flush()?;
    let mut line = String::new();
    tokio::task::spawn_blocking(move || std::io::stdin().read_line(&mut line)).await??;
    drop(held);
    Ok(())
}

/// Reads until a line starting with `prefix` has arrived, with no buffer kept afterwards.
pub async fn expect(tcp: &mut (impl AsyncRead + Unpin), prefix: &[u8]) -> anyhow::Result<()> {
    let mut line = Vec::new();
    let mut byte = [0u8; 1];
    loop {
        if tcp.read(&mut byte).await? == 0 {
            anyhow::bail!(
                "closed while waiting for {}",
                String::from_utf8_lossy(prefix)
            );
        }
        line.push(byte[0]);
        if byte[0] == b'\n' {
            if line.starts_with(prefix) {
                return Ok(());
            }
            line.clear();
        }
    }
}

async fn idle_client<S: AsyncRead + AsyncWrite + Unpin>(mut tcp: S) -> anyhow::Result<S> {
    expect(&mut tcp, b"* OK").await?;
    tcp.write_all(format!("a LOGIN ann@example.com {PASSWORD}\r\n").as_bytes())
        .await?;
    expect(&mut tcp, b"a OK").await?;
    tcp.write_all(b"b SELECT INBOX\r\n").await?;
    expect(&mut tcp, b"b OK").await?;
    tcp.write_all(b"c IDLE\r\n").await?;
    expect(&mut tcp, b"+").await?;
    Ok(tcp)
}
