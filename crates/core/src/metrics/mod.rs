//! The node's metrics in Prometheus's terms: counters and histograms the channels and the core
//! move as they work, gauges read from the store when the page is scraped. Off (`[metrics]`
//! without a listener), every call is a no-op, so a node that nobody scrapes pays nothing.

mod labels;
mod statement_timings;
mod timed_blobs;

pub use labels::{
    BlobOperation, DeliveryAction, OutboundOutcome, SignInOutcome, SmtpRole, SmtpStage,
};
pub use statement_timings::{StatementSlot, statement_timings};
pub use timed_blobs::TimedBlobs;

use crate::audit::Channel;
use labels::{ActionLabels, BlobLabels, ChannelLabels, OutboundLabels, SignInLabels, SmtpLabels};
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::{Registry, Unit};
use std::sync::Arc;
use std::sync::atomic::AtomicU64;
use std::time::Duration;

/// The metrics, or nothing when they are off. Cheap to clone.
#[derive(Clone, Default)]
pub struct Metrics(Option<Arc<Families>>);

type Seconds = Gauge<f64, AtomicU64>;

/// Storage calls, from 50 µs to about 13 s.
fn storage_histogram() -> Histogram {
    Histogram::new(exponential_buckets(0.000_05, 4.0, 10))
}

struct Families {
    registry: Registry,
    connections_opened: Family<ChannelLabels, Counter>,
    connections_open: Family<ChannelLabels, Gauge>,
    sessions_live: Family<ChannelLabels, Gauge>,
    sign_ins: Family<SignInLabels, Counter>,
    sessions_ended: Counter,
    session_close: Histogram,
    smtp_messages: Family<SmtpLabels, Counter>,
    outbound: Family<OutboundLabels, Counter>,
    queue_messages: Gauge,
    queue_oldest: Seconds,
    delivery_actions: Family<ActionLabels, Counter>,
    database: Histogram,
    blobs: Family<BlobLabels, Histogram, fn() -> Histogram>,
    certificate_expiry: Seconds,
}

impl Metrics {
    /// Metrics that count (`true`), or the no-op kind.
    pub fn new(enabled: bool) -> Metrics {
        Metrics(enabled.then(|| Arc::new(Families::registered())))
    }

    /// The no-op kind, as a constant (a static slot's first value).
    pub const fn off() -> Metrics {
        Metrics(None)
    }

    pub fn enabled(&self) -> bool {
        self.0.is_some()
    }

    /// A connection was accepted on one of `channel`'s listeners; the gauge of open ones goes
    /// down when the guard drops.
    pub fn connection_opened(&self, channel: Channel) -> OpenConnection {
        let Some(f) = &self.0 else {
            return OpenConnection(None);
        };
        let labels = ChannelLabels { channel };
        f.connections_opened.get_or_create(&labels).inc();
        let open = f.connections_open.get_or_create_owned(&labels);
        open.inc();
        OpenConnection(Some(open))
    }

    pub fn sign_in(&self, channel: Channel, outcome: SignInOutcome) {
        if let Some(f) = &self.0 {
            f.sign_ins
                .get_or_create(&SignInLabels { channel, outcome })
                .inc();
        }
    }

    /// A session on this node closed after it was ended, `took` after the ending (a password
    /// save, "End session") reached this node.
    pub fn session_closed_after_end(&self, took: Duration) {
        if let Some(f) = &self.0 {
            f.sessions_ended.inc();
            f.session_close.observe(took.as_secs_f64());
        }
    }

    /// A recipient or a message's end answered with `code` (250, or the refusal's).
    pub fn smtp_reply(&self, role: SmtpRole, stage: SmtpStage, code: u16) {
        if let Some(f) = &self.0 {
            f.smtp_messages
                .get_or_create(&SmtpLabels { role, stage, code })
                .inc();
        }
    }

    pub fn outbound(&self, outcome: OutboundOutcome) {
        if let Some(f) = &self.0 {
            f.outbound.get_or_create(&OutboundLabels { outcome }).inc();
        }
    }

    pub fn delivery(&self, action: DeliveryAction) {
        if let Some(f) = &self.0 {
            f.delivery_actions
                .get_or_create(&ActionLabels { action })
                .inc();
        }
    }

    pub fn database_statement(&self, seconds: f64) {
        if let Some(f) = &self.0 {
            f.database.observe(seconds);
        }
    }

    pub fn blob_call(&self, operation: BlobOperation, took: Duration) {
        if let Some(f) = &self.0 {
            f.blobs
                .get_or_create(&BlobLabels { operation })
                .observe(took.as_secs_f64());
        }
    }

    /// The page in the OpenMetrics text format, with the gauges read at scrape time; `None`
    /// when the metrics are off.
    pub(crate) fn page(&self, gauges: &ScrapeGauges) -> Option<String> {
        let f = self.0.as_ref()?;
        if let Some(sessions) = &gauges.sessions {
            for channel in Channel::ALL.into_iter().filter(|c| *c != Channel::Cli) {
                let live = sessions
                    .iter()
                    .find(|(c, _)| *c == channel)
                    .map_or(0, |(_, n)| *n);
                f.sessions_live
                    .get_or_create(&ChannelLabels { channel })
                    .set(i64::try_from(live).unwrap_or(i64::MAX));
            }
        }
        if let Some((messages, oldest_secs)) = gauges.queue {
            f.queue_messages
                .set(i64::try_from(messages).unwrap_or(i64::MAX));
            f.queue_oldest.set(oldest_secs);
        }
        if let Some(expiry) = gauges.certificate_expiry_secs {
            f.certificate_expiry.set(expiry);
        }
        self.text()
    }

    /// The page as it stands, gauges as last read; `None` when the metrics are off.
    pub fn text(&self) -> Option<String> {
        let f = self.0.as_ref()?;
        let mut text = String::new();
        prometheus_client::encoding::text::encode(&mut text, &f.registry).ok()?;
        Some(text)
    }
}

/// What the page's gauges show, read when it is asked for.
#[derive(Debug, Clone, Default)]
pub(crate) struct ScrapeGauges {
    pub sessions: Option<Vec<(Channel, u64)>>,
    /// Rows waiting, and the oldest one's age in seconds.
    pub queue: Option<(u64, f64)>,
    pub certificate_expiry_secs: Option<f64>,
}

/// An accepted connection's place in the open-connections gauge.
pub struct OpenConnection(Option<Gauge>);

impl Drop for OpenConnection {
    fn drop(&mut self) {
        if let Some(open) = &self.0 {
            open.dec();
        }
    }
}

impl Families {
    fn registered() -> Families {
        let f = Families {
            registry: Registry::with_prefix("trekmail"),
            connections_opened: Family::default(),
            connections_open: Family::default(),
            sessions_live: Family::default(),
            sign_ins: Family::default(),
            sessions_ended: Counter::default(),
            session_close: Histogram::new(exponential_buckets(0.001, 2.5, 10)),
            smtp_messages: Family::default(),
            outbound: Family::default(),
            queue_messages: Gauge::default(),
            queue_oldest: Seconds::default(),
            delivery_actions: Family::default(),
            database: storage_histogram(),
            blobs: Family::new_with_constructor(storage_histogram),
            certificate_expiry: Seconds::default(),
        };
        let mut registry = f.registry;
        let r = &mut registry;
        r.register(
            "connections_opened",
            "TCP connections accepted, by channel",
            f.connections_opened.clone(),
        );
        r.register(
            "connections_open",
            "TCP connections open now, by channel",
            f.connections_open.clone(),
        );
        r.register(
            "sessions_live",
            "Signed-in sessions on every node, by channel",
            f.sessions_live.clone(),
        );
        r.register(
            "sign_ins",
            "Sign-in attempts, by channel and outcome",
            f.sign_ins.clone(),
        );
        r.register(
            "sessions_ended",
            "Sessions on this node closed because they were ended",
            f.sessions_ended.clone(),
        );
        r.register_with_unit(
            "session_close",
            "From a session's ending reaching this node to its connection closed",
            Unit::Seconds,
            f.session_close.clone(),
        );
        r.register(
            "smtp_messages",
            "SMTP recipients and message ends, by service, stage and reply code",
            f.smtp_messages.clone(),
        );
        r.register(
            "outbound_attempts",
            "Outbound queue attempts at one recipient, by outcome",
            f.outbound.clone(),
        );
        r.register(
            "queue_messages",
            "Messages waiting in the outbound queue",
            f.queue_messages.clone(),
        );
        r.register_with_unit(
            "queue_oldest_age",
            "Age of the oldest message in the outbound queue",
            Unit::Seconds,
            f.queue_oldest.clone(),
        );
        r.register(
            "delivery_actions",
            "What the delivery pipeline did for each recipient",
            f.delivery_actions.clone(),
        );
        r.register_with_unit(
            "database_statement",
            "Database statement times",
            Unit::Seconds,
            f.database.clone(),
        );
        r.register_with_unit(
            "blob_store_call",
            "Message body store calls, by operation",
            Unit::Seconds,
            f.blobs.clone(),
        );
        r.register_with_unit(
            "certificate_expiry_timestamp",
            "When the served TLS certificate expires (Unix time)",
            Unit::Seconds,
            f.certificate_expiry.clone(),
        );
        Families { registry, ..f }
    }
}
