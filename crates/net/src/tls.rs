//! The server side of every TLS handshake: the ClientHello is read first, so that a
//! TLS-ALPN-01 validation (RFC 8737, ALPN `acme-tls/1`) gets its challenge certificate under a
//! config offering that protocol alone, while every other client gets the normal config, which
//! offers no ALPN at all (rustls refuses a client whose ALPN list misses the server's).

use crate::certificates::{ACME_TLS_ALPN, Certificates};
use rustls::ServerConfig;
use rustls::server::Acceptor;
use std::io;
use std::sync::Arc;
use tokio::io::{AsyncRead, AsyncWrite, AsyncWriteExt};
use tokio_rustls::LazyConfigAcceptor;
use tokio_rustls::server::TlsStream;

/// What every listener handshakes with; cheap to clone.
#[derive(Clone)]
pub struct Tls {
    certificates: Certificates,
    normal: Arc<ServerConfig>,
    challenge: Arc<ServerConfig>,
}

/// How a handshake ended.
pub enum Accepted<IO> {
    /// A client of the protocol, over TLS.
    Stream(Box<TlsStream<IO>>),
    /// An ACME server's TLS-ALPN-01 validation, answered and closed.
    Challenge,
}

impl Tls {
    /// TLS 1.2 and 1.3 on ring, serving `certificates`.
    pub fn new(certificates: Certificates) -> Result<Tls, rustls::Error> {
        let config = || {
            let provider = Arc::new(rustls::crypto::ring::default_provider());
            Ok::<_, rustls::Error>(
                ServerConfig::builder_with_provider(provider)
                    .with_safe_default_protocol_versions()?
                    .with_no_client_auth()
                    .with_cert_resolver(Arc::new(certificates.clone())),
            )
        };
        let normal = config()?;
        let mut challenge = config()?;
        challenge.alpn_protocols = vec![ACME_TLS_ALPN.to_vec()];
        Ok(Tls {
            certificates,
            normal: Arc::new(normal),
            challenge: Arc::new(challenge),
        })
    }

    /// The keys served, to swap while the listeners run.
    pub fn certificates(&self) -> &Certificates {
        &self.certificates
    }

    /// The handshake on `io` (callers bound it in time).
    pub async fn accept<IO>(&self, io: IO) -> io::Result<Accepted<IO>>
    where
        IO: AsyncRead + AsyncWrite + Unpin,
    {
        let start = LazyConfigAcceptor::new(Acceptor::default(), io).await?;
        let validation = start
            .client_hello()
            .alpn()
            .is_some_and(|mut offered| offered.any(|p| p == ACME_TLS_ALPN));
        if !validation {
            let stream = start.into_stream(self.normal.clone()).await?;
            return Ok(Accepted::Stream(Box::new(stream)));
        }
        let mut stream = start.into_stream(self.challenge.clone()).await?;
        let _ = stream.shutdown().await;
        tracing::debug!("answered a TLS-ALPN-01 validation");
        Ok(Accepted::Challenge)
    }
}
