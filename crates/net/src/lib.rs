//! The one accept loop under every TCP listener of a node (IMAP, SMTP): how many connections
//! may be open at once, overall and from one network, and the tasks of the open ones, tracked
//! so that a stopping server can wait for their closing replies, for a bounded time.

mod admission;
mod trusted_proxies;

pub use admission::{Admitted, Limits, Refused};
pub use trusted_proxies::TrustedProxies;

use admission::Admission;
use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::{TcpListener, TcpStream};
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

/// The connections of one service (all its listeners): their limits and their tasks.
pub struct Connections {
    admission: Arc<Admission>,
    tasks: TaskTracker,
}

impl Connections {
    pub fn new(limits: Limits) -> Connections {
        Connections {
            admission: Arc::new(Admission::new(limits)),
            tasks: TaskTracker::new(),
        }
    }

    /// Accepts on `listener` until `shutdown`, and runs `handle` for each connection in a
    /// tracked task, with its admission: `Err` when it is over a limit, for the protocol to
    /// refuse in its own words.
    pub async fn serve<F, Fut>(&self, listener: TcpListener, shutdown: CancellationToken, handle: F)
    where
        F: Fn(TcpStream, SocketAddr, Result<Admitted, Refused>) -> Fut,
        Fut: Future<Output = ()> + Send + 'static,
    {
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
            let admitted = Admission::admit(&self.admission, peer.ip());
            if let Err(refused) = &admitted {
                tracing::warn!(%peer, %refused, "connection refused");
            }
            self.tasks.spawn(handle(tcp, peer, admitted));
        }
    }

    /// Waits until every connection task has ended (call after `shutdown`).
    pub async fn closed(&self) {
        self.tasks.close();
        self.tasks.wait().await;
    }
}
