//! Where accepted mail goes: RCPT TO is answered from the core's view of the address (hosted
//! mailbox, alias, sub-address or catch-all; full, unknown, or another server's), and after
//! DATA each local copy goes through the core's delivery pipeline, which may refuse a blocked
//! sender; each copy is durable (stored and committed, or queued) before the `250`.

use crate::dsn::{self, Failure};
use crate::listener::{Role, Smtp};
use crate::reply::{self as r, Reply};
use crate::session::{Envelope, Session};
use crate::spool::Spool;
use trekmail_core::CoreError;
use trekmail_core::domain::EmailAddress;
use trekmail_core::routing::srs;
use trekmail_core::security::random;
use trekmail_core::services::{
    Envelope as CopiesOf, Missed, Recipient, Submitter, Target, one_line,
};
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

    /// Stores or queues every copy through the core's one path; `250` only when each one
    /// is durable.
    pub(crate) async fn deliver(&mut self, envelope: Envelope, spool: Spool) -> Reply {
        let mut message = self.received().into_bytes();
        let received = message.len();
        if let Err(e) = spool.read_into(&mut message).await {
            tracing::error!(error = %e, "SMTP cannot read a spooled message");
            return r::TEMPORARY;
        }
        if let Some(refused) = self
            .header_senders_refused(dsn::headers_of(&message[received..]))
            .await
        {
            return refused;
        }
        let checked = match self.check_sender(&envelope.from, message, received).await {
            Ok(checked) => checked,
            Err(refused) => return refused,
        };
        let message = checked.message;
        let core = self.smtp.core.clone();
        let copies = core
            .send_copies(CopiesOf {
                from: &envelope.from,
                to: &envelope.to,
                message: &message,
                submitter: self.signed_in.as_ref().map(|s| Submitter {
                    access: &s.access,
                    mailbox: &s.mailbox,
                }),
                junk: checked.junk,
            })
            .await;
        let copies = match copies {
            Ok(copies) => copies,
            Err(CoreError::LimitReached(_)) => return r::SENDER_FULL,
            Err(e) => {
                tracing::error!(error = %e, "SMTP could not queue a message");
                return r::TEMPORARY;
            }
        };
        // Some copies are stored, so the answer is 250: the sender learns of the others by a
        // bounce, rather than a retry that would duplicate the stored ones.
        if copies.done > 0 && !copies.missed.is_empty() {
            tracing::warn!(
                missed = copies.missed.len(),
                "SMTP message stored for only some recipients"
            );
            bounce_missed(&self.smtp, &envelope.from, &copies.missed, &message).await;
        }
        let full = copies.missed.iter().any(|(_, m)| *m == Missed::Full);
        let refused = copies
            .missed
            .iter()
            .any(|(_, m)| matches!(m, Missed::Blocked | Missed::Rejected(_)));
        match (copies.done, full, refused) {
            (0, false, false) => r::TEMPORARY,
            (0, false, true) => match copies.rejected() {
                Some(reason) => Reply::owned(550, "5.7.1", one_line(reason)),
                None => r::SENDER_BLOCKED,
            },
            (0, true, _) => r::MAILBOX_FULL,
            _ => Reply::new(250, "2.0.0", "Message accepted"),
        }
    }
}

/// Tells the sender (none for the null sender, at most the hourly bound) which recipients a
/// stored message missed: to a hosted sender's INBOX, or through the outbound queue from the
/// null sender.
async fn bounce_missed(
    smtp: &Smtp,
    sender: &str,
    missed: &[(EmailAddress, Missed)],
    message: &[u8],
) {
    let Ok(sender) = EmailAddress::parse(sender) else {
        return;
    };
    let core = &smtp.core;
    let hosted = matches!(
        core.recipient(&sender).await,
        Ok(Recipient::Local(_) | Recipient::Full(_))
    );
    let now = core.clock().now();
    for (recipient, why) in missed {
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
                recipient: recipient.as_str(),
                diagnostic: &why.diagnostic(),
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
