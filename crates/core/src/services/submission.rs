//! Where an accepted message's copies go, for every channel that accepts mail: SMTP (inbound
//! and submission) and webmail's Send. Other servers' recipients are queued (one row set, in
//! one transaction, before any local copy), hosted ones go through the delivery pipeline, and
//! a signed-in sender keeps a Sent copy. The sender rules (`sends_as`, [`header_senders`]) are
//! asked by each channel when its protocol allows, and by [`Core::submit`] for webmail.

use crate::Core;
use crate::access::MailboxAccess;
use crate::domain::{EmailAddress, Mailbox};
use crate::error::CoreError;
use crate::services::{Delivered, Incoming, LocalRecipient, Recipient};
use crate::store::NewOutbound;
use mail_parser::{HeaderName, HeaderValue, MessageParser};

/// Where one accepted recipient's copy goes.
#[derive(Debug, Clone)]
pub enum Target {
    Local(LocalRecipient),
    Remote(EmailAddress),
    /// A bounce to an SRS address of ours, going back to the original sender.
    Returned(String),
}

impl Target {
    /// Whether two targets are one copy: each mailbox gets one, whatever address reached it.
    fn same(&self, other: &Target) -> bool {
        match (self, other) {
            (Target::Local(a), Target::Local(b)) => a.mailbox.id == b.mailbox.id,
            (Target::Remote(a), Target::Remote(b)) => a == b,
            (Target::Returned(a), Target::Returned(b)) => a == b,
            _ => false,
        }
    }
}

/// The signed-in mailbox that submits a message: its quota carries the queued copy, and it
/// keeps a Sent copy.
#[derive(Clone, Copy)]
pub struct Submitter<'a> {
    pub access: &'a MailboxAccess,
    pub mailbox: &'a Mailbox,
}

/// A message and where it goes.
pub struct Envelope<'a> {
    /// The reverse path, empty for the null sender.
    pub from: &'a str,
    pub to: &'a [Target],
    /// The message as stored and sent (with any trace header the channel added).
    pub message: &'a [u8],
    pub submitter: Option<Submitter<'a>>,
    /// The checks on arrival found it suspect: hosted copies go to Junk (see [`Incoming`]).
    pub junk: bool,
}

/// Why one hosted recipient did not get a copy that others got.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Missed {
    Full,
    Failed,
    Blocked,
    /// Refused by the recipient's Sieve script, with its reason.
    Rejected(String),
}

impl Missed {
    /// The reason as an SMTP reply line, for a bounce or a `550`.
    pub fn diagnostic(&self) -> String {
        match self {
            Missed::Full => "552 5.2.2 the mailbox is full".into(),
            Missed::Failed => "550 5.3.0 the message could not be stored".into(),
            Missed::Blocked => {
                "550 5.7.1 the recipient does not accept mail from this sender".into()
            }
            Missed::Rejected(reason) => format!("550 5.7.1 {}", one_line(reason)),
        }
    }
}

/// What became of a message's copies.
#[derive(Debug, Default)]
pub struct Copies {
    /// Copies stored or queued.
    pub done: usize,
    /// The hosted recipients that did not get theirs.
    pub missed: Vec<(EmailAddress, Missed)>,
}

impl Copies {
    /// The first Sieve reason among the missed, for the reply when no copy was made.
    pub fn rejected(&self) -> Option<&str> {
        self.missed.iter().find_map(|(_, m)| match m {
            Missed::Rejected(reason) => Some(reason.as_str()),
            _ => None,
        })
    }
}

/// Why [`Core::submit`] sent nothing.
#[derive(Debug, thiserror::Error)]
pub enum SubmitRefused {
    #[error("the message has no From address")]
    NoFrom,
    #[error("{0} is not an address of this mailbox")]
    NotYours(String),
    #[error("there is no mailbox at {0}")]
    Unknown(String),
    #[error("the mailbox at {0} is full")]
    RecipientFull(String),
    #[error("add at least one recipient")]
    NoRecipient,
    #[error("your mailbox is full: delete some mail before sending")]
    SenderFull,
    #[error(transparent)]
    Core(#[from] CoreError),
}

/// Every address of every `From:` and `Sender:` in a message's header. `Err(None)` when there
/// is no `From:` (RFC 5322 3.6 requires one); `Err(Some(field))` when one names no address
/// (a bare name, an empty group).
pub fn header_senders(header: &[u8]) -> Result<Vec<String>, Option<String>> {
    let parsed = MessageParser::new().parse_headers(header).ok_or(None)?;
    if parsed.header_values(HeaderName::From).next().is_none() {
        return Err(None);
    }
    let mut found = Vec::new();
    for (name, field) in [(HeaderName::From, "From"), (HeaderName::Sender, "Sender")] {
        for value in parsed.header_values(name) {
            let HeaderValue::Address(list) = value else {
                return Err(Some(field.to_owned()));
            };
            let before = found.len();
            for address in list.iter() {
                let address = address.address().ok_or(Some(field.to_owned()))?;
                found.push(address.to_owned());
            }
            if found.len() == before {
                return Err(Some(field.to_owned()));
            }
        }
    }
    Ok(found)
}

impl Core {
    /// Webmail's Send, on SMTP submission's rules: the envelope sender and every header
    /// sender must be the mailbox's, every hosted recipient must exist; then the copies go
    /// as SMTP's do. A hosted recipient that cannot take it is in the answer's `missed`.
    pub async fn submit(
        &self,
        submitter: Submitter<'_>,
        from: &EmailAddress,
        recipients: &[EmailAddress],
        message: &[u8],
    ) -> Result<Copies, SubmitRefused> {
        let mailbox = submitter.mailbox;
        if !self.sends_as(mailbox, from.as_str()).await? {
            return Err(SubmitRefused::NotYours(from.as_str().to_owned()));
        }
        for sender in header_senders(message).map_err(|_| SubmitRefused::NoFrom)? {
            if !self.sends_as(mailbox, &sender).await? {
                return Err(SubmitRefused::NotYours(sender));
            }
        }
        let mut targets = Vec::with_capacity(recipients.len());
        for address in recipients {
            targets.push(match self.recipient(address).await? {
                Recipient::Local(local) => Target::Local(local),
                Recipient::Full(_) => {
                    return Err(SubmitRefused::RecipientFull(address.as_str().to_owned()));
                }
                Recipient::Unknown => {
                    return Err(SubmitRefused::Unknown(address.as_str().to_owned()));
                }
                Recipient::Remote => Target::Remote(address.clone()),
            });
        }
        if targets.is_empty() {
            return Err(SubmitRefused::NoRecipient);
        }
        let envelope = Envelope {
            from: from.as_str(),
            to: &targets,
            message,
            submitter: Some(submitter),
            junk: false,
        };
        self.send_copies(envelope).await.map_err(|e| match e {
            CoreError::LimitReached(_) => SubmitRefused::SenderFull,
            e => SubmitRefused::Core(e),
        })
    }

    /// Stores or queues every copy (one per mailbox or address). Other servers' copies are
    /// queued first, in one transaction, so an error there (`LimitReached` when the
    /// submitter's quota cannot carry it) leaves nothing behind. The Sent copy is kept once
    /// any copy is made.
    pub async fn send_copies(&self, envelope: Envelope<'_>) -> Result<Copies, CoreError> {
        let mut targets: Vec<&Target> = Vec::with_capacity(envelope.to.len());
        for target in envelope.to {
            if !targets.iter().any(|t| t.same(target)) {
                targets.push(target);
            }
        }
        let now = self.clock.now();
        let (mut returned, mut remote) = (Vec::new(), Vec::new());
        for target in &targets {
            match target {
                Target::Returned(original) => returned.push(original.clone()),
                Target::Remote(address) => remote.push(address.as_str().to_owned()),
                Target::Local(_) => {}
            }
        }
        let mut copies = Copies {
            done: returned.len() + remote.len(),
            missed: Vec::new(),
        };
        if !returned.is_empty() {
            // From the null sender whatever the envelope said: only bounces go back.
            self.enqueue_outbound(&outbound("", returned, envelope.message, None, now))
                .await?;
        }
        if !remote.is_empty() {
            // Mail on its way out counts against the sender's quota until it is gone.
            let charge = envelope.submitter.map(|s| s.mailbox.id);
            let queued = outbound(envelope.from, remote, envelope.message, charge, now);
            self.enqueue_outbound(&queued).await?;
        }
        let incoming = Incoming {
            envelope_from: envelope.from,
            body: envelope.message,
            junk: envelope.junk,
        };
        for target in targets {
            let Target::Local(local) = target else {
                continue;
            };
            let missed = match self.deliver_to(local, incoming).await {
                Ok(delivered) if delivered.accepted() => {
                    copies.done += 1;
                    continue;
                }
                Ok(Delivered::Rejected(reason)) => Missed::Rejected(reason),
                Ok(_) => Missed::Blocked,
                Err(CoreError::LimitReached(_)) => Missed::Full,
                Err(e) => {
                    tracing::error!(error = %e, to = %local.mailbox.address.as_str(), "delivery failed");
                    Missed::Failed
                }
            };
            copies.missed.push((local.mailbox.address.clone(), missed));
        }
        if let Some(submitter) = envelope.submitter
            && copies.done > 0
            && let Err(e) = self.save_sent(submitter.access, envelope.message).await
        {
            tracing::warn!(error = %e, "the Sent copy was not kept");
        }
        Ok(copies)
    }
}

fn outbound(
    sender: &str,
    recipients: Vec<String>,
    body: &[u8],
    charge: Option<crate::ids::MailboxId>,
    created_at: chrono::DateTime<chrono::Utc>,
) -> NewOutbound {
    NewOutbound {
        sender: sender.to_owned(),
        recipients,
        body: body.to_vec(),
        charge,
        created_at,
    }
}

/// A Sieve script's reason as one line of a reply: line breaks become spaces, and it is
/// kept short.
pub fn one_line(reason: &str) -> String {
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
