//! `cargo run --release -p trekmail-bench`: the core's benchmarks, printed as a table.
//!
//! - End all sessions: 10,000 registered connections, 1,000 of them one mailbox's; how long
//!   ending that mailbox's takes, until every one of its connection tasks has closed.
//! - Sign-in throughput through the door, against the Argon2 limit (cores ÷ one hash's time)
//!   measured in the same run.
//! - IMAP: memory per idle signed-in connection with 10,000 held, a password save's time to
//!   close 1,000 IDLE connections of the mailbox, and LOGIN+SELECT+FETCH+LOGOUT rounds.
//! - IMAP on a 100,000-message folder beside Dovecot (when installed): SELECT, FETCH, SEARCH,
//!   CONDSTORE resync.
//! - SMTP inbound: messages per second, each durable before its `250`; bare, with a
//!   thousand aliases and blocked senders, and with a 50-rule Sieve script active.
//! - Sieve: one message through a 50-rule script, in microseconds.
//! - Sender authentication: DKIM signing (RSA, Ed25519, both) and the checks on arrival, in
//!   microseconds a message; SMTP inbound with the checks on beside the same run with them off.
//! - Webmail: the message list of a 100,000-message folder, first page and deep pages.
//!
//! Runs on SQLite, and on PostgreSQL too when TREKMAIL_TEST_PG_URL is set. A word given as
//! argument (`imap`, `smtp`, `end_sessions`…) runs just the benchmarks whose name holds it.
#![allow(clippy::expect_used, clippy::unwrap_used)]

mod big_folder;
mod dovecot;
mod end_sessions;
mod imap_bye;
mod imap_client;
mod imap_folder;
mod imap_memory;
mod imap_rounds;
mod loopback_dns;
mod mail_auth;
mod metrics_cost;
mod sample_mail;
mod sieve_eval;
mod sign_in;
mod smtp_inbound;
mod tls;
mod webmail_list;
mod webmail_open;

use trekmail_testkit::Backend;

/// The `trekmail` binary's allocator, so that what is measured here is what ships.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    // The child process that holds the memory benchmark's client connections.
    if let Ok(spec) = std::env::var(imap_memory::CLIENTS_ENV) {
        return imap_memory::clients(&spec).await;
    }
    let mut backends = vec![Backend::Sqlite];
    if std::env::var("TREKMAIL_TEST_PG_URL").is_ok() {
        backends.push(Backend::Postgres);
    }
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    println!("TrekMail core benchmarks on {cores} core(s)\n");
    println!("| benchmark | database | result | goal |");
    println!("|---|---|---|---|");
    // `trekmail-bench imap` runs the benchmarks whose name has "imap" in it; no word runs all.
    let only = std::env::args().nth(1).unwrap_or_default();
    let wanted = |name: &str| name.contains(only.as_str());
    if wanted("end_sessions") {
        for backend in &backends {
            end_sessions::run(*backend).await?;
        }
    }
    if wanted("sign_in") {
        sign_in::run(cores).await?;
    }
    if wanted("imap_memory") {
        imap_memory::run(false).await?;
        imap_memory::run(true).await?;
    }
    if wanted("imap_bye") {
        imap_bye::run().await?;
    }
    if wanted("imap_rounds") {
        imap_rounds::run().await?;
    }
    if wanted("imap_folder") {
        imap_folder::run(&backends).await?;
    }
    if wanted("webmail_list") {
        webmail_list::run(&backends).await?;
    }
    if wanted("webmail_open") {
        webmail_open::run(&backends).await?;
    }
    if wanted("sieve_eval") {
        sieve_eval::run()?;
    }
    if wanted("mail_auth") {
        mail_auth::run().await?;
    }
    if wanted("smtp_inbound") {
        smtp_inbound::run().await?;
    }
    if wanted("metrics_cost") {
        metrics_cost::run().await?;
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
