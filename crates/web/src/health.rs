//! Health and metrics pages for load balancers and Prometheus: `/healthz` (the process
//! answers), `/readyz` (it can do its work: the database answers with every migration applied,
//! the link to other nodes is up, the served certificate has not expired) on the dashboard and
//! the metrics listener, and `/metrics` on the metrics listener only.

use axum::Router;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use std::sync::Arc;
use std::time::SystemTime;
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;
use trekmail_core::Core;
use trekmail_core::services::ReadyCheck;
use trekmail_net::Limits;

/// When the served TLS certificate expires, asked at each check (it changes as certificates
/// are renewed); `None` where no listener speaks TLS.
#[derive(Clone, Default)]
pub struct CertificateExpiry(Option<Arc<dyn Fn() -> Option<SystemTime> + Send + Sync>>);

impl CertificateExpiry {
    pub fn new(expiry: impl Fn() -> Option<SystemTime> + Send + Sync + 'static) -> Self {
        CertificateExpiry(Some(Arc::new(expiry)))
    }

    fn get(&self) -> Option<SystemTime> {
        self.0.as_ref().and_then(|f| f())
    }

    /// `None` when there is no certificate to check.
    fn check(&self) -> Option<ReadyCheck> {
        let expiry = self.0.as_ref()?;
        let failure = match expiry() {
            Some(at) if at > SystemTime::now() => None,
            Some(_) => Some("expired".to_owned()),
            None => Some("unreadable".to_owned()),
        };
        Some(ReadyCheck::new("certificate", failure))
    }
}

impl std::fmt::Debug for CertificateExpiry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self.0 {
            Some(_) => "CertificateExpiry(checked)",
            None => "CertificateExpiry(none)",
        })
    }
}

#[derive(Clone)]
struct Health {
    core: Arc<Core>,
    certificate: CertificateExpiry,
}

/// `/healthz` and `/readyz`, for any listener's router.
pub(crate) fn routes(core: Arc<Core>, certificate: CertificateExpiry) -> Router {
    Router::new()
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .with_state(Health { core, certificate })
}

async fn healthz() -> Response {
    text(StatusCode::OK, "ok\n".to_owned())
}

/// 200 when every check passes, else 503; one line a check either way.
async fn readyz(State(health): State<Health>) -> Response {
    let mut checks = health.core.readiness().await;
    checks.extend(health.certificate.check());
    let ready = checks.iter().all(|c| c.failure.is_none());
    let mut body = String::new();
    for check in &checks {
        match &check.failure {
            None => body.push_str(&format!("ok {}\n", check.name)),
            Some(why) => body.push_str(&format!("failed {}: {why}\n", check.name)),
        }
    }
    let status = match ready {
        true => StatusCode::OK,
        false => StatusCode::SERVICE_UNAVAILABLE,
    };
    text(status, body)
}

async fn metrics(State(health): State<Health>) -> Response {
    match health.core.metrics_page(health.certificate.get()).await {
        Some(page) => (
            [
                (
                    header::CONTENT_TYPE,
                    "application/openmetrics-text; version=1.0.0; charset=utf-8",
                ),
                (header::CACHE_CONTROL, "no-store"),
            ],
            page,
        )
            .into_response(),
        None => text(StatusCode::NOT_FOUND, "metrics are off\n".to_owned()),
    }
}

fn text(status: StatusCode, body: String) -> Response {
    (
        status,
        [
            (header::CONTENT_TYPE, "text/plain; charset=utf-8"),
            (header::CACHE_CONTROL, "no-store"),
        ],
        body,
    )
        .into_response()
}

/// The metrics listener: `/metrics`, `/healthz` and `/readyz` over plain HTTP, until
/// `shutdown`. Meant for loopback or a private network: it names no mailbox, but tells
/// activity.
pub async fn serve_metrics(
    core: Arc<Core>,
    listener: TcpListener,
    certificate: CertificateExpiry,
    shutdown: CancellationToken,
) -> std::io::Result<()> {
    let state = Health {
        core: core.clone(),
        certificate: certificate.clone(),
    };
    let router = Router::new()
        .route("/metrics", get(metrics))
        .with_state(state)
        .merge(routes(core, certificate));
    let limits = Limits {
        max_connections: 64,
        max_per_ip: 16,
    };
    crate::serve_plain(listener, router, limits, shutdown).await
}
