//! The `trekmail` binary: wiring only. The behaviour lives in the core and protocol crates.

mod acme_config;
mod certificate_manager;
mod certificate_status;
mod cli;
mod commands;
mod config;
mod data_dir;
mod logging;
mod metrics_config;
mod node;
mod public_config;
mod serve;
mod tls;

use clap::Parser;
use std::process::ExitCode;

/// Protocol responses are many small allocations, often freed on another thread than the
/// one that made them; with mimalloc a `UID FETCH 1:* (FLAGS)` of 100,000 messages takes
/// 42 ms instead of 48–52 ms with glibc's (docs/benchmarks.md).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let cli = cli::Cli::parse();
    let config = match config::Config::load(cli.config.as_deref()) {
        Ok(c) => c,
        Err(e) => return fail(&e),
    };
    logging::init(&config, matches!(cli.command, cli::Command::Serve));
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(r) => r,
        Err(e) => return fail(&anyhow::anyhow!("cannot start the runtime: {e}")),
    };
    let outcome = runtime.block_on(commands::run(cli.command, &config));
    // Tasks still running (serve waited its deadline for them) are not waited for again.
    runtime.shutdown_timeout(std::time::Duration::from_millis(200));
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => fail(&e),
    }
}

/// One line naming the cause, and a non-zero exit: never a panic or a backtrace.
fn fail(e: &anyhow::Error) -> ExitCode {
    eprintln!("trekmail: error: {}", format!("{e:#}").replace('\n', " "));
    ExitCode::FAILURE
}
