//! The listeners: submission (STARTTLS, 587), submissions (implicit TLS, 465) and inbound
//! (25), sharing one set of connection limits (`trekmail-net`), the TLS acceptor and the
//! outbound queue's wake-up.

use crate::reply;
use crate::sender_checks::{DmarcReject, SenderChecks};
use crate::session::{Io, Session};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;
use tokio::io::AsyncWriteExt;
use tokio::net::{TcpListener, TcpStream};
use tokio_util::sync::CancellationToken;
use trekmail_core::Core;
use trekmail_net::Tls;
use trekmail_net::{Admitted, Connections, Limits, PlaintextAuth, Refused, Stream, TrustedProxies};

/// What a listener is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// Signed-in mailboxes sending mail, to anywhere.
    Submission,
    /// Other servers delivering to hosted addresses.
    Inbound,
}

#[derive(Debug, Clone)]
pub struct SmtpOptions {
    /// The name in the greeting, EHLO, `Received:` lines and bounces.
    pub hostname: String,
    pub plaintext_auth: PlaintextAuth,
    /// Advertised with SIZE and enforced.
    pub max_message_bytes: usize,
    pub max_recipients: usize,
    pub max_connections: usize,
    /// Open at once from one network (an IPv4 address or an IPv6 /64).
    pub max_connections_per_ip: usize,
    /// Whose PROXY protocol header names the client.
    pub trusted_proxies: TrustedProxies,
    /// RFC 5321 4.5.3.2.7: at least five minutes.
    pub idle_timeout: Duration,
    /// How long a submission connection may take to sign in.
    pub pre_auth_timeout: Duration,
    /// Bounces to one envelope sender per hour, on every node together; more are dropped.
    pub max_bounces_per_sender_hour: u32,
    /// Where messages are kept while they arrive (unnamed files, gone when closed).
    pub spool_dir: PathBuf,
    /// SPF, DKIM and DMARC on mail from other servers.
    pub sender_checks: SenderChecks,
}

impl Default for SmtpOptions {
    fn default() -> SmtpOptions {
        SmtpOptions {
            hostname: "localhost".to_owned(),
            plaintext_auth: PlaintextAuth::Loopback,
            max_message_bytes: 25 * 1024 * 1024,
            max_recipients: 100,
            max_connections: 10_000,
            max_connections_per_ip: 50,
            trusted_proxies: TrustedProxies::default(),
            idle_timeout: Duration::from_secs(5 * 60),
            pre_auth_timeout: Duration::from_secs(60),
            max_bounces_per_sender_hour: 20,
            spool_dir: std::env::temp_dir(),
            sender_checks: SenderChecks::On(DmarcReject::Refuse),
        }
    }
}

/// The SMTP service of a node, shared by its listeners and its queue worker.
pub struct Smtp {
    pub(crate) core: Arc<Core>,
    pub(crate) options: SmtpOptions,
    pub(crate) tls: Option<Tls>,
    connections: Connections,
}

impl Smtp {
    pub fn new(core: Arc<Core>, options: SmtpOptions, tls: Option<Tls>) -> Arc<Smtp> {
        Arc::new(Smtp {
            connections: Connections::new(
                Limits {
                    max_connections: options.max_connections,
                    max_per_ip: options.max_connections_per_ip,
                },
                options.trusted_proxies.clone(),
                trekmail_net::Meter::new(core.metrics(), trekmail_core::audit::Channel::Smtp),
            ),
            core,
            options,
            tls,
        })
    }

    /// Accepts connections on `listener` until `shutdown`; with `implicit_tls` each one starts
    /// with a TLS handshake (port 465).
    pub async fn serve(
        self: Arc<Self>,
        listener: TcpListener,
        role: Role,
        implicit_tls: bool,
        shutdown: CancellationToken,
    ) {
        let context = (self.clone(), role, implicit_tls);
        self.connections
            .serve_with(listener, shutdown, context, connect)
            .await;
    }

    /// Waits until every connection has had its closing reply (after shutdown).
    pub async fn closed(&self) {
        self.connections.closed().await;
    }

    /// Returns when new mail waits in the queue, whoever queued it.
    pub(crate) async fn queue_woken(&self) {
        self.core.outbound_queued().await;
    }
}

/// One connection: refused when over a limit (before any TLS handshake, in plaintext), else
/// its TLS handshake first on an implicit-TLS listener, then the session.
async fn connect(
    (smtp, role, implicit_tls): (Arc<Smtp>, Role, bool),
    shutdown: CancellationToken,
    tcp: TcpStream,
    peer: SocketAddr,
    admitted: Result<Admitted, Refused>,
) {
    let Ok(admitted) = admitted else {
        return refuse(tcp).await;
    };
    let Some(stream) = Stream::open(tcp, implicit_tls, smtp.tls.as_ref()).await else {
        return;
    };
    let io: Box<dyn Io> = Box::new(stream);
    Session::new(smtp, role, peer, io, implicit_tls)
        .run(shutdown)
        .await;
    drop(admitted);
}

async fn refuse(mut tcp: TcpStream) {
    let _ = tcp.write_all(&reply::TOO_MANY_CONNECTIONS.to_wire()).await;
}
