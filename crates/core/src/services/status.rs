//! What `/readyz` and the metrics page ask of the core: the database's answer, its schema,
//! the link to other nodes, and the gauges read at scrape time.

use crate::Core;
use crate::metrics::ScrapeGauges;
use std::time::{Duration, SystemTime};

/// How long `/readyz` waits for the database: less than a load balancer's check timeout,
/// so a database that hangs reads as down rather than as a hung check.
const READY_WAIT: Duration = Duration::from_secs(3);

/// One readiness check: its name, and why it fails if it does.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReadyCheck {
    pub name: &'static str,
    pub failure: Option<String>,
}

impl ReadyCheck {
    pub fn new(name: &'static str, failure: Option<String>) -> ReadyCheck {
        ReadyCheck { name, failure }
    }
}

impl Core {
    /// The database reachable with every migration applied, and the node link up.
    pub async fn readiness(&self) -> Vec<ReadyCheck> {
        // The cause goes to the log, not to whoever asks (the dashboard's listener may be
        // public).
        let asked = tokio::time::timeout(READY_WAIT, self.store.schema_current()).await;
        let schema = match asked {
            Ok(Ok(true)) => None,
            Ok(Ok(false)) => Some("migrations pending".to_owned()),
            Ok(Err(e)) => {
                tracing::warn!(error = %e, "readiness: the database does not answer");
                Some("database unreachable".to_owned())
            }
            Err(_) => Some("database unreachable (no answer in time)".to_owned()),
        };
        let link = (!self.registry().link_up()).then(|| "reconnecting".to_owned());
        vec![
            ReadyCheck::new("database", schema),
            ReadyCheck::new("node_link", link),
        ]
    }

    /// The metrics page (OpenMetrics text), with the gauges read now; `None` when the
    /// metrics are off. A gauge the store cannot read keeps its last value.
    pub async fn metrics_page(&self, certificate_expiry: Option<SystemTime>) -> Option<String> {
        if !self.metrics().enabled() {
            return None;
        }
        let mut gauges = ScrapeGauges {
            certificate_expiry_secs: certificate_expiry
                .and_then(|t| t.duration_since(SystemTime::UNIX_EPOCH).ok())
                .map(|d| d.as_secs_f64()),
            ..ScrapeGauges::default()
        };
        match self.store.sessions_by_channel().await {
            Ok(sessions) => gauges.sessions = Some(sessions),
            Err(e) => tracing::warn!(error = %e, "metrics: live sessions not read"),
        }
        match self.store.queue_depth().await {
            Ok(depth) => {
                let age = depth.oldest.map_or(0.0, |oldest| {
                    (self.clock.now() - oldest).num_milliseconds().max(0) as f64 / 1000.0
                });
                gauges.queue = Some((depth.rows, age));
            }
            Err(e) => tracing::warn!(error = %e, "metrics: queue depth not read"),
        }
        self.metrics().page(&gauges)
    }
}
