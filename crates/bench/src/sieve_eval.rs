//! Sieve: the time one message takes through a 50-rule script (each rule a header or body
//! test and a fileinto, none matching, so every test runs), compiled once as the pipeline's
//! check is, then run per message; and the compile on its own.

use crate::quantile;
use crate::sample_mail::message;
use std::time::Instant;
use trekmail_sieve::{Context, Limits, compile, run as run_script};

const RULES: usize = 50;
const RUNS: usize = 20_000;

/// The script: rules that test the subject, the sender, the body and the size in turn.
pub fn fifty_rules() -> String {
    let mut script = String::from(
        "require [\"fileinto\", \"body\", \"imap4flags\", \"relational\", \"comparator-i;ascii-numeric\"];\n",
    );
    for i in 0..RULES {
        let test = match i % 4 {
            0 => format!("header :contains \"subject\" \"project-{i}\""),
            1 => format!("address :domain \"from\" \"customer{i}.example\""),
            2 => format!("body :text :contains \"order number {i}\""),
            _ => format!(
                "header :value \"gt\" :comparator \"i;ascii-numeric\" \"x-score\" \"{}\"",
                100 + i
            ),
        };
        script.push_str(&format!(
            "if {test} {{\n  addflag \"$rule{i}\";\n  fileinto \"Rule {i}\";\n}}\n"
        ));
    }
    script
}

pub fn run() -> anyhow::Result<()> {
    let limits = Limits::default();
    let source = fifty_rules();
    let started = Instant::now();
    let script = compile(&source, &limits).map_err(|e| anyhow::anyhow!("{e}"))?;
    let compiled = started.elapsed().as_secs_f64() * 1e6;
    let own = vec!["ann@example.com".to_owned()];
    let exists = |_: &str| true;
    let now = chrono::Utc::now().fixed_offset();
    let bodies: Vec<Vec<u8>> = (0..100).map(message).collect();
    let mut samples = Vec::with_capacity(RUNS);
    for i in 0..RUNS {
        let cx = Context {
            message: &bodies[i % bodies.len()],
            envelope_from: "walker@example.net",
            envelope_to: "ann@example.com",
            now,
            own_addresses: &own,
            folder_exists: &exists,
        };
        let started = Instant::now();
        let outcome = run_script(&script, &cx, &limits).map_err(|e| anyhow::anyhow!("{e}"))?;
        samples.push(started.elapsed().as_secs_f64() * 1e6);
        anyhow::ensure!(outcome.actions.len() == 1, "a rule matched: {outcome:?}");
    }
    samples.sort_by(f64::total_cmp);
    println!(
        "| Sieve: a {RULES}-rule script on a 1 KiB message, none matching ({RUNS} runs; compiling it once: {compiled:.0} µs) | - | median {:.1} µs, p99 {:.1} µs | - |",
        quantile(&samples, 0.5),
        quantile(&samples, 0.99)
    );
    Ok(())
}
