//! The process's log on stderr, as text or JSON lines (`[log] format`), filtered by
//! `[log] level` (RUST_LOG wins); on a server, also the database statement times that sqlx
//! reports, into the metrics when they are on.

use crate::config::{Config, LogFormat};
use tracing_subscriber::filter::EnvFilter;
use tracing_subscriber::prelude::*;
use trekmail_core::metrics::{Metrics, StatementSlot, statement_timings};

/// The metrics statement times go to, set once the core exists.
static STATEMENT_METRICS: StatementSlot = StatementSlot::new(Metrics::off());

pub fn init(config: &Config, serving: bool) {
    let default = if serving {
        config.log.level.as_str()
    } else {
        "warn"
    };
    let filter = EnvFilter::try_from_default_env()
        .or_else(|_| EnvFilter::try_new(default))
        .unwrap_or_else(|_| EnvFilter::new("info"));
    let lines = tracing_subscriber::fmt::layer().with_writer(std::io::stderr);
    let lines = match config.log.format {
        LogFormat::Text => lines.boxed(),
        LogFormat::Json => lines.json().boxed(),
    };
    tracing_subscriber::registry()
        .with(lines.with_filter(filter))
        .with(serving.then(|| statement_timings(&STATEMENT_METRICS)))
        .init();
}

/// Statement times from now on go to `metrics` (the core's; a no-op when they are off).
pub fn count_statements(metrics: &Metrics) {
    *STATEMENT_METRICS.write().unwrap_or_else(|p| p.into_inner()) = metrics.clone();
}
