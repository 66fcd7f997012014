//! The web listeners' connection caps, the same rule as IMAP's and SMTP's (`trekmail_net`):
//! TCP connections are counted overall and per network as they are accepted, before any TLS
//! handshake; one over a cap is closed at once, unanswered, and an admitted one keeps its
//! place until it closes. Behind a proxy the count is the proxy's own.

use axum::serve::Listener;
use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::task::{Context, Poll};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;
use trekmail_net::{Admitted, Connections, Limits, TrustedProxies};

/// Admitted connections waiting for the server to take them.
const QUEUE: usize = 128;

pub struct CappedListener {
    ready: mpsc::Receiver<(Counted<TcpStream>, SocketAddr)>,
    local: SocketAddr,
}

impl CappedListener {
    /// Starts accepting on `tcp` under `limits`, until `shutdown`.
    pub fn new(
        tcp: TcpListener,
        limits: Limits,
        shutdown: CancellationToken,
    ) -> io::Result<CappedListener> {
        let local = tcp.local_addr()?;
        let (tx, ready) = mpsc::channel(QUEUE);
        tokio::spawn(async move {
            // The web takes no PROXY header: its proxies speak HTTP (`X-Forwarded-For`).
            let connections = Connections::new(limits, TrustedProxies::default());
            connections
                .serve(tcp, shutdown, move |io, peer, admitted| {
                    let tx = tx.clone();
                    async move {
                        // A refused connection is dropped here, which closes it.
                        if let Ok(place) = admitted {
                            let _ = tx.send((Counted { io, _place: place }, peer)).await;
                        }
                    }
                })
                .await;
        });
        Ok(CappedListener { ready, local })
    }

    /// The next admitted connection; `None` once accepting has stopped.
    pub async fn next(&mut self) -> Option<(Counted<TcpStream>, SocketAddr)> {
        self.ready.recv().await
    }
}

impl Listener for CappedListener {
    type Io = Counted<TcpStream>;
    type Addr = SocketAddr;

    async fn accept(&mut self) -> (Self::Io, Self::Addr) {
        match self.next().await {
            Some(accepted) => accepted,
            // Accepting stops only at shutdown, which ends the server too.
            None => std::future::pending().await,
        }
    }

    fn local_addr(&self) -> io::Result<SocketAddr> {
        Ok(self.local)
    }
}

/// A connection holding its place under the caps, given back when it is dropped.
pub struct Counted<T> {
    io: T,
    _place: Admitted,
}

impl<T: AsyncRead + Unpin> AsyncRead for Counted<T> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().io).poll_read(cx, buf)
    }
}

impl<T: AsyncWrite + Unpin> AsyncWrite for Counted<T> {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.get_mut().io).poll_write(cx, buf)
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.get_mut().io).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.io.is_write_vectored()
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().io).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().io).poll_shutdown(cx)
    }
}
