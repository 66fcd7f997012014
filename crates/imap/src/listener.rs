//! Accepts connections, bounded by a semaphore, until shutdown.

use crate::connection;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpListener;
use tokio::sync::Semaphore;
use tokio_util::sync::CancellationToken;
use trekmail_core::Core;

/// When a password may be sent without TLS.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PlaintextAuth {
    /// Only from 127.0.0.0/8 and ::1 (the default until STARTTLS lands).
    Loopback,
    Never,
}

#[derive(Debug, Clone)]
pub struct ImapOptions {
    pub plaintext_auth: PlaintextAuth,
    pub max_connections: usize,
    /// RFC 3501's autologout timer: at least 30 minutes.
    pub idle_timeout: Duration,
    pub max_literal: u32,
}

impl Default for ImapOptions {
    fn default() -> ImapOptions {
        ImapOptions {
            plaintext_auth: PlaintextAuth::Loopback,
            max_connections: 10_000,
            idle_timeout: Duration::from_secs(30 * 60),
            max_literal: 25 * 1024 * 1024,
        }
    }
}

/// Serves IMAP on `listener` until `shutdown`; each connection ends with `* BYE` then.
pub async fn serve(
    listener: TcpListener,
    core: Arc<Core>,
    options: ImapOptions,
    shutdown: CancellationToken,
) {
    let permits = Arc::new(Semaphore::new(options.max_connections));
    let options = Arc::new(options);
    loop {
        let accepted = tokio::select! {
            () = shutdown.cancelled() => return,
            accepted = listener.accept() => accepted,
        };
        let (tcp, peer) = match accepted {
            Ok(pair) => pair,
            Err(e) => {
                tracing::warn!(error = %e, "IMAP accept failed");
                tokio::time::sleep(Duration::from_millis(100)).await;
                continue;
            }
        };
        let Ok(permit) = permits.clone().try_acquire_owned() else {
            tracing::warn!(%peer, "IMAP connection refused: too many connections");
            tokio::spawn(connection::refuse(tcp));
            continue;
        };
        let (core, options, shutdown) = (core.clone(), options.clone(), shutdown.clone());
        tokio::spawn(async move {
            connection::run(tcp, peer, core, options, shutdown).await;
            drop(permit);
        });
    }
}
