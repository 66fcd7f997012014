//! What the metrics cost: the IMAP rounds (at test hash cost, so the protocol and the store
//! dominate) and SMTP inbound, each with the node's metrics on and off, interleaved (off, on,
//! on, off, …) so the machine's drift falls on both alike; the IMAP runs are short, so there
//! are more of them. Beside the rates, the process's CPU time per round or message (the
//! server's; for IMAP its clients' too, in-process), which a disk-bound rate hides. With
//! metrics on, the database statement times come through the same tracing layer as in
//! `serve`. Since this VM's runs spread more than 2 %, the metrics' own work is also timed
//! alone: one statement with the layer on and off, times the statements an operation runs,
//! plus the counter calls it makes.

use crate::imap_memory::cheap_node_with;
use crate::imap_rounds::rounds_per_second;
use crate::smtp_inbound::{MESSAGES, Setup, measure};
use tracing_subscriber::prelude::*;
use trekmail_core::audit::Channel;
use trekmail_core::metrics::{
    BlobOperation, DeliveryAction, Metrics, SignInOutcome, SmtpRole, SmtpStage, StatementSlot,
    statement_timings,
};
use trekmail_testkit::Backend;

/// Runs of each kind: IMAP, SMTP.
const IMAP_RUNS: usize = 8;
const SMTP_RUNS: usize = 3;

static STATEMENTS: StatementSlot = StatementSlot::new(Metrics::off());

/// Statement times go to `metrics` (a node's; off when its metrics are).
pub fn count_statements(metrics: &Metrics) {
    *STATEMENTS.write().unwrap_or_else(|p| p.into_inner()) = metrics.clone();
}

/// Off, on, on, off, off, on, …: `2 * runs` settings.
fn interleaved(runs: usize) -> impl Iterator<Item = bool> {
    (0..2 * runs).map(|i| matches!(i % 4, 1 | 2))
}

/// This process's CPU time so far (user and system), from `/proc/self/stat`.
fn cpu_seconds() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    // After the command name's closing parenthesis: state is field 3, utime 14, stime 15.
    let fields: Vec<&str> = stat
        .rsplit_once(')')
        .map_or("", |(_, rest)| rest)
        .split_whitespace()
        .collect();
    let ticks = |i: usize| {
        fields
            .get(i)
            .and_then(|f| f.parse::<f64>().ok())
            .unwrap_or(0.0)
    };
    // Linux reports clock ticks of 1/100 s (USER_HZ).
    (ticks(11) + ticks(12)) / 100.0
}

/// Statement events timed alone for [`statement_cost`].
const STATEMENT_RUN: usize = 1_000_000;
/// Counter and histogram calls a round or message makes besides the statements: an IMAP
/// round's connection, sign-in and its ten messages' body reads; an inbound message's
/// RCPT and DATA replies, its body write and its pipeline action.
const IMAP_CALLS: usize = 12;
const SMTP_CALLS: usize = 4;

/// What timing one statement adds: the work sqlx does for a statement it is asked to report
/// (its four-word summary and a copy of the text, as sqlx-core 0.9's `QueryLogger` makes
/// them) and the event through the layer into the histogram. Timed on synthetic events of
/// sqlx's shape, since a real statement's own time varies by more than this.
fn statement_cost() -> f64 {
    let metrics = Metrics::new(true);
    count_statements(&metrics);
    let sql = "SELECT id, sender, recipient, size, attempts, created_at, next_attempt, \
               last_error FROM outbound_queue WHERE next_attempt <= $1 ORDER BY next_attempt";
    let started = std::time::Instant::now();
    for _ in 0..STATEMENT_RUN {
        let summary = sql
            .split_whitespace()
            .take(4)
            .collect::<Vec<&str>>()
            .join(" ");
        let statement = format!("\n\n{sql}\n");
        let elapsed = std::time::Duration::from_micros(60);
        tracing::event!(
            target: "sqlx::query",
            tracing::Level::DEBUG,
            summary,
            db.statement = statement,
            rows_affected = 0u64,
            rows_returned = 1u64,
            ?elapsed,
            elapsed_secs = elapsed.as_secs_f64(),
        );
    }
    let per = started.elapsed().as_secs_f64() / STATEMENT_RUN as f64;
    count_statements(&Metrics::off());
    per
}

/// The time of one counter or histogram call (the mean of the kinds an operation makes).
fn call_cost() -> f64 {
    let metrics = Metrics::new(true);
    let started = std::time::Instant::now();
    let n = 1_000_000;
    for _ in 0..n {
        metrics.smtp_reply(SmtpRole::Inbound, SmtpStage::Rcpt, 250);
        metrics.delivery(DeliveryAction::Stored);
        metrics.blob_call(BlobOperation::Put, std::time::Duration::from_micros(90));
        metrics.sign_in(Channel::Imap, SignInOutcome::Ok);
    }
    started.elapsed().as_secs_f64() / (4 * n) as f64
}

/// Rates and CPU per operation of the off and on runs, and the statements an operation runs.
#[derive(Default)]
struct Runs {
    rates: [Vec<f64>; 2],
    cpu: [Vec<f64>; 2],
    per_op_statements: f64,
}

impl Runs {
    /// After an on run of `ops` operations: the statements each ran, from the histogram.
    fn statements(&mut self, on: bool, ops: f64) {
        if on {
            let page = STATEMENTS
                .read()
                .unwrap_or_else(|p| p.into_inner())
                .text()
                .unwrap_or_default();
            let timed = page
                .lines()
                .find_map(|l| l.strip_prefix("trekmail_database_statement_seconds_count "))
                .and_then(|n| n.trim().parse::<f64>().ok())
                .unwrap_or(0.0);
            self.per_op_statements = timed / ops;
        }
    }

    fn mean_cpu_off(&self) -> f64 {
        self.cpu[0].iter().sum::<f64>() / self.cpu[0].len().max(1) as f64
    }

    fn add(&mut self, on: bool, rate: f64, cpu_per_op: f64) {
        self.rates[usize::from(on)].push(rate);
        self.cpu[usize::from(on)].push(cpu_per_op * 1e6);
    }

    /// "on vs off /s (±x %; runs a–b vs c–d); CPU on vs off µs (±y %)".
    fn row(&self, unit: &str, per: &str) -> String {
        let mean = |v: &[f64]| v.iter().sum::<f64>() / v.len().max(1) as f64;
        let range = |v: &[f64]| {
            let lo = v.iter().copied().fold(f64::INFINITY, f64::min);
            let hi = v.iter().copied().fold(0.0, f64::max);
            format!("{lo:.0}–{hi:.0}")
        };
        let change = |v: &[Vec<f64>; 2]| (mean(&v[1]) / mean(&v[0]) - 1.0) * 100.0;
        format!(
            "{:.0} vs {:.0} {unit} ({:+.1} %; runs {} vs {}); CPU {:.0} vs {:.0} µs a {per} ({:+.1} %)",
            mean(&self.rates[1]),
            mean(&self.rates[0]),
            change(&self.rates),
            range(&self.rates[1]),
            range(&self.rates[0]),
            mean(&self.cpu[1]),
            mean(&self.cpu[0]),
            change(&self.cpu),
        )
    }
}

pub async fn run() -> anyhow::Result<()> {
    let _ = tracing_subscriber::registry()
        .with(statement_timings(&STATEMENTS))
        .try_init();
    let mut imap = Runs::default();
    for on in interleaved(IMAP_RUNS) {
        let seeded = cheap_node_with(Backend::Sqlite, on).await;
        count_statements(seeded.node.core.metrics());
        let (cpu, started) = (cpu_seconds(), std::time::Instant::now());
        let rate = rounds_per_second(seeded).await?;
        let rounds = rate * started.elapsed().as_secs_f64();
        imap.add(on, rate, (cpu_seconds() - cpu) / rounds);
        imap.statements(on, rounds);
    }
    let mut smtp = Runs::default();
    for on in interleaved(SMTP_RUNS) {
        let setup = match on {
            true => Setup::Metered,
            false => Setup::Bare,
        };
        let cpu = cpu_seconds();
        let rate = measure(setup).await?;
        smtp.add(on, rate, (cpu_seconds() - cpu) / MESSAGES as f64);
        smtp.statements(on, MESSAGES as f64);
    }
    let statement = statement_cost();
    let calls = call_cost();
    for (what, runs, counted) in [
        ("IMAP round", &imap, IMAP_CALLS),
        ("SMTP inbound message", &smtp, SMTP_CALLS),
    ] {
        let own = runs.per_op_statements * statement + counted as f64 * calls;
        println!(
            "| the metrics' own work for an {what}: {:.0} statements timed × {:.2} µs + {counted} counter calls × {:.3} µs | - | {:.1} µs, {:.2} % of the {:.0} µs of CPU it takes | under 2 % |",
            runs.per_op_statements,
            statement * 1e6,
            calls * 1e6,
            own * 1e6,
            own * 1e6 / runs.mean_cpu_off() * 100.0,
            runs.mean_cpu_off(),
        );
    }
    println!(
        "| IMAP LOGIN + SELECT + FETCH + LOGOUT rounds (test hash cost), metrics on vs off, {IMAP_RUNS} runs each interleaved | SQLite | {} | under 2 % |",
        imap.row("/s", "round")
    );
    println!(
        "| SMTP inbound (smtp-source, 20,000 × 4 KiB), metrics on vs off, {SMTP_RUNS} runs each interleaved | SQLite + files | {} | under 2 % |",
        smtp.row("messages/s", "message")
    );
    Ok(())
}
