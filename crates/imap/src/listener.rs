//! The IMAP service of a node: its listeners (143 with STARTTLS, 993 with implicit TLS) share
//! one connection limit and the TLS acceptor, and accept until shutdown.

use crate::connection;
use crate::folder_states::FolderStates;
use crate::limits::{InFlightBudget, LineGuard, max_command};
use crate::transport::Transport;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::{TcpListener, TcpStream};
use tokio_util::sync::CancellationToken;
use trekmail_core::Core;
use trekmail_net::Tls;
use trekmail_net::{Admitted, Connections, Limits, PlaintextAuth, Refused, Stream, TrustedProxies};

#[derive(Debug, Clone)]
pub struct ImapOptions {
    pub plaintext_auth: PlaintextAuth,
    pub max_connections: usize,
    /// Open at once from one network (an IPv4 address or an IPv6 /64).
    pub max_connections_per_ip: usize,
    /// Whose PROXY protocol header names the client.
    pub trusted_proxies: TrustedProxies,
    /// RFC 3501's autologout timer: at least 30 minutes (shorter only in tests).
    pub idle_timeout: Duration,
    /// How long a connection may take to sign in.
    pub pre_auth_timeout: Duration,
    /// Longest command line, outside literals.
    pub max_line: u32,
    /// Largest literal (an APPENDed message); the mailbox quota still applies.
    pub max_literal: u32,
    /// Literal bytes all connections together may hold at once (at least one largest
    /// literal); a client whose literal does not fit waits.
    pub max_inflight_bytes: u64,
}

impl Default for ImapOptions {
    fn default() -> ImapOptions {
        ImapOptions {
            plaintext_auth: PlaintextAuth::Loopback,
            max_connections: 10_000,
            max_connections_per_ip: 100,
            trusted_proxies: TrustedProxies::default(),
            idle_timeout: Duration::from_secs(30 * 60),
            pre_auth_timeout: Duration::from_secs(60),
            max_line: 64 * 1024,
            max_literal: 25 * 1024 * 1024,
            max_inflight_bytes: 512 * 1024 * 1024,
        }
    }
}

/// One node's IMAP service.
pub struct ImapServer {
    pub(crate) core: Arc<Core>,
    pub(crate) options: ImapOptions,
    pub(crate) tls: Option<Tls>,
    connections: Connections,
    budget: InFlightBudget,
    /// The node's kept states of large folders, for SELECT.
    pub(crate) folder_states: FolderStates,
}

impl ImapServer {
    /// Without `tls` there is no STARTTLS and no implicit-TLS listener.
    pub fn new(core: Arc<Core>, options: ImapOptions, tls: Option<Tls>) -> Arc<ImapServer> {
        Arc::new(ImapServer {
            budget: InFlightBudget::new(
                options.max_inflight_bytes,
                max_command(options.max_line, options.max_literal),
            ),
            connections: Connections::new(
                Limits {
                    max_connections: options.max_connections,
                    max_per_ip: options.max_connections_per_ip,
                },
                options.trusted_proxies.clone(),
                trekmail_net::Meter::new(core.metrics(), trekmail_core::audit::Channel::Imap),
            ),
            core,
            options,
            tls,
            folder_states: FolderStates::default(),
        })
    }

    /// Accepts connections on `listener` until `shutdown`; with `implicit_tls` each starts with
    /// a TLS handshake (port 993). Each connection ends with `* BYE` at shutdown.
    pub async fn serve(
        self: Arc<Self>,
        listener: TcpListener,
        implicit_tls: bool,
        shutdown: CancellationToken,
    ) {
        let context = (self.clone(), implicit_tls);
        self.connections
            .serve_with(listener, shutdown, context, connect)
            .await;
    }

    /// Waits until every connection has said its `* BYE` and closed (after shutdown).
    pub async fn closed(&self) {
        self.connections.closed().await;
    }
}

/// One connection: its TLS handshake first on an implicit-TLS listener, then the session, or
/// the refusal when it is over a limit.
async fn connect(
    (server, implicit_tls): (Arc<ImapServer>, bool),
    shutdown: CancellationToken,
    tcp: TcpStream,
    peer: SocketAddr,
    admitted: Result<Admitted, Refused>,
) {
    let Some(stream) = Stream::open(tcp, implicit_tls, server.tls.as_ref()).await else {
        return;
    };
    let guard = LineGuard::new(server.options.max_line as usize, server.options.max_literal);
    let transport = Transport::new(stream, guard, server.budget.clone());
    match admitted {
        Ok(admitted) => {
            connection::run(transport, peer, server, shutdown).await;
            drop(admitted);
        }
        Err(_) => connection::refuse(transport).await,
    }
}
