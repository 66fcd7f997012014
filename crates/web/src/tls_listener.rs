//! HTTPS for the web listeners: admitted TCP connections are handshaken on their own tasks (a
//! slow or silent client never holds up the others) and only finished TLS streams reach axum.

use crate::capped_listener::{CappedListener, Counted};
use axum::serve::Listener;
use std::net::SocketAddr;
use std::time::Duration;
use tokio::net::TcpStream;
use tokio::sync::mpsc;
use tokio_rustls::server::TlsStream;
use trekmail_net::{Accepted, Tls};

/// How long a client may take to finish its handshake.
const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);
/// Finished handshakes waiting for axum to take them.
const QUEUE: usize = 128;

pub struct TlsListener {
    ready: mpsc::Receiver<(TlsStream<Counted<TcpStream>>, SocketAddr)>,
    local: SocketAddr,
}

impl TlsListener {
    /// Handshakes what `tcp` admits; ends when it stops or this listener is dropped.
    pub fn new(mut tcp: CappedListener, acceptor: Tls) -> std::io::Result<TlsListener> {
        let local = tcp.local_addr()?;
        let (tx, ready) = mpsc::channel(QUEUE);
        tokio::spawn(async move {
            while let Some((stream, peer)) = tcp.next().await {
                if tx.is_closed() {
                    return;
                }
                let acceptor = acceptor.clone();
                let tx = tx.clone();
                tokio::spawn(async move {
                    match tokio::time::timeout(HANDSHAKE_TIMEOUT, acceptor.accept(stream)).await {
                        Ok(Ok(Accepted::Stream(tls))) => {
                            let _ = tx.send((*tls, peer)).await;
                        }
                        Ok(Ok(Accepted::Challenge)) => {}
                        Ok(Err(e)) => tracing::debug!(%peer, error = %e, "TLS handshake failed"),
                        Err(_) => tracing::debug!(%peer, "TLS handshake timed out"),
                    }
                });
            }
        });
        Ok(TlsListener { ready, local })
    }
}

impl Listener for TlsListener {
    type Io = TlsStream<Counted<TcpStream>>;
    type Addr = SocketAddr;

    async fn accept(&mut self) -> (Self::Io, Self::Addr) {
        match self.ready.recv().await {
            Some(accepted) => accepted,
            // The accept loop stops at shutdown, or when this listener is gone.
            None => std::future::pending().await,
        }
    }

    fn local_addr(&self) -> std::io::Result<SocketAddr> {
        Ok(self.local)
    }
}
