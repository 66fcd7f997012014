//! SMTP inbound: messages per second into one hosted mailbox, sent by Postfix's `smtp-source`
//! (20,000 messages of 4 KiB over 20 connections), each body fsync'd and its row committed
//! before its `250`. A load tool we did not write keeps the figure honest. Run on a bare
//! account, with 1,000 aliases and 1,000 blocked senders on it, and with a 50-rule Sieve
//! script active (twice each, interleaved), whose look-ups and runs every message's pass
//! through the delivery pipeline makes; and with the checks on arrival on beside runs with
//! them off.

use crate::loopback_dns;
use std::collections::HashMap;
use std::process::Command;
use std::sync::Arc;
use std::time::Instant;
use tokio_util::sync::CancellationToken;
use trekmail_core::domain::Plan;
use trekmail_core::mail::INBOX;
use trekmail_core::routing::FilterList;
use trekmail_core::services::{Actor, Manager};
use trekmail_smtp::{DmarcReject, Role, SenderChecks, Smtp, SmtpOptions};
use trekmail_testkit::{
    Backend, NodeOptions, OWNER_PASSWORD, TestNode, fresh_database, operator, seed_mailbox,
};

pub(crate) const MESSAGES: usize = 20_000;
const CONNECTIONS: usize = 20;
const SIZE: usize = 4096;
/// Debian's postfix package puts it here.
const SMTP_SOURCE: &str = "/usr/sbin/smtp-source";

/// Aliases and sender-list entries of the routed run.
const ROUTING_ENTRIES: usize = 1_000;

pub async fn run() -> anyhow::Result<()> {
    if !std::path::Path::new(SMTP_SOURCE).exists() {
        println!(
            "| SMTP inbound with smtp-source | - | skipped: {SMTP_SOURCE} missing (apt install postfix) | - |"
        );
        return Ok(());
    }
    // Bare, routed, Sieve, Sieve, routed, bare: the disk's drift over the runs falls on all
    // alike.
    let order = [Setup::Bare, Setup::Routed, Setup::Sieve];
    let mut rates = [0.0; 3];
    for (i, setup) in order.iter().chain(order.iter().rev()).enumerate() {
        let slot = if i < 3 { i } else { 5 - i };
        rates[slot] += measure(*setup).await? / 2.0;
    }
    let [bare, routed, sieve] = rates;
    // The checks on arrival beside their own bare runs, interleaved likewise.
    let mut checks = [0.0; 2];
    for setup in [Setup::Bare, Setup::Checked, Setup::Checked, Setup::Bare] {
        checks[usize::from(setup == Setup::Checked)] += measure(setup).await? / 2.0;
    }
    let [unchecked, checked] = checks;
    println!(
        "| SMTP inbound with {ROUTING_ENTRIES} aliases and {ROUTING_ENTRIES} blocked senders on the account, beside the bare run (mean of two runs each, interleaved) | SQLite + files | {routed:.0} vs {bare:.0} messages/s ({:+.1} %) | no more than 10 % slower |",
        (routed / bare - 1.0) * 100.0
    );
    println!(
        "| SMTP inbound with a 50-rule Sieve script active, beside the bare run (mean of two runs each, interleaved) | SQLite + files | {sieve:.0} vs {bare:.0} messages/s ({:+.1} %) | - |",
        (sieve / bare - 1.0) * 100.0
    );
    println!(
        "| SMTP inbound with the checks on arrival on (SPF, DKIM, ARC, DMARC against a loopback DNS server), beside the same run with them off (mean of two runs each, interleaved) | SQLite + files | {checked:.0} vs {unchecked:.0} messages/s ({:+.1} %) | - |",
        (checked / unchecked - 1.0) * 100.0
    );
    Ok(())
}

/// What the mailbox has on it for a run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Setup {
    Bare,
    /// Aliases and blocked senders.
    Routed,
    /// The 50-rule script, active.
    Sieve,
    /// Bare, with the checks on arrival on.
    Checked,
    /// Bare, with the node's metrics on.
    Metered,
}

/// One run; messages per second.
pub(crate) async fn measure(setup: Setup) -> anyhow::Result<f64> {
    // The sender's domain publishes SPF and a DMARC policy; every run's node asks this server.
    let records = HashMap::from([
        (
            "far.example".to_owned(),
            vec!["v=spf1 ip4:127.0.0.1 -all".to_owned()],
        ),
        (
            "_dmarc.far.example".to_owned(),
            vec!["v=DMARC1; p=none".to_owned()],
        ),
    ]);
    let options = NodeOptions {
        nameserver: Some(loopback_dns::start(records).await?),
        metrics: setup == Setup::Metered,
        ..NodeOptions::default()
    };
    let node = TestNode::start(&fresh_database(Backend::Sqlite).await, options).await;
    let core = node.core.clone();
    crate::metrics_cost::count_statements(core.metrics());
    let actor = Actor::operator();
    let account = core
        .create_account("owner@example.com", Plan::Agency, OWNER_PASSWORD, &actor)
        .await?;
    core.add_domain(operator().scope(), account.id, "example.com", &actor)
        .await?;
    let mailbox = seed_mailbox(&core, account.id, "ann@example.com").await;
    let admin = Manager::Admin(operator().scope(), mailbox.id);
    if setup == Setup::Sieve {
        let script = crate::sieve_eval::fifty_rules();
        core.put_sieve_script(admin, "rules", &script, &actor)
            .await?;
        core.activate_sieve_script(admin, Some("rules"), &actor)
            .await?;
    }
    if setup == Setup::Routed {
        for i in 0..ROUTING_ENTRIES {
            core.add_alias(admin, &format!("alias{i}@example.com"), &actor)
                .await?;
            let blocked = format!("@spam{i}.example");
            core.add_sender_filter(admin, FilterList::Blocked, &blocked, &actor)
                .await?;
        }
    }
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let port = listener.local_addr()?.port();
    let shutdown = CancellationToken::new();
    let options = SmtpOptions {
        sender_checks: match setup {
            Setup::Checked => SenderChecks::On(DmarcReject::Refuse),
            _ => SenderChecks::Off,
        },
        ..SmtpOptions::default()
    };
    let smtp: Arc<Smtp> = Smtp::new(core.clone(), options, None);
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
    let access = node.access(mailbox.id);
    let inbox = core.folder(&access, INBOX).await?;
    let stored = core.messages(&access, &inbox).await?.len();
    anyhow::ensure!(stored == MESSAGES, "{stored} of {MESSAGES} stored");
    let rate = MESSAGES as f64 / seconds;
    let what = match setup {
        Setup::Bare => String::new(),
        Setup::Routed => {
            format!(", {ROUTING_ENTRIES} aliases and {ROUTING_ENTRIES} blocked senders")
        }
        Setup::Sieve => ", a 50-rule Sieve script".to_owned(),
        Setup::Checked => ", the checks on arrival on".to_owned(),
        Setup::Metered => ", metrics on".to_owned(),
    };
    println!(
        "| SMTP inbound: smtp-source, {MESSAGES} messages of 4 KiB over {CONNECTIONS} connections, each fsync'd and committed before its 250{what} | SQLite + files | {rate:.0} messages/s ({seconds:.1} s) | - |"
    );
    Ok(rate)
}
