//! The checks on arrival for mail from other servers: SPF, DKIM, ARC and DMARC through
//! trekmail-mailauth, their Authentication-Results header on the delivered copy, and the
//! sender domain's DMARC policy applied. Any Authentication-Results field that arrives
//! naming this server is removed first, checks on or off: only we write those.

use crate::listener::Role;
use crate::reply::Reply;
use crate::session::Session;
use std::sync::Arc;
use std::time::Duration;
use trekmail_mailauth::arrival::{self, Arrival, DmarcFailure};
use trekmail_mailauth::auth_results::strip_claims;

/// How long the look-ups of one message may take before it is delivered marked as unchecked,
/// well inside the sender's wait for its DATA answer (RFC 5321 §4.5.3.2.6: 10 minutes).
const CHECKS_TIMEOUT: Duration = Duration::from_secs(30);

/// Whether mail from other servers is checked, and what a DMARC `p=reject` failure gets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SenderChecks {
    Off,
    On(DmarcReject),
}

/// What happens to a message that fails a DMARC policy of `p=reject`. (`p=quarantine`
/// always means Junk; `p=none` only marks.)
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DmarcReject {
    /// `550 5.7.1` at DATA: the sender learns of it, nothing is stored.
    Refuse,
    /// Delivered into Junk.
    Junk,
    /// Delivered as usual, with the result in its Authentication-Results header.
    Mark,
}

/// A checked message on its way to the pipeline.
pub(crate) struct Checked {
    pub(crate) message: Vec<u8>,
    pub(crate) junk: bool,
}

impl Session {
    /// `message` (our `Received:` line, `received` bytes, then the message as it came) as it
    /// is delivered: with our Authentication-Results on top and forged ones removed; or the
    /// refusal its DMARC policy asks for. Mail a signed-in user submits is not checked.
    // `&mut`: a session is `Send` but not `Sync`, and this future crosses awaits.
    pub(crate) async fn check_sender(
        &mut self,
        envelope_from: &str,
        message: Vec<u8>,
        received: usize,
    ) -> Result<Checked, Reply> {
        if self.role != Role::Inbound || self.signed_in.is_some() {
            return Ok(Checked {
                message,
                junk: false,
            });
        }
        let smtp = Arc::clone(&self.smtp);
        let hostname = smtp.options.hostname.as_str();
        let (trace, original) = message.split_at(received);
        let stripped = strip_claims(original, hostname);
        let (header, junk) = match self.smtp.options.sender_checks {
            SenderChecks::Off => (String::new(), false),
            SenderChecks::On(on_reject) => {
                let verdict = self.verdict(envelope_from, original).await;
                let junk = match verdict.as_ref().and_then(|v| v.dmarc_failure) {
                    Some(DmarcFailure::Reject) => match on_reject {
                        DmarcReject::Refuse => {
                            return Err(Reply::new(
                                550,
                                "5.7.1",
                                "Refused by the DMARC policy of the sender's domain",
                            ));
                        }
                        DmarcReject::Junk => true,
                        DmarcReject::Mark => false,
                    },
                    Some(DmarcFailure::Quarantine) => true,
                    Some(DmarcFailure::Monitor) | None => false,
                };
                let header = match verdict {
                    Some(verdict) => verdict.header,
                    None => format!(
                        "Authentication-Results: {hostname}; none (the checks could not run)\r\n"
                    ),
                };
                (header, junk)
            }
        };
        let mut out = Vec::with_capacity(header.len() + trace.len() + stripped.len());
        out.extend_from_slice(header.as_bytes());
        out.extend_from_slice(trace);
        out.extend_from_slice(&stripped);
        Ok(Checked { message: out, junk })
    }

    /// The checks' verdict; `None` when there is no resolver or they ran out of time.
    async fn verdict(&mut self, envelope_from: &str, original: &[u8]) -> Option<arrival::Verdict> {
        let dns = match self.smtp.core.dns() {
            Ok(dns) => dns.clone(),
            Err(e) => {
                tracing::warn!(error = %e, "no DNS resolver: mail delivered unchecked");
                return None;
            }
        };
        let arrival = Arrival {
            remote_ip: self.peer.ip(),
            helo: self.helo.as_deref().unwrap_or_default(),
            mail_from: envelope_from,
            hostname: &self.smtp.options.hostname,
        };
        let checked =
            tokio::time::timeout(CHECKS_TIMEOUT, arrival::check(&dns, &arrival, original)).await;
        match checked {
            Ok(verdict) => Some(verdict),
            Err(_) => {
                tracing::warn!("the checks on arrival took too long: mail delivered unchecked");
                None
            }
        }
    }
}
