//! The one accept loop under every TCP listener of a node (IMAP, SMTP, ManageSieve): the
//! client's real address (the PROXY protocol header, from trusted proxies only), how many
//! connections may be open at once, overall and from one network, and the tasks of the open
//! ones, tracked so that a stopping server can wait for their closing replies, for a bounded
//! time. Also what every listener does alike after accepting: the plain or TLS stream and its
//! close, when a password may be sent, and SASL PLAIN.

mod admission;
mod certificates;
mod challenge_tokens;
mod plaintext_auth;
mod proxy_protocol;
mod sasl_plain;
mod stream;
mod tls;
mod trusted_proxies;

pub use admission::{Admitted, Limits, Refused};
pub use certificates::{ACME_TLS_ALPN, CertificateError, Certificates, ServedKey};
pub use challenge_tokens::ChallengeTokens;
pub use plaintext_auth::PlaintextAuth;
pub use proxy_protocol::{ProxyHeaderError, read_header};
pub use sasl_plain::sasl_plain;
pub use stream::{HANDSHAKE_TIMEOUT, Stream};
pub use tls::{Accepted, Tls};
pub use trusted_proxies::TrustedProxies;

use admission::Admission;
use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::{TcpListener, TcpStream};
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;
use trekmail_core::audit::Channel;
use trekmail_core::metrics::Metrics;

/// How long a trusted proxy may take to send its PROXY header.
const PROXY_HEADER_TIMEOUT: Duration = Duration::from_secs(5);

/// The connections of one service (all its listeners): their limits and their tasks.
pub struct Connections {
    admission: Arc<Admission>,
    proxies: Arc<TrustedProxies>,
    tasks: TaskTracker,
    meter: Arc<Meter>,
}

/// Where a service's accepted connections are counted: the node's metrics, by channel.
pub struct Meter(Option<(Metrics, Channel)>);

impl Meter {
    pub fn new(metrics: &Metrics, channel: Channel) -> Meter {
        Meter(Some((metrics.clone(), channel)))
    }

    /// Not counted (the metrics listener's own scrapes).
    pub fn off() -> Meter {
        Meter(None)
    }
}

impl Connections {
    pub fn new(limits: Limits, proxies: TrustedProxies, meter: Meter) -> Connections {
        Connections {
            admission: Arc::new(Admission::new(limits)),
            proxies: Arc::new(proxies),
            tasks: TaskTracker::new(),
            meter: Arc::new(meter),
        }
    }

    /// `serve` for a protocol service: `handle` gets its own clone of `context` (the service,
    /// what the listener is for) and of `shutdown`, to say goodbye on, with each connection.
    pub async fn serve_with<C, F, Fut>(
        &self,
        listener: TcpListener,
        shutdown: CancellationToken,
        context: C,
        handle: F,
    ) where
        C: Clone + Send + Sync + 'static,
        F: Fn(C, CancellationToken, TcpStream, SocketAddr, Result<Admitted, Refused>) -> Fut
            + Send
            + Sync
            + 'static,
        Fut: Future<Output = ()> + Send + 'static,
    {
        let stop = shutdown.clone();
        let each =
            move |tcp, peer, admitted| handle(context.clone(), stop.clone(), tcp, peer, admitted);
        self.serve(listener, shutdown, each).await;
    }

    /// Accepts on `listener` until `shutdown`, and runs `handle` for each connection in a
    /// tracked task, with the client's address (from a trusted proxy's PROXY header, else the
    /// peer's) and its admission: `Err` when it is over a limit, for the protocol to refuse in
    /// its own words. A trusted proxy's connection without a valid header is closed.
    pub async fn serve<F, Fut>(&self, listener: TcpListener, shutdown: CancellationToken, handle: F)
    where
        F: Fn(TcpStream, SocketAddr, Result<Admitted, Refused>) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = ()> + Send + 'static,
    {
        let handle = Arc::new(handle);
        loop {
            let accepted = tokio::select! {
                () = shutdown.cancelled() => return,
                accepted = listener.accept() => accepted,
            };
            let (tcp, peer) = match accepted {
                Ok(pair) => pair,
                Err(e) => {
                    // Out of file descriptors, most likely: let some close first.
                    tracing::warn!(error = %e, "accept failed");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    continue;
                }
            };
            let _ = tcp.set_nodelay(true);
            if !self.proxies.trusts(peer.ip()) {
                // Admitted here, in the order connections arrive.
                let admitted = admit(&self.admission, &self.meter, peer);
                self.tasks.spawn(handle(tcp, peer, admitted));
                continue;
            }
            // A proxy's connection is admitted for the client its header names, once read.
            let (admission, meter, handle) =
                (self.admission.clone(), self.meter.clone(), handle.clone());
            self.tasks.spawn(async move {
                let mut tcp = tcp;
                let header = tokio::time::timeout(PROXY_HEADER_TIMEOUT, read_header(&mut tcp));
                let client = match header.await {
                    Ok(Ok(client)) => client.unwrap_or(peer),
                    Ok(Err(e)) => return tracing::warn!(%peer, error = %e, "proxy refused"),
                    Err(_) => return tracing::warn!(%peer, "no PROXY header in time"),
                };
                let admitted = admit(&admission, &meter, client);
                handle(tcp, client, admitted).await;
            });
        }
    }

    /// Waits until every connection task has ended (call after `shutdown`).
    pub async fn closed(&self) {
        self.tasks.close();
        self.tasks.wait().await;
    }
}

fn admit(
    admission: &Arc<Admission>,
    meter: &Meter,
    client: SocketAddr,
) -> Result<Admitted, Refused> {
    let mut admitted = Admission::admit(admission, client.ip());
    match &mut admitted {
        Ok(place) => {
            if let Some((metrics, channel)) = &meter.0 {
                place.open = Some(metrics.connection_opened(*channel));
            }
        }
        Err(refused) => tracing::warn!(%client, %refused, "connection refused"),
    }
    admitted
}
