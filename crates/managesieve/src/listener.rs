//! The ManageSieve service of a node (port 4190, STARTTLS): its connection limits, its TLS
//! acceptor, and the accept loop until shutdown.

use crate::connection;
use crate::stream::Link;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::{TcpListener, TcpStream};
use tokio_util::sync::CancellationToken;
use trekmail_core::Core;
use trekmail_net::Tls;
use trekmail_net::{Admitted, Connections, Limits, PlaintextAuth, Refused, Stream, TrustedProxies};

#[derive(Debug, Clone)]
pub struct ManageSieveOptions {
    pub plaintext_auth: PlaintextAuth,
    pub max_connections: usize,
    /// Open at once from one network (an IPv4 address or an IPv6 /64).
    pub max_connections_per_ip: usize,
    /// Whose PROXY protocol header names the client.
    pub trusted_proxies: TrustedProxies,
    /// A signed-in client silent this long is let go.
    pub idle_timeout: Duration,
    /// How long a connection may take to sign in.
    pub pre_auth_timeout: Duration,
    /// Longest command line, outside literals; a longer one ends the connection.
    pub max_line: usize,
}

impl Default for ManageSieveOptions {
    fn default() -> ManageSieveOptions {
        ManageSieveOptions {
            plaintext_auth: PlaintextAuth::Loopback,
            max_connections: 1000,
            max_connections_per_ip: 20,
            trusted_proxies: TrustedProxies::default(),
            idle_timeout: Duration::from_secs(30 * 60),
            pre_auth_timeout: Duration::from_secs(60),
            max_line: 8 * 1024,
        }
    }
}

/// One node's ManageSieve service.
pub struct ManageSieveServer {
    pub(crate) core: Arc<Core>,
    pub(crate) options: ManageSieveOptions,
    pub(crate) tls: Option<Tls>,
    connections: Connections,
}

impl ManageSieveServer {
    /// Without `tls` there is no STARTTLS.
    pub fn new(
        core: Arc<Core>,
        options: ManageSieveOptions,
        tls: Option<Tls>,
    ) -> Arc<ManageSieveServer> {
        Arc::new(ManageSieveServer {
            connections: Connections::new(
                Limits {
                    max_connections: options.max_connections,
                    max_per_ip: options.max_connections_per_ip,
                },
                options.trusted_proxies.clone(),
                trekmail_net::Meter::new(
                    core.metrics(),
                    trekmail_core::audit::Channel::ManageSieve,
                ),
            ),
            core,
            options,
            tls,
        })
    }

    /// Accepts connections on `listener` until `shutdown`; each then ends with `BYE`.
    pub async fn serve(self: Arc<Self>, listener: TcpListener, shutdown: CancellationToken) {
        self.connections
            .serve_with(listener, shutdown, self.clone(), connect)
            .await;
    }

    /// Waits until every connection has said its `BYE` and closed (after shutdown).
    pub async fn closed(&self) {
        self.connections.closed().await;
    }
}

/// One connection: the session, or the refusal when it is over a limit.
async fn connect(
    server: Arc<ManageSieveServer>,
    shutdown: CancellationToken,
    tcp: TcpStream,
    peer: SocketAddr,
    admitted: Result<Admitted, Refused>,
) {
    let link = Link::new(Stream::Plain(tcp));
    match admitted {
        Ok(admitted) => {
            connection::run(link, peer, server, shutdown).await;
            drop(admitted);
        }
        Err(_) => connection::refuse(link).await,
    }
}
