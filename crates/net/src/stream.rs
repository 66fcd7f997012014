//! The byte stream under a connection, plain TCP or TLS, for every listener: the TLS handshake
//! with its one timeout (implicit on ports 465 and 993, or after STARTTLS on the same socket),
//! and the lingering close that lets the client read the last response.

use crate::tls::{Accepted, Tls};
use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt, ReadBuf};
use tokio::net::TcpStream;
use tokio_rustls::server::TlsStream;

/// How long a client may take over its TLS handshake.
pub const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(30);

/// How long, and how much, a closing connection still reads and drops.
const LINGER: Duration = Duration::from_secs(1);
const LINGER_BYTES: usize = 1024 * 1024;

/// One connection's bytes; both sides implement tokio's `AsyncRead` and `AsyncWrite`.
pub enum Stream {
    Plain(TcpStream),
    Tls(Box<TlsStream<TcpStream>>),
}

impl Stream {
    /// The stream a listener's connection starts on: with `implicit_tls` only after a TLS
    /// handshake, so `None` if that fails or there is no `acceptor`.
    pub async fn open(
        tcp: TcpStream,
        implicit_tls: bool,
        acceptor: Option<&Tls>,
    ) -> Option<Stream> {
        match (implicit_tls, acceptor) {
            (false, _) => Some(Stream::Plain(tcp)),
            (true, Some(acceptor)) => Stream::tls(tcp, acceptor).await,
            (true, None) => None,
        }
    }

    /// The server side of a TLS handshake on `tcp`, bounded by `HANDSHAKE_TIMEOUT`; `None`
    /// too after an ACME validation, which ends the connection.
    pub async fn tls(tcp: TcpStream, acceptor: &Tls) -> Option<Stream> {
        match tokio::time::timeout(HANDSHAKE_TIMEOUT, acceptor.accept(tcp)).await {
            Ok(Ok(Accepted::Stream(tls))) => Some(Stream::Tls(tls)),
            _ => None,
        }
    }

    /// STARTTLS: the handshake on the same socket; `None` if it fails or TLS is on already.
    pub async fn start_tls(self, acceptor: &Tls) -> Option<Stream> {
        match self {
            Stream::Plain(tcp) => Stream::tls(tcp, acceptor).await,
            Stream::Tls(_) => None,
        }
    }

    pub fn is_tls(&self) -> bool {
        matches!(self, Stream::Tls(_))
    }

    /// Closes the stream (TLS with its close_notify), then reads and drops what the client
    /// still sends for a moment: closing a socket with unread input resets it, and the reset
    /// could destroy the closing response before the client reads it.
    pub async fn close(&mut self) {
        let _ = self.shutdown().await;
        let _ = tokio::time::timeout(LINGER, async {
            let mut chunk = [0u8; 1024];
            let mut left = LINGER_BYTES;
            while left > 0 {
                // Under TLS the raw socket: after close_notify no record is expected.
                let n = match self {
                    Stream::Plain(tcp) => tcp.read(&mut chunk).await,
                    Stream::Tls(tls) => tls.get_mut().0.read(&mut chunk).await,
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

impl AsyncRead for Stream {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        match self.get_mut() {
            Stream::Plain(tcp) => Pin::new(tcp).poll_read(cx, buf),
            Stream::Tls(tls) => Pin::new(tls).poll_read(cx, buf),
        }
    }
}

impl AsyncWrite for Stream {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        match self.get_mut() {
            Stream::Plain(tcp) => Pin::new(tcp).poll_write(cx, buf),
            Stream::Tls(tls) => Pin::new(tls).poll_write(cx, buf),
        }
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self.get_mut() {
            Stream::Plain(tcp) => Pin::new(tcp).poll_flush(cx),
            Stream::Tls(tls) => Pin::new(tls).poll_flush(cx),
        }
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self.get_mut() {
            Stream::Plain(tcp) => Pin::new(tcp).poll_shutdown(cx),
            Stream::Tls(tls) => Pin::new(tls).poll_shutdown(cx),
        }
    }
}
