//! Where accepted mail goes: RCPT TO is answered from the core's view of the address (hosted
//! mailbox, alias, sub-address or catch-all; full, unknown, or another server's), and after
//! DATA each local copy goes through the core's delivery pipeline, which may refuse a blocked
//! sender; each copy is durable (stored and committed, or queued) before the `250`.

use crate::dsn::{self, Failure};
use crate::listener::{Role, Smtp};
use crate::reply::{self as r, Reply};
use crate::session::{Envelope, Session, Target};
use crate::spool::Spool;
use trekmail_core::CoreError;
use trekmail_core::domain::EmailAddress;
use trekmail_core::routing::srs;
use trekmail_core::security::random;
use trekmail_core::services::{Delivered, Incoming, Recipient};
use trekmail_core::store::NewOutbound;

impl Session {
    pub(crate) async fn rcpt(&mut self, address: &str) -> Reply {
        match self.smtp.core.srs_return(address).await {
            Ok(Some(original)) => return self.accept(Target::Returned(original)),
            Ok(None) => {}
            Err(e) => {
                tracing::error!(error = %e, "SMTP SRS look-up failed");
                return r::TEMPORARY;
            }
        }
        let Ok(address) = EmailAddress::parse(address) else {
            // Shaped like ours but not signed by us (or too old): no such address.
            let local = address.rsplit_once('@').map_or("", |(l, _)| l);
            return match srs::looks_rewritten(local) {
                true => r::UNKNOWN_USER,
                false => r::BAD_ADDRESS,
            };
        };
        let target = match self.smtp.core.recipient(&address).await {
            Ok(Recipient::Local(local)) => Target::Local(local),
            Ok(Recipient::Full(_)) => return r::MAILBOX_FULL,
            Ok(Recipient::Unknown) => return r::UNKNOWN_USER,
            Ok(Recipient::Remote) if self.role == Role::Submission => Target::Remote(address),
            Ok(Recipient::Remote) => return r::RELAY_DENIED,
            Err(e) => {
                tracing::error!(error = %e, "SMTP recipient look-up failed");
                return r::TEMPORARY;
            }
        };
        self.accept(target)
    }

    /// Repeats count against the limit too; each mailbox still gets one copy.
    fn accept(&mut self, target: Target) -> Reply {
        if let Some(envelope) = self.envelope.as_mut() {
            envelope.to.push(target);
        }
        r::RECIPIENT_OK
    }

    /// Stores or queues every copy; `250` only when each one is durable. Remote copies are
    /// queued first, in one transaction, so a failure there leaves nothing behind.
    pub(crate) async fn deliver(&mut self, mut envelope: Envelope, spool: Spool) -> Reply {
        let mut message = self.received().into_bytes();
        let received = message.len();
        if let Err(e) = spool.read_into(&mut message).await {
            tracing::error!(error = %e, "SMTP cannot read a spooled message");
            return r::TEMPORARY;
        }
        let body = &message[received..];
        if let Some(refused) = self.header_senders_refused(dsn::headers_of(body)).await {
            return refused;
        }
        let core = self.smtp.core.clone();
        let mut seen: Vec<Target> = Vec::with_capacity(envelope.to.len());
        for target in envelope.to.drain(..) {
            if !seen.iter().any(|t| same(t, &target)) {
                seen.push(target);
            }
        }
        envelope.to = seen;
        let now = core.clock().now();
        let remote: Vec<String> = envelope
            .to
            .iter()
            .filter_map(|t| match t {
                Target::Remote(address) => Some(address.as_str().to_owned()),
                _ => None,
            })
            .collect();
        let returned: Vec<String> = envelope
            .to
            .iter()
            .filter_map(|t| match t {
                Target::Returned(original) => Some(original.clone()),
                _ => None,
            })
            .collect();
        let queued = remote.len() + returned.len();
        if !returned.is_empty() {
            // From the null sender whatever the envelope said: only bounces go back.
            let back = NewOutbound {
                sender: String::new(),
                recipients: returned,
                body: message.clone(),
                charge: None,
                created_at: now,
            };
            if let Err(e) = core.enqueue_outbound(&back).await {
                tracing::error!(error = %e, "SMTP could not queue a returned bounce");
                return r::TEMPORARY;
            }
        }
        if !remote.is_empty() {
            let outbound = NewOutbound {
                sender: envelope.from.clone(),
                recipients: remote,
                body: message.clone(),
                // Mail on its way out counts against the sender's quota until it is gone.
                charge: self.signed_in.as_ref().map(|s| s.mailbox.id),
                created_at: now,
            };
            match core.enqueue_outbound(&outbound).await {
                Ok(()) => {}
                Err(CoreError::LimitReached(_)) => return r::SENDER_FULL,
                Err(e) => {
                    tracing::error!(error = %e, "SMTP could not queue a message");
                    return r::TEMPORARY;
                }
            }
        }
        let mut stored = queued;
        let mut full = 0;
        let mut refused = 0;
        // The reason a recipient's Sieve script gave for refusing the message.
        let mut rejected = None;
        // Recipients this copy did not reach, with the reason a bounce will give.
        let mut missed: Vec<(&str, String)> = Vec::new();
        let incoming = Incoming {
            envelope_from: &envelope.from,
            body: &message,
        };
        for target in &envelope.to {
            let Target::Local(local) = target else {
                continue;
            };
            let mailbox = &local.mailbox;
            match core.deliver_to(local, incoming).await {
                Ok(delivered) if delivered.accepted() => stored += 1,
                Ok(Delivered::Rejected(reason)) => {
                    refused += 1;
                    let diagnostic = format!("550 5.7.1 {}", one_line(&reason));
                    missed.push((mailbox.address.as_str(), diagnostic));
                    rejected = Some(reason);
                }
                Ok(_) => {
                    refused += 1;
                    missed.push((mailbox.address.as_str(), MISSED_BLOCKED.to_owned()));
                }
                Err(CoreError::LimitReached(_)) => {
                    full += 1;
                    missed.push((mailbox.address.as_str(), MISSED_FULL.to_owned()));
                }
                Err(e) => {
                    tracing::error!(error = %e, to = %mailbox.address.as_str(), "SMTP delivery failed");
                    missed.push((mailbox.address.as_str(), MISSED_FAILED.to_owned()));
                }
            }
        }
        // Some copies are stored, so the answer is 250: the sender learns of the others by a
        // bounce, rather than a retry that would duplicate the stored ones.
        if stored > 0 && !missed.is_empty() {
            tracing::warn!(
                missed = missed.len(),
                "SMTP message stored for only some recipients"
            );
            bounce_missed(&self.smtp, &envelope.from, &missed, &message).await;
        }
        if let Some(signed_in) = &self.signed_in
            && stored > 0
            && let Err(e) = core.save_sent(&signed_in.access, body).await
        {
            tracing::warn!(error = %e, "SMTP could not keep the Sent copy");
        }
        match (stored, full, refused) {
            (0, 0, 0) => r::TEMPORARY,
            (0, 0, _) => match rejected {
                Some(reason) => Reply::owned(550, "5.7.1", one_line(&reason)),
                None => r::SENDER_BLOCKED,
            },
            (0, _, _) => r::MAILBOX_FULL,
            _ => Reply::new(250, "2.0.0", "Message accepted"),
        }
    }
}

/// Tells the sender (none for the null sender, at most the hourly bound) which recipients a
/// stored message missed: to a hosted sender's INBOX, or through the outbound queue from the
/// null sender.
async fn bounce_missed(smtp: &Smtp, sender: &str, missed: &[(&str, String)], message: &[u8]) {
    let Ok(sender) = EmailAddress::parse(sender) else {
        return;
    };
    let core = &smtp.core;
    let hosted = matches!(
        core.recipient(&sender).await,
        Ok(Recipient::Local(_) | Recipient::Full(_))
    );
    let now = core.clock().now();
    for (recipient, diagnostic) in missed {
        if !smtp.bounce_allowed(&sender).await {
            return;
        }
        let Ok(token) = random::hex_token() else {
            continue;
        };
        let report = dsn::bounce(
            &Failure {
                hostname: &smtp.options.hostname,
                sender: sender.as_str(),
                recipient,
                diagnostic: diagnostic.as_str(),
                queued_at: now,
                now,
                token: &token,
            },
            message,
        );
        let sent = match hosted {
            true => core.deliver(&sender, &report).await.map(|_| ()),
            false => {
                let bounce = NewOutbound {
                    sender: String::new(),
                    recipients: vec![sender.as_str().to_owned()],
                    body: report,
                    charge: None,
                    created_at: now,
                };
                core.enqueue_outbound(&bounce).await
            }
        };
        if let Err(e) = sent {
            tracing::warn!(error = %e, sender = %sender.as_str(), "the bounce could not be sent");
        }
    }
}

/// Why a recipient missed a message that others got, as a bounce says it.
const MISSED_FULL: &str = "552 5.2.2 the mailbox is full";
const MISSED_FAILED: &str = "550 5.3.0 the message could not be stored";
const MISSED_BLOCKED: &str = "550 5.7.1 the recipient does not accept mail from this sender";

fn same(a: &Target, b: &Target) -> bool {
    match (a, b) {
        (Target::Local(a), Target::Local(b)) => a.mailbox.id == b.mailbox.id,
        (Target::Remote(a), Target::Remote(b)) => a == b,
        (Target::Returned(a), Target::Returned(b)) => a == b,
        _ => false,
    }
}

/// A Sieve script's reason as one line of a reply: line breaks become spaces, and it is
/// kept short.
fn one_line(reason: &str) -> String {
    let line: String = reason
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .chars()
        .take(200)
        .collect();
    match line.is_empty() {
        true => "Message refused by the recipient's rules".to_owned(),
        false => line,
    }
}
