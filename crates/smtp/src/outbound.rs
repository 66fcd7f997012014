//! The queue worker: delivers queued messages by MX look-up or through the configured relay,
//! retries with growing delays, and after the give-up time (or at once on a `5xx`) puts an
//! RFC 3464 bounce in the sender's INBOX. Rows are claimed with a lease, so several nodes on
//! one database share the queue and a node that dies mid-attempt only delays a message.

use crate::client::{self, Envelope, Hop, Outcome};
use crate::client_tls::{Connectors, OutboundTls};
use crate::dsn::{self, Failure};
use crate::listener::Smtp;
use chrono::{DateTime, Utc};
use rustls_pki_types::CertificateDer;
use std::sync::Arc;
use std::time::Duration;
use tokio_util::sync::CancellationToken;
use trekmail_core::CoreError;
use trekmail_core::domain::EmailAddress;
use trekmail_core::metrics::OutboundOutcome;
use trekmail_core::security::random;
use trekmail_core::store::{NewOutbound, QueuedMessage};
use trekmail_mailauth::dns::{Answer, Dns, RecordType};

/// How long a claimed attempt may take before another worker may try the row again.
const LEASE: Duration = Duration::from_secs(10 * 60);
/// Rows taken per pass.
const BATCH: u32 = 100;

/// How the queue delivers and retries, from `[smtp]` in the config.
#[derive(Debug, Clone)]
pub struct QueuePolicy {
    /// `host:port` to send everything through; `None` to look up each domain's MX.
    pub relay: Option<String>,
    /// The delay after the first failed attempt; each later one doubles it.
    pub retry_first: Duration,
    /// The longest delay between attempts.
    pub retry_max: Duration,
    /// After this long in the queue, a message is bounced.
    pub give_up: Duration,
    /// When to use STARTTLS towards other servers.
    pub tls: OutboundTls,
    /// Credentials for the relay, sent only inside TLS whose certificate checks out.
    pub relay_login: Option<RelayLogin>,
    /// CA certificates trusted for the relay beside the Web PKI roots.
    pub relay_roots: Vec<CertificateDer<'static>>,
}

/// A relay's user name and password.
#[derive(Clone)]
pub struct RelayLogin {
    pub user: String,
    pub password: String,
}

/// Never prints the password.
impl std::fmt::Debug for RelayLogin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RelayLogin")
            .field("user", &self.user)
            .finish_non_exhaustive()
    }
}

impl Default for QueuePolicy {
    fn default() -> QueuePolicy {
        QueuePolicy {
            relay: None,
            retry_first: Duration::from_secs(5 * 60),
            retry_max: Duration::from_secs(4 * 3600),
            give_up: Duration::from_secs(5 * 24 * 3600),
            tls: OutboundTls::Opportunistic,
            relay_login: None,
            relay_roots: Vec::new(),
        }
    }
}

impl QueuePolicy {
    /// The wait after `attempts` failed attempts: first, 2×first, 4×first… up to the max.
    fn delay(&self, attempts: u32) -> Duration {
        let factor = 1u32 << attempts.min(16);
        self.retry_first.saturating_mul(factor).min(self.retry_max)
    }

    /// How often the worker looks for due rows when nothing wakes it.
    fn poll(&self) -> Duration {
        self.retry_first
            .clamp(Duration::from_millis(200), Duration::from_secs(30))
    }
}

impl Smtp {
    /// Delivers the queue until `shutdown`.
    pub async fn run_queue(self: Arc<Self>, policy: QueuePolicy, shutdown: CancellationToken) {
        let connectors = match Connectors::new(&policy.relay_roots) {
            Ok(connectors) => connectors,
            Err(e) => {
                tracing::error!(error = %e, "outbound TLS cannot be set up: outbound mail waits in the queue");
                return;
            }
        };
        let resolver = match policy.relay {
            Some(_) => None,
            None => match self.core.dns() {
                Ok(dns) => Some(Arc::clone(dns)),
                Err(e) => {
                    tracing::error!(error = %e, "no DNS resolver: outbound mail waits in the queue");
                    None
                }
            },
        };
        loop {
            if let Err(e) = self
                .deliver_due(&policy, &connectors, resolver.as_deref(), &shutdown)
                .await
            {
                tracing::warn!(error = %e, "outbound queue pass failed; retrying");
            }
            tokio::select! {
                () = shutdown.cancelled() => return,
                () = self.queue_woken() => {}
                () = tokio::time::sleep(policy.poll()) => {}
            }
        }
    }

    async fn deliver_due(
        &self,
        policy: &QueuePolicy,
        connectors: &Connectors,
        resolver: Option<&Dns>,
        shutdown: &CancellationToken,
    ) -> Result<(), CoreError> {
        let core = &self.core;
        let now = core.clock().now();
        for message in core.due_outbound(now, BATCH).await? {
            if shutdown.is_cancelled() {
                return Ok(());
            }
            if !core.claim_outbound(&message, later(now, LEASE)).await? {
                continue;
            }
            let body = match core.outbound_body(message.id).await {
                Ok(body) => body,
                Err(CoreError::NotFound) => continue,
                Err(e) => return Err(e),
            };
            let outcome = self
                .attempt(policy, connectors, resolver, &message, &body)
                .await;
            let now = core.clock().now();
            let expired = now >= later(message.created_at, policy.give_up);
            core.metrics().outbound(match &outcome {
                Outcome::Delivered => OutboundOutcome::Delivered,
                Outcome::Permanent(_) => OutboundOutcome::Bounced,
                Outcome::Temporary(_) if expired => OutboundOutcome::Bounced,
                Outcome::Temporary(_) => OutboundOutcome::Deferred,
            });
            match outcome {
                Outcome::Delivered => {
                    tracing::info!(id = message.id, to = %message.recipient, "outbound delivered");
                    core.dequeue_outbound(message.id).await?;
                }
                Outcome::Permanent(reason) => self.bounce(&message, &body, &reason, now).await?,
                Outcome::Temporary(reason) if expired => {
                    self.bounce(&message, &body, &reason, now).await?;
                }
                Outcome::Temporary(reason) => {
                    tracing::info!(id = message.id, to = %message.recipient, %reason, "outbound deferred");
                    let next = later(now, policy.delay(message.attempts));
                    core.retry_outbound(message.id, next, &reason).await?;
                }
            }
        }
        Ok(())
    }

    /// One attempt: the relay, or the recipient domain's MX hosts in preference order.
    async fn attempt(
        &self,
        policy: &QueuePolicy,
        connectors: &Connectors,
        resolver: Option<&Dns>,
        message: &QueuedMessage,
        body: &[u8],
    ) -> Outcome {
        let hosts = match (&policy.relay, resolver) {
            (Some(relay), _) => vec![relay.clone()],
            (None, Some(resolver)) => match mx_hosts(resolver, &message.recipient).await {
                Ok(hosts) => hosts,
                Err(reason) => return Outcome::Temporary(reason),
            },
            (None, None) => return Outcome::Temporary("no DNS resolver".to_owned()),
        };
        let envelope = Envelope {
            helo: &self.options.hostname,
            from: &message.sender,
            to: &message.recipient,
            body,
        };
        // Credentials are for the relay only, never for a domain's MX hosts.
        let login = policy.relay.as_ref().and(policy.relay_login.as_ref());
        let mut last = Outcome::Temporary("no mail server for the domain".to_owned());
        for host in hosts {
            let hop = Hop {
                address: &host,
                tls: policy.tls,
                login,
                connectors,
            };
            last = client::send(&hop, &envelope).await;
            if !matches!(last, Outcome::Temporary(_)) {
                break;
            }
        }
        last
    }

    /// Whether one more bounce may go to `sender` this hour (`max_bounces_per_sender_hour`);
    /// no when the count cannot be kept either, so a broken database cannot lift the bound.
    pub(crate) async fn bounce_allowed(&self, sender: &EmailAddress) -> bool {
        let per_hour = self.options.max_bounces_per_sender_hour;
        match self.core.may_bounce(sender, per_hour).await {
            Ok(true) => true,
            Ok(false) => {
                tracing::warn!(sender = %sender.as_str(), per_hour, "bounce dropped: too many to this sender this hour");
                false
            }
            Err(e) => {
                tracing::warn!(error = %e, sender = %sender.as_str(), "bounce dropped: its count failed");
                false
            }
        }
    }

    /// Puts a delivery status notification in the sender's INBOX, or for a forward (an SRS
    /// sender of ours) queues it back to the original sender, within the hourly bound; then
    /// drops the row. The null sender (a bounce itself) gets none.
    async fn bounce(
        &self,
        message: &QueuedMessage,
        body: &[u8],
        reason: &str,
        now: DateTime<Utc>,
    ) -> Result<(), CoreError> {
        tracing::info!(id = message.id, to = %message.recipient, %reason, "outbound bounced");
        let returned = self.core.srs_return(&message.sender).await?;
        let target = returned.as_deref().unwrap_or(&message.sender);
        if let Ok(sender) = EmailAddress::parse(target)
            && self.bounce_allowed(&sender).await
        {
            let token = random::hex_token()?;
            let report = dsn::bounce(
                &Failure {
                    hostname: &self.options.hostname,
                    sender: sender.as_str(),
                    recipient: &message.recipient,
                    diagnostic: reason,
                    queued_at: message.created_at,
                    now,
                    token: &token,
                },
                body,
            );
            let sent = match returned {
                Some(_) => {
                    let back = NewOutbound {
                        sender: String::new(),
                        recipients: vec![sender.as_str().to_owned()],
                        body: report,
                        charge: None,
                        created_at: now,
                    };
                    self.core.enqueue_outbound(&back).await
                }
                None => self.core.deliver(&sender, &report).await.map(|_| ()),
            };
            if let Err(e) = sent {
                tracing::warn!(error = %e, sender = %sender.as_str(), "the bounce could not be delivered");
            }
        }
        self.core.dequeue_outbound(message.id).await
    }
}

fn later(at: DateTime<Utc>, by: Duration) -> DateTime<Utc> {
    at + chrono::Duration::from_std(by).unwrap_or(chrono::Duration::MAX)
}

/// The domain's mail hosts as `host:25`, best first; the domain itself when it has no MX.
async fn mx_hosts(dns: &Dns, recipient: &str) -> Result<Vec<String>, String> {
    let domain = recipient.rsplit_once('@').map_or(recipient, |(_, d)| d);
    let records = match dns.lookup(domain, RecordType::Mx).await {
        Answer::Records(records) => records,
        Answer::None => return Ok(vec![format!("{domain}:25")]),
        Answer::Failed(e) => return Err(format!("MX look-up for {domain} failed: {e}")),
    };
    let mut found: Vec<(u16, String)> = records
        .iter()
        .filter_map(|record| {
            let (preference, host) = record.split_once(' ')?;
            Some((preference.parse().ok()?, format!("{host}:25")))
        })
        .collect();
    found.sort();
    if found.is_empty() {
        return Ok(vec![format!("{domain}:25")]);
    }
    Ok(found.into_iter().map(|(_, host)| host).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delays_grow_up_to_the_max() {
        let policy = QueuePolicy {
            retry_first: Duration::from_secs(60),
            retry_max: Duration::from_secs(300),
            ..QueuePolicy::default()
        };
        let delays: Vec<u64> = (0..5).map(|n| policy.delay(n).as_secs()).collect();
        assert_eq!(delays, [60, 120, 240, 300, 300]);
    }
}
