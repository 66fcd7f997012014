//! Database statement times as sqlx reports them: it times every statement of both backends
//! and logs it to the `sqlx::query` target, so a tracing layer reading that one field sees
//! them all without a wrapper around each of the store's queries. While no metrics are in its
//! slot, its filter says no to those events, and sqlx then skips the work of reporting them.

use super::Metrics;
use std::sync::RwLock;
use tracing::field::{Field, Visit};
use tracing::subscriber::Interest;
use tracing::{Level, Metadata};
use tracing_subscriber::layer::{Context, Filter, Layer};

/// The target sqlx logs each finished statement to.
const TARGET: &str = "sqlx::query";
/// The field holding the statement's time in seconds.
const ELAPSED: &str = "elapsed_secs";

/// Where statement times go: the metrics in the slot, which the process sets once its core
/// exists (the subscriber is made before) and may change (the benchmarks' runs).
pub type StatementSlot = RwLock<Metrics>;

/// Feeds the `database_statement_seconds` histogram of the metrics in its slot. A layer with
/// its own filter: add it as it is.
pub fn statement_timings<S>(slot: &'static StatementSlot) -> impl Layer<S>
where
    S: tracing::Subscriber + for<'a> tracing_subscriber::registry::LookupSpan<'a>,
{
    StatementTimings(slot).with_filter(Counting(slot))
}

struct StatementTimings(&'static StatementSlot);

impl<S: tracing::Subscriber> Layer<S> for StatementTimings {
    fn on_event(&self, event: &tracing::Event<'_>, _ctx: Context<'_, S>) {
        let mut elapsed = Elapsed(None);
        event.record(&mut elapsed);
        if let Some(seconds) = elapsed.0 {
            read(self.0).database_statement(seconds);
        }
    }
}

/// Lets sqlx's statement events through while the slot's metrics count, asked at each event
/// (`Interest::sometimes`), so turning them on or off takes effect at once.
struct Counting(&'static StatementSlot);

impl<S> Filter<S> for Counting {
    fn enabled(&self, meta: &Metadata<'_>, _cx: &Context<'_, S>) -> bool {
        meta.target() == TARGET && *meta.level() <= Level::DEBUG && read(self.0).enabled()
    }

    fn callsite_enabled(&self, meta: &'static Metadata<'static>) -> Interest {
        match meta.target() == TARGET {
            true => Interest::sometimes(),
            false => Interest::never(),
        }
    }
}

fn read(slot: &StatementSlot) -> std::sync::RwLockReadGuard<'_, Metrics> {
    slot.read().unwrap_or_else(|p| p.into_inner())
}

struct Elapsed(Option<f64>);

impl Visit for Elapsed {
    fn record_f64(&mut self, field: &Field, value: f64) {
        if field.name() == ELAPSED {
            self.0 = Some(value);
        }
    }

    fn record_debug(&mut self, _field: &Field, _value: &dyn std::fmt::Debug) {}
}
