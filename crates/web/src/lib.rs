//! TrekMail's web channels. The dashboard is the account owner's: pages for people and a JSON
//! API for scripts; the webmail is the mailbox owner's. Nothing here hashes a password, reads a
//! TOTP secret or runs SQL: every check and change is a call on [`trekmail_core::Core`].

pub mod acme_challenge;
mod api;
mod assets;
mod auto_reply_form;
mod autoconfig;
mod autodiscover;
mod capped_listener;
mod client;
mod csrf;
mod dashboard;
mod error;
mod headers;
mod health;
mod own_credentials;
mod qr;
mod relative_time;
mod sender_forms;
mod session;
mod sieve_forms;
mod sign_in;
mod tls_listener;
mod views;
mod webmail;

use axum::Router;
use axum::http::header;
use axum::response::IntoResponse;
use axum::serve::{Listener, ListenerExt};
use capped_listener::CappedListener;
use std::net::SocketAddr;
use std::sync::Arc;
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;
use trekmail_core::Core;
use trekmail_core::audit::Channel;
use trekmail_net::{ChallengeTokens, Limits, Meter, Tls, TrustedProxies};

pub use health::{CertificateExpiry, serve_metrics};

/// How the web listeners behave.
#[derive(Debug, Clone)]
pub struct WebOptions {
    /// Marks cookies `Secure` and sends HSTS; on whenever the pages are reached over HTTPS
    /// (directly or through a TLS-terminating proxy).
    pub secure_cookies: bool,
    /// Proxies whose `X-Forwarded-For` names the client.
    pub trusted_proxies: TrustedProxies,
    /// TCP connections open at once, overall and from one network.
    pub limits: Limits,
    /// A connection with no bytes either way for this long is closed.
    pub idle_timeout: std::time::Duration,
    /// The largest message webmail sends, attachments included: SMTP's limit.
    pub max_message_bytes: usize,
    /// This server's name, for the Message-ID of mail written in webmail.
    pub hostname: String,
    /// HTTP-01 tokens of ACME orders in progress, answered under `/.well-known/acme-challenge/`.
    pub acme_challenges: ChallengeTokens,
    /// The served certificate's expiry, for the dashboard's `/readyz`.
    pub certificate_expiry: CertificateExpiry,
}

impl Default for WebOptions {
    fn default() -> WebOptions {
        WebOptions {
            secure_cookies: false,
            trusted_proxies: TrustedProxies::default(),
            limits: Limits {
                max_connections: 10_000,
                max_per_ip: 100,
            },
            idle_timeout: std::time::Duration::from_secs(60),
            max_message_bytes: 25 * 1024 * 1024,
            hostname: "localhost".to_owned(),
            acme_challenges: ChallengeTokens::default(),
            certificate_expiry: CertificateExpiry::default(),
        }
    }
}

/// The two web channels, each on a listener of its own.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WebChannel {
    /// The account owner's pages and the JSON API.
    Dashboard,
    /// The mailbox owner's pages.
    Webmail,
}

/// Serves `channel` on `listener` until `shutdown`: HTTPS when given a TLS acceptor, HTTP
/// otherwise. Open event streams end with the shutdown.
pub async fn serve_channel(
    channel: WebChannel,
    core: Arc<Core>,
    options: WebOptions,
    listener: TcpListener,
    tls: Option<Tls>,
    shutdown: CancellationToken,
) -> std::io::Result<()> {
    let https = options.secure_cookies;
    let proxies = Arc::new(options.trusted_proxies.clone());
    let (limits, idle) = (options.limits, options.idle_timeout);
    let challenges = acme_challenge::router(options.acme_challenges.clone());
    let meter = Meter::new(
        core.metrics(),
        match channel {
            WebChannel::Dashboard => Channel::Dashboard,
            WebChannel::Webmail => Channel::Webmail,
        },
    );
    let mut router = match channel {
        WebChannel::Dashboard => {
            let health = health::routes(core.clone(), options.certificate_expiry.clone());
            dashboard::router(core, options, shutdown.clone()).merge(health)
        }
        WebChannel::Webmail => webmail::router(core, options, shutdown.clone()),
    };
    router = router.merge(challenges);
    if https {
        router = router.layer(axum::middleware::from_fn(headers::strict_transport));
    }
    router = router.layer(axum::middleware::from_fn_with_state(
        proxies,
        client::resolve,
    ));
    let listener = CappedListener::new(listener, limits, meter, idle, shutdown.clone())?;
    match tls {
        Some(acceptor) => {
            let listener = tls_listener::TlsListener::new(listener, acceptor)?;
            serve(listener, router, shutdown).await
        }
        None => serve(listener, router, shutdown).await,
    }
}

/// A plain-HTTP listener beside the channels (metrics, ACME's port 80): under connection caps
/// and an idle timeout like theirs, its connections counted in no channel's metrics.
pub(crate) async fn serve_plain(
    listener: TcpListener,
    router: Router,
    limits: Limits,
    shutdown: CancellationToken,
) -> std::io::Result<()> {
    let idle = std::time::Duration::from_secs(30);
    let listener = CappedListener::new(listener, limits, Meter::off(), idle, shutdown.clone())?;
    serve(listener, router, shutdown).await
}

async fn serve<L: Listener<Addr = SocketAddr>>(
    listener: L,
    router: Router,
    shutdown: CancellationToken,
) -> std::io::Result<()> {
    // `tap_io` gives any listener axum's `ConnectInfo<SocketAddr>`, the peer's address that
    // `client::resolve` starts from.
    axum::serve(
        listener.tap_io(|_| {}),
        router.into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(async move { shutdown.cancelled().await })
    .await
}

/// "Generate strong password": the core's generator, so pages and CLI make the same kind.
pub(crate) async fn generated_password() -> axum::response::Response {
    match trekmail_core::security::password_generator::generate_password() {
        Ok(password) => (
            [(header::CACHE_CONTROL, "no-store")],
            axum::Json(serde_json::json!({ "password": password })),
        )
            .into_response(),
        Err(e) => crate::error::WebError::Core(e).into_response(),
    }
}
