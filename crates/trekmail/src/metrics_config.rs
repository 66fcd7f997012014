//! `[metrics]`: the Prometheus metrics listener, off unless asked for.

use serde::Deserialize;
use std::net::{Ipv4Addr, SocketAddr};

/// The port OpenTelemetry's Prometheus exporter uses, free of the other common exporters'.
const DEFAULT_PORT: u16 = 9464;

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct MetricsConfig {
    /// Whether the node keeps metrics and serves `/metrics` (with `/healthz`, `/readyz`).
    pub enabled: bool,
    /// Where; loopback unless the operator chooses otherwise (the page tells activity).
    pub listen: SocketAddr,
}

impl Default for MetricsConfig {
    fn default() -> MetricsConfig {
        MetricsConfig {
            enabled: false,
            listen: SocketAddr::from((Ipv4Addr::LOCALHOST, DEFAULT_PORT)),
        }
    }
}
