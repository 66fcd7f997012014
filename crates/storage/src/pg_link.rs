//! The node link on PostgreSQL: NOTIFY to send, a LISTENing connection to receive.

use crate::error::{cannot_connect, cause};
use sqlx::Connection;
use sqlx::postgres::{PgConnection, PgListener, PgPool, PgPoolOptions};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;
use tokio::sync::mpsc;
use trekmail_core::cluster::{ClusterLink, Envelope, Inbound};
use trekmail_core::error::CoreError;
use trekmail_core::store::StoreError;

/// The one channel every TrekMail node of a database listens on.
const CHANNEL: &str = "trekmail_cluster";
const NOTIFY: &str = "SELECT pg_notify('trekmail_cluster', $1)";
const ACQUIRE_TIMEOUT: Duration = Duration::from_secs(30);
const FIRST_RETRY: Duration = Duration::from_millis(100);
const LAST_RETRY: Duration = Duration::from_secs(10);

/// Sends envelopes to every node on the database, this one included (the core skips its own
/// by `origin`). Delivery is best effort: PostgreSQL drops notifications for a listener that
/// is disconnected, which is why a reconnect is reported as [`Inbound::Resync`].
#[derive(Debug, Clone)]
pub struct PgLink {
    pool: PgPool,
    /// Whether the listening connection is up (false while it reconnects), for `/readyz`.
    listening: Arc<AtomicBool>,
}

impl PgLink {
    /// Connects, starts listening, and returns the link with the channel it feeds. The
    /// listening task ends when the receiver is dropped.
    pub async fn connect(
        url: &str,
        capacity: usize,
    ) -> Result<(PgLink, mpsc::Receiver<Inbound>), StoreError> {
        // A plain connection first, so an unreachable server is reported with its cause
        // rather than as a pool timeout.
        let probe = PgConnection::connect(url)
            .await
            .map_err(|e| cannot_connect(url, &e))?;
        let _ = probe.close().await;
        let pool = PgPoolOptions::new()
            .max_connections(2)
            .acquire_timeout(ACQUIRE_TIMEOUT)
            .connect(url)
            .await
            .map_err(|e| cannot_connect(url, &e))?;
        // The listener keeps its connection for good; its pool of one only reconnects it.
        let listen_pool = PgPoolOptions::new()
            .max_connections(1)
            .idle_timeout(None)
            .max_lifetime(None)
            .acquire_timeout(ACQUIRE_TIMEOUT)
            .connect(url)
            .await
            .map_err(|e| cannot_connect(url, &e))?;
        let listener = subscribe(&listen_pool)
            .await
            .map_err(|e| cannot_connect(url, &e))?;
        let (tx, rx) = mpsc::channel(capacity.max(1));
        let listening = Arc::new(AtomicBool::new(true));
        tokio::spawn(listen(listener, listen_pool, tx, listening.clone()));
        Ok((PgLink { pool, listening }, rx))
    }
}

#[async_trait::async_trait]
impl ClusterLink for PgLink {
    async fn send(&self, envelope: &Envelope) -> Result<(), CoreError> {
        let payload = serde_json::to_string(envelope)
            .map_err(|e| CoreError::Internal(format!("cannot encode a cluster message: {e}")))?;
        sqlx::query(NOTIFY)
            .bind(payload)
            .execute(&self.pool)
            .await
            .map_err(|e| CoreError::Storage(format!("cannot notify other nodes: {}", cause(&e))))?;
        Ok(())
    }

    fn is_up(&self) -> bool {
        self.listening.load(Ordering::Relaxed)
    }
}

async fn subscribe(pool: &PgPool) -> Result<PgListener, sqlx::Error> {
    let mut listener = PgListener::connect_with(pool).await?;
    listener.listen(CHANNEL).await?;
    Ok(listener)
}

/// Forwards notifications until the receiver goes. Any break in the connection may have lost
/// messages, so each reconnect is followed by `Resync`.
async fn listen(
    mut listener: PgListener,
    pool: PgPool,
    tx: mpsc::Sender<Inbound>,
    listening: Arc<AtomicBool>,
) {
    loop {
        let next = tokio::select! {
            _ = tx.closed() => return,
            next = listener.try_recv() => next,
        };
        let inbound = match next {
            Ok(Some(notification)) => {
                match serde_json::from_str::<Envelope>(notification.payload()) {
                    Ok(envelope) => Inbound::Message(envelope),
                    Err(e) => {
                        tracing::warn!(error = %e, "ignoring a malformed cluster message");
                        continue;
                    }
                }
            }
            // The listener lost its connection and has already made a new one.
            Ok(None) => {
                tracing::warn!("cluster listener reconnected; messages may have been lost");
                Inbound::Resync
            }
            Err(e) => {
                tracing::warn!(error = %cause(&e), "cluster listener failed; reconnecting");
                drop(listener);
                listening.store(false, Ordering::Relaxed);
                listener = match resubscribe(&pool, &tx).await {
                    Some(l) => l,
                    None => return,
                };
                listening.store(true, Ordering::Relaxed);
                tracing::info!("cluster listener reconnected");
                Inbound::Resync
            }
        };
        if tx.send(inbound).await.is_err() {
            return;
        }
    }
}

/// A new listener, retrying with backoff; `None` once nobody is receiving.
async fn resubscribe(pool: &PgPool, tx: &mpsc::Sender<Inbound>) -> Option<PgListener> {
    let mut delay = FIRST_RETRY;
    loop {
        tokio::select! {
            _ = tx.closed() => return None,
            _ = tokio::time::sleep(delay) => {}
        }
        let attempt = tokio::select! {
            _ = tx.closed() => return None,
            attempt = subscribe(pool) => attempt,
        };
        match attempt {
            Ok(listener) => return Some(listener),
            Err(e) => tracing::warn!(error = %cause(&e), "cluster listener cannot reconnect yet"),
        }
        delay = (delay * 2).min(LAST_RETRY);
    }
}
