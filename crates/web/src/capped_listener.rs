//! The web listeners' connection caps, the same rule as IMAP's and SMTP's (`trekmail_net`):
//! TCP connections are counted overall and per network as they are accepted, before any TLS
//! handshake; one over a cap is closed at once, unanswered, and an admitted one keeps its
//! place until it closes, or until no byte has gone either way for the idle timeout (a client
//! that connects and says nothing, or stops mid-request, holds its place no longer). Behind a
//! proxy the count is the proxy's own.

use axum::serve::Listener;
use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc;
use tokio::time::Sleep;
use tokio_util::sync::CancellationToken;
use trekmail_net::{Admitted, Connections, Limits, Meter, TrustedProxies};

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
        meter: Meter,
        idle: Duration,
        shutdown: CancellationToken,
    ) -> io::Result<CappedListener> {
        let local = tcp.local_addr()?;
        let (tx, ready) = mpsc::channel(QUEUE);
        tokio::spawn(async move {
            // The web takes no PROXY header: its proxies speak HTTP (`X-Forwarded-For`).
            let connections = Connections::new(limits, TrustedProxies::default(), meter);
            connections
                .serve(tcp, shutdown, move |io, peer, admitted| {
                    let tx = tx.clone();
                    async move {
                        // A refused connection is dropped here, which closes it.
                        if let Ok(place) = admitted {
                            let counted = Counted {
                                io,
                                _place: place,
                                idle,
                                deadline: Box::pin(tokio::time::sleep(idle)),
                            };
                            let _ = tx.send((counted, peer)).await;
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
    idle: Duration,
    /// When the connection is idle for too long; moved on by every byte read or written.
    deadline: Pin<Box<Sleep>>,
}

impl<T> Counted<T> {
    /// What a read or write that made progress, or waits, means for the idle timer.
    fn watch<R>(
        &mut self,
        cx: &mut Context<'_>,
        poll: Poll<io::Result<R>>,
        moved: bool,
    ) -> Poll<io::Result<R>> {
        match poll {
            Poll::Ready(Ok(_)) if moved => {
                let next = tokio::time::Instant::now() + self.idle;
                self.deadline.as_mut().reset(next);
                poll
            }
            Poll::Pending if self.deadline.as_mut().poll(cx).is_ready() => Poll::Ready(Err(
                io::Error::new(io::ErrorKind::TimedOut, "idle for too long"),
            )),
            other => other,
        }
    }
}

impl<T: AsyncRead + Unpin> AsyncRead for Counted<T> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        let before = buf.filled().len();
        let poll = Pin::new(&mut this.io).poll_read(cx, buf);
        let moved = buf.filled().len() > before;
        this.watch(cx, poll, moved)
    }
}

impl<T: AsyncWrite + Unpin> AsyncWrite for Counted<T> {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        let poll = Pin::new(&mut this.io).poll_write(cx, buf);
        let moved = matches!(poll, Poll::Ready(Ok(n)) if n > 0);
        this.watch(cx, poll, moved)
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        let poll = Pin::new(&mut this.io).poll_write_vectored(cx, bufs);
        let moved = matches!(poll, Poll::Ready(Ok(n)) if n > 0);
        this.watch(cx, poll, moved)
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
