//! `cargo run --release -p trekmail-bench`: the core's benchmarks, printed as a table.
//!
//! - End all sessions: 10,000 registered connections, 1,000 of them one mailbox's; how long
//!   ending that mailbox's takes, until every one of its connection tasks has closed.
//! - Sign-in throughput through the door, against the Argon2 limit (cores ÷ one hash's time)
//!   measured in the same run.
//! - IMAP: memory per idle signed-in connection, and a password save's time to close 1,000
//!   IDLE connections of the mailbox.
//! - SMTP inbound: messages per second, each durable before its `250`.
//!
//! Runs on SQLite, and on PostgreSQL too when TREKMAIL_TEST_PG_URL is set. Names given as
//! arguments (`end-sessions`, `sign-in`, `imap`, `smtp`) run just those.
#![allow(clippy::expect_used, clippy::unwrap_used)]

mod end_sessions;
mod imap_bye;
mod sign_in;
mod smtp_inbound;

use trekmail_testkit::Backend;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let mut backends = vec![Backend::Sqlite];
    if std::env::var("TREKMAIL_TEST_PG_URL").is_ok() {
        backends.push(Backend::Postgres);
    }
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    println!("TrekMail core benchmarks on {cores} core(s)\n");
    println!("| benchmark | database | result | goal |");
    println!("|---|---|---|---|");
    let chosen: Vec<String> = std::env::args().skip(1).collect();
    let wanted = |name: &str| chosen.is_empty() || chosen.iter().any(|c| c == name);
    if wanted("end-sessions") {
        for backend in &backends {
            end_sessions::run(*backend).await?;
        }
    }
    if wanted("sign-in") {
        sign_in::run(cores).await?;
    }
    if wanted("imap") {
        imap_bye::run().await?;
    }
    if wanted("smtp") {
        smtp_inbound::run().await?;
    }
    Ok(())
}

/// The `q`-quantile of sorted samples.
pub fn quantile(sorted: &[f64], q: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let index = ((sorted.len() - 1) as f64 * q).round() as usize;
    sorted[index.min(sorted.len() - 1)]
}
