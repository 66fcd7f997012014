//! The byte stream under a connection: plain TCP, or TLS after STARTTLS on the same socket.

use std::io;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio_rustls::TlsAcceptor;
use tokio_rustls::server::TlsStream;

/// How long, and how much, a closing connection still reads and drops.
const LINGER: Duration = Duration::from_secs(1);
const LINGER_BYTES: usize = 1024 * 1024;

pub(crate) enum Link {
    Plain(TcpStream),
    Tls(Box<TlsStream<TcpStream>>),
    /// A TLS handshake failed: nothing more to say or hear.
    Gone,
}

impl Link {
    pub(crate) fn is_tls(&self) -> bool {
        matches!(self, Link::Tls(_))
    }

    /// Reads what has come, `Ok(0)` at the end. Cancel-safe: a read either completes or takes
    /// nothing.
    pub(crate) async fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        match self {
            Link::Plain(tcp) => tcp.read(buf).await,
            Link::Tls(tls) => tls.read(buf).await,
            Link::Gone => Ok(0),
        }
    }

    pub(crate) async fn write(&mut self, bytes: &[u8]) -> io::Result<()> {
        match self {
            Link::Plain(tcp) => tcp.write_all(bytes).await,
            Link::Tls(tls) => {
                tls.write_all(bytes).await?;
                tls.flush().await
            }
            Link::Gone => Err(io::ErrorKind::NotConnected.into()),
        }
    }

    /// STARTTLS: the server side of a TLS handshake on the same socket, bounded by `timeout`.
    /// False (and the link gone) if it fails.
    pub(crate) async fn start_tls(&mut self, acceptor: &TlsAcceptor, timeout: Duration) -> bool {
        let Link::Plain(tcp) = std::mem::replace(self, Link::Gone) else {
            return false;
        };
        match tokio::time::timeout(timeout, acceptor.accept(tcp)).await {
            Ok(Ok(tls)) => {
                *self = Link::Tls(Box::new(tls));
                true
            }
            _ => false,
        }
    }

    /// Closes the stream (TLS with its close_notify), then reads and drops what the client
    /// still sends for a moment: closing a socket with unread input resets it, and the reset
    /// could destroy the closing response before the client reads it.
    pub(crate) async fn close(&mut self) {
        let _ = match self {
            Link::Plain(tcp) => tcp.shutdown().await,
            Link::Tls(tls) => tls.shutdown().await,
            Link::Gone => return,
        };
        let _ = tokio::time::timeout(LINGER, async {
            let mut chunk = [0u8; 1024];
            let mut left = LINGER_BYTES;
            while left > 0 {
                let n = match self {
                    Link::Plain(tcp) => tcp.read(&mut chunk).await,
                    Link::Tls(tls) => tls.get_mut().0.read(&mut chunk).await,
                    Link::Gone => return,
                };
                match n {
                    Ok(0) | Err(_) => return,
                    Ok(n) => left = left.saturating_sub(n),
                }
            }
        })
        .await;
    }
}
