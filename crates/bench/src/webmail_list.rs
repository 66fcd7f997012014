//! The webmail's message list on a folder of 100,000 messages: the time from request to the
//! last byte of the page, on the real webmail router over loopback HTTP, for the first page
//! and for deep pages ("Older" far down, by UID cursor). Median and p99 of many requests;
//! the goal is a page under 100 ms however large the folder.

use crate::big_folder;
use crate::quantile;
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio_util::sync::CancellationToken;
use trekmail_core::mail::Flags;
use trekmail_testkit::{Backend, PASSWORD};
use trekmail_web::{WebChannel, WebOptions};

const MESSAGES: usize = 100_000;
const REQUESTS: usize = 50;
/// A page lists this many messages (the webmail's page).
const ROWS: usize = 50;
const GOAL_MS: f64 = 100.0;

pub async fn run(backends: &[Backend]) -> anyhow::Result<()> {
    for backend in backends {
        let seeded = crate::imap_memory::cheap_node(*backend).await;
        let mailbox = big_folder::mailbox(&seeded, "reader@example.com").await?;
        let half_read = |i: usize| match i % 2 {
            0 => Flags::new(["\\Seen"]),
            _ => Flags::default(),
        };
        let inbox = big_folder::fill(&seeded, &mailbox, MESSAGES, half_read).await?;
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let port = listener.local_addr()?.port();
        let shutdown = CancellationToken::new();
        tokio::spawn(trekmail_web::serve_channel(
            WebChannel::Webmail,
            seeded.node.core.clone(),
            WebOptions::default(),
            listener,
            None,
            shutdown.clone(),
        ));
        let session = sign_in(port, &mailbox.address.to_string()).await?;
        let folder = inbox.id.0;
        let pages = [
            ("first page".to_owned(), format!("/?folder={folder}")),
            (
                "deep page (\"Older\" at the middle, UID < 50,000)".to_owned(),
                format!("/?folder={folder}&before=50000"),
            ),
            (
                "deep page (\"Older\" near the oldest, UID < 120)".to_owned(),
                format!("/?folder={folder}&before=120"),
            ),
        ];
        for (name, path) in pages {
            let times = measure(port, &session, &path).await?;
            print(*backend, &name, &times);
        }
        shutdown.cancel();
    }
    Ok(())
}

/// Signs in through the webmail's own form; the session's cookie.
pub(crate) async fn sign_in(port: u16, address: &str) -> anyhow::Result<String> {
    let page = request(port, "GET /signin", &[], "").await?;
    let pre = cookie(&page, "tm_mail_pre")?;
    let body = format!(
        "csrf={pre}&address={}&password={PASSWORD}",
        address.replace('@', "%40")
    );
    let jar = format!("Cookie: tm_mail_pre={pre}");
    let form = "Content-Type: application/x-www-form-urlencoded";
    let signed_in = request(port, "POST /signin", &[&jar, form], &body).await?;
    Ok(format!("tm_mail={}", cookie(&signed_in, "tm_mail")?))
}

/// `REQUESTS` requests for the page, each checked to be a full page; their times, sorted.
async fn measure(port: u16, session: &str, path: &str) -> anyhow::Result<Vec<f64>> {
    timed(port, session, path, REQUESTS, |page| {
        let rows = page.matches("name=\"uid\"").count();
        anyhow::ensure!(rows == ROWS, "{path} listed {rows} messages");
        Ok(())
    })
    .await
}

/// `requests` GETs of `path` after one to warm up, each answered 200 and passing `check`;
/// their times in milliseconds, sorted.
pub(crate) async fn timed(
    port: u16,
    session: &str,
    path: &str,
    requests: usize,
    check: impl Fn(&str) -> anyhow::Result<()>,
) -> anyhow::Result<Vec<f64>> {
    let jar = format!("Cookie: {session}");
    request(port, &format!("GET {path}"), &[&jar], "").await?;
    let mut times = Vec::with_capacity(requests);
    for _ in 0..requests {
        let started = Instant::now();
        let page = request(port, &format!("GET {path}"), &[&jar], "").await?;
        times.push(ms(started.elapsed()));
        anyhow::ensure!(page.starts_with("HTTP/1.1 200"), "{path}: {page:.300}");
        check(&page)?;
    }
    times.sort_by(f64::total_cmp);
    Ok(times)
}

/// One HTTP/1.1 request on a connection of its own; the whole answer.
pub(crate) async fn request(
    port: u16,
    line: &str,
    headers: &[&str],
    body: &str,
) -> anyhow::Result<String> {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).await?;
    let mut text = format!("{line} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n");
    for header in headers {
        text.push_str(&format!("{header}\r\n"));
    }
    if !body.is_empty() {
        text.push_str(&format!("Content-Length: {}\r\n", body.len()));
    }
    text.push_str("\r\n");
    text.push_str(body);
    stream.write_all(text.as_bytes()).await?;
    let mut answer = Vec::new();
    stream.read_to_end(&mut answer).await?;
    Ok(String::from_utf8_lossy(&answer).into_owned())
}

/// The value an answer sets for cookie `name`.
fn cookie(answer: &str, name: &str) -> anyhow::Result<String> {
    let prefix = format!("set-cookie: {name}=");
    answer
        .lines()
        .find_map(|l| {
            l.to_ascii_lowercase()
                .starts_with(&prefix)
                .then(|| l[prefix.len()..].split(';').next().unwrap_or("").to_owned())
        })
        .ok_or_else(|| anyhow::anyhow!("no cookie {name} in {answer:.300}"))
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// The database's name, for a table row.
pub(crate) fn database(backend: Backend) -> &'static str {
    match backend {
        Backend::Sqlite => "SQLite",
        Backend::Postgres => "PostgreSQL",
    }
}

fn print(backend: Backend, name: &str, sorted: &[f64]) {
    let database = database(backend);
    println!(
        "| Webmail list, {MESSAGES}-message folder: {name}, {REQUESTS} requests | {database} | median {:.1} ms, p99 {:.1} ms | < {GOAL_MS} ms |",
        quantile(sorted, 0.5),
        quantile(sorted, 0.99),
    );
}
