//! The one delivery pipeline: every message for a hosted address (inbound SMTP, a local
//! recipient of a submission, a bounce, a forward from another mailbox, an auto-reply) is
//! resolved to a mailbox, screened by its sender filters, answered by its auto-reply,
//! forwarded, filed by its Sieve script, then stored. Each step that can refuse runs before
//! the channel answers; a step that fails keeps the message in the mailbox.

use super::{LocalRecipient, Recipient};
use crate::Core;
use crate::access::MailboxAccess;
use crate::audit::{AuditEvent, AuditKind, Channel};
use crate::domain::{EmailAddress, Mailbox};
use crate::error::CoreError;
use crate::ids::Principal;
use crate::mail::{Flags, Folder, INBOX, MessageMeta, SpecialUse};
use crate::metrics::DeliveryAction;
use crate::routing::{BlockedMail, SenderPattern, Verdict, header, srs};
use crate::store::NewOutbound;
use mail_parser::HeaderName;

/// A message on its way to a hosted mailbox.
#[derive(Debug, Clone, Copy)]
pub struct Incoming<'a> {
    /// The envelope sender, empty for the null sender.
    pub envelope_from: &'a str,
    /// The whole message, header first.
    pub body: &'a [u8],
    /// The checks on arrival found it suspect (it failed a DMARC policy that asks for
    /// quarantine): it is filed into Junk, neither answered nor forwarded.
    pub junk: bool,
}

/// What the pipeline did with a message for one mailbox.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Delivered {
    Stored(MessageMeta),
    /// Forwarded, and no copy kept ("keep a copy" off).
    Forwarded,
    /// A blocked sender, at a mailbox that refuses them: `550 5.7.1`.
    Refused,
    /// The Sieve script refused it (`reject`, `ereject`), with this reason: `550 5.7.1`.
    Rejected(String),
    /// The Sieve script discarded it.
    Discarded,
}

impl Delivered {
    /// Whether the mailbox took the message (stored, sent on or discarded by its own rules),
    /// rather than refusing it.
    pub fn accepted(&self) -> bool {
        matches!(
            self,
            Delivered::Stored(_) | Delivered::Forwarded | Delivered::Discarded
        )
    }
}

/// How many mailboxes one message may pass through by forwards, and how many `Received:` and
/// `Delivered-To:` fields it may carry before forwarding stops (and the mailbox keeps it).
pub const MAX_HOPS: usize = 30;

/// One mailbox's turn with a message in [`Core::deliver_to`].
pub(super) struct Pass {
    pub(super) to: LocalRecipient,
    /// The envelope sender: the original one for a forward, null for an auto-reply.
    pub(super) from: String,
    pub(super) body: Vec<u8>,
    /// The pass whose forward this is.
    pub(super) parent: Option<usize>,
    /// Whether this mailbox has stored the message.
    pub(super) kept: bool,
    /// Suspect on arrival: filed into Junk and nothing more.
    pub(super) junk: bool,
}

impl Core {
    /// Runs the pipeline for one mailbox: its sender filters (a blocked sender is refused or
    /// filed into Junk, as the mailbox is set, and never forwarded), its forwards (to other
    /// servers through the queue with an SRS sender, to hosted mailboxes through this same
    /// pipeline), its active Sieve script, then the store, into the folder the script or a
    /// sub-address names, INBOX otherwise. A forward that cannot go is kept in the mailbox,
    /// audited.
    pub async fn deliver_to(
        &self,
        to: &LocalRecipient,
        message: Incoming<'_>,
    ) -> Result<Delivered, CoreError> {
        let mut passes = vec![Pass {
            to: to.clone(),
            from: message.envelope_from.to_owned(),
            body: message.body.to_vec(),
            parent: None,
            kept: false,
            junk: message.junk,
        }];
        let mut next = 0;
        let mut first = None;
        while next < passes.len() {
            let outcome = match next < MAX_HOPS {
                true => self.pass(&mut passes, next).await,
                false => Err(CoreError::Invalid("too many forwards".into())),
            };
            if let Ok(Delivered::Refused | Delivered::Rejected(_)) = &outcome {
                self.metrics().delivery(DeliveryAction::Refused);
            }
            match (next, outcome) {
                (0, outcome) => first = Some(outcome?),
                (_, Ok(delivered)) if delivered.accepted() => {}
                (_, failed) => self.keep_for_parent(&mut passes, next, failed).await,
            }
            next += 1;
        }
        first.ok_or_else(|| CoreError::Internal("the pipeline ran no pass".into()))
    }

    /// One mailbox's part; hosted forwards and auto-replies are added to `passes` for the
    /// loop to run.
    async fn pass(&self, passes: &mut Vec<Pass>, index: usize) -> Result<Delivered, CoreError> {
        let pass = &passes[index];
        let (to, from, body) = (pass.to.clone(), pass.from.clone(), pass.body.clone());
        let envelope_from = from.as_str();
        let message = Incoming {
            envelope_from,
            body: &body,
            junk: pass.junk,
        };
        let access = MailboxAccess::new(to.mailbox.id);
        if message.junk {
            let junk = self.special_folder(&access, SpecialUse::Junk).await?;
            return self.store_in(&access, &junk, &body, Flags::default()).await;
        }
        let rules = self
            .store
            .rules_for(to.mailbox.id, &sender_patterns(message))
            .await?;
        if Verdict::of(&rules.lists) == Verdict::Blocked {
            return match rules.routing.blocked {
                BlockedMail::Refuse => {
                    tracing::info!(to = %to.mailbox.address, "a blocked sender was refused");
                    Ok(Delivered::Refused)
                }
                BlockedMail::Junk => {
                    let junk = self.special_folder(&access, SpecialUse::Junk).await?;
                    self.store_in(&access, &junk, &body, Flags::default()).await
                }
            };
        }
        if let Some(reply) = &rules.auto_reply
            && let Err(e) = self
                .auto_reply_to(passes, &to, reply, envelope_from, &body)
                .await
        {
            let why = format!("the auto-reply could not be sent: {e}");
            self.audit_kept(&to.mailbox, why).await;
        }
        let (forwards, script) = (rules.forwards, rules.sieve.as_deref());
        if forwards.is_empty() {
            return self.file(passes, index, script, false).await;
        }
        if let Some(why) = loops(&to.mailbox, &body) {
            self.audit_kept(&to.mailbox, why).await;
            return self.file(passes, index, script, false).await;
        }
        let stored = match rules.routing.keep_copy {
            true => Some(self.file(passes, index, script, true).await?),
            false => None,
        };
        let failed = self.send_on(passes, index, forwards).await;
        if !failed.is_empty() {
            let why = failed.join("; ");
            return self.kept_after_all(&mut passes[index], stored, why).await;
        }
        Ok(stored.unwrap_or(Delivered::Forwarded))
    }

    /// Sends pass `index`'s message on to `destinations` (the Forwarding tab's, or a Sieve
    /// redirect's), marked as delivered to its mailbox: to other servers through the queue
    /// with an SRS sender, to hosted mailboxes as passes of their own. Returns why any could
    /// not go; the others still go.
    pub(super) async fn send_on(
        &self,
        passes: &mut Vec<Pass>,
        index: usize,
        destinations: Vec<EmailAddress>,
    ) -> Vec<String> {
        let (to, from) = (passes[index].to.clone(), passes[index].from.clone());
        if let Some(why) = loops(&to.mailbox, &passes[index].body) {
            return vec![why];
        }
        let onward = with_delivered_to(&to.mailbox, &passes[index].body);
        let mut remote = Vec::new();
        let mut failed = Vec::new();
        for forward in destinations {
            match self.recipient(&forward).await {
                Ok(Recipient::Remote) => remote.push(forward.to_string()),
                Ok(Recipient::Local(local)) => {
                    self.metrics().delivery(DeliveryAction::Forwarded);
                    passes.push(Pass {
                        to: local,
                        from: from.clone(),
                        body: onward.clone(),
                        parent: Some(index),
                        kept: false,
                        junk: false,
                    })
                }
                Ok(Recipient::Full(_) | Recipient::Unknown) | Err(_) => {
                    failed.push(format!("the forward to {forward} cannot be delivered"))
                }
            }
        }
        if !remote.is_empty() {
            let forwards = remote.len();
            let queued = self
                .enqueue_outbound(&NewOutbound {
                    sender: srs::forward_sender(
                        &self.secrets,
                        &from,
                        to.mailbox.address.domain(),
                        self.today(),
                    ),
                    recipients: remote,
                    body: onward,
                    charge: None,
                    created_at: self.clock.now(),
                })
                .await;
            match queued {
                Ok(()) => {
                    for _ in 0..forwards {
                        self.metrics().delivery(DeliveryAction::Forwarded);
                    }
                }
                Err(e) => failed.push(format!("the forward could not be queued: {e}")),
            }
        }
        failed
    }

    /// A forward failed: the message is kept in the mailbox (if it is not already).
    async fn kept_after_all(
        &self,
        pass: &mut Pass,
        stored: Option<Delivered>,
        why: String,
    ) -> Result<Delivered, CoreError> {
        self.audit_kept(&pass.to.mailbox, why).await;
        match (pass.kept, stored) {
            (true, Some(stored)) => Ok(stored),
            _ => {
                pass.kept = true;
                self.keep(&pass.to, &pass.body).await
            }
        }
    }

    /// A hosted destination refused or could not take a forward: the forwarding mailbox
    /// keeps the message, so nothing is lost.
    async fn keep_for_parent(
        &self,
        passes: &mut [Pass],
        index: usize,
        failed: Result<Delivered, CoreError>,
    ) {
        let Some(parent) = passes[index].parent else {
            return;
        };
        let why = match failed {
            Err(e) => format!(
                "the forward to {} failed: {e}",
                passes[index].to.mailbox.address
            ),
            Ok(_) => format!("{} refused the forward", passes[index].to.mailbox.address),
        };
        let pass = &mut passes[parent];
        self.audit_kept(&pass.to.mailbox, why).await;
        if pass.kept {
            return;
        }
        pass.kept = true;
        if let Err(e) = self.keep(&pass.to, &pass.body).await {
            tracing::error!(error = %e, to = %pass.to.mailbox.address, "a forwarded message could not be kept");
        }
    }

    /// Stores the message where the recipient's address files it.
    async fn keep(&self, to: &LocalRecipient, body: &[u8]) -> Result<Delivered, CoreError> {
        let access = MailboxAccess::new(to.mailbox.id);
        let folder = self.keep_folder(&access, to).await?;
        self.store_in(&access, &folder, body, Flags::default())
            .await
    }

    /// Stores pass `index`'s copy where its address files it, and marks it kept.
    pub(super) async fn keep_pass(
        &self,
        passes: &mut [Pass],
        index: usize,
    ) -> Result<Delivered, CoreError> {
        let pass = &mut passes[index];
        let stored = self.keep(&pass.to, &pass.body).await?;
        pass.kept = true;
        Ok(stored)
    }

    /// Where the recipient's address files mail: its sub-address's folder, or INBOX.
    pub(super) async fn keep_folder(
        &self,
        access: &MailboxAccess,
        to: &LocalRecipient,
    ) -> Result<Folder, CoreError> {
        match &to.tag {
            Some(tag) => self.tagged_folder(access, tag).await,
            None => self.folder(access, INBOX).await,
        }
    }

    pub(super) async fn store_in(
        &self,
        access: &MailboxAccess,
        folder: &Folder,
        body: &[u8],
        flags: Flags,
    ) -> Result<Delivered, CoreError> {
        let stored = self
            .append(access, folder, body, flags, self.clock.now())
            .await?;
        self.metrics().delivery(match folder.name == INBOX {
            true => DeliveryAction::Stored,
            false => DeliveryAction::Filed,
        });
        Ok(Delivered::Stored(stored))
    }

    /// Records that a rule could not run and the message was kept instead.
    pub(super) async fn audit_kept(&self, mailbox: &Mailbox, why: String) {
        tracing::warn!(to = %mailbox.address, why, "a message was kept in the mailbox");
        self.metrics().delivery(DeliveryAction::KeptOnError);
        let event = AuditEvent::new(
            self.clock.now(),
            AuditKind::MailKept,
            Channel::Smtp,
            mailbox.address.as_str(),
        )
        .account(mailbox.account_id)
        .principal(Principal::Mailbox(mailbox.id))
        .detail(why);
        if let Err(e) = self.store.append_audit(&event).await {
            tracing::warn!(error = %e, "the kept message's audit event was not written");
        }
    }

    /// Delivers the core's own message (a bounce) to a hosted address, from the null sender,
    /// through the pipeline like any other.
    pub async fn deliver(&self, to: &EmailAddress, body: &[u8]) -> Result<Delivered, CoreError> {
        let local = match self.recipient(to).await? {
            Recipient::Local(local) => local,
            Recipient::Full(_) => {
                return Err(CoreError::LimitReached("the mailbox is full".into()));
            }
            Recipient::Unknown | Recipient::Remote => return Err(CoreError::NotFound),
        };
        let message = Incoming {
            envelope_from: "",
            body,
            junk: false,
        };
        self.deliver_to(&local, message).await
    }

    /// The folder a tag names: the same name, or the same in another case; INBOX when none.
    async fn tagged_folder(&self, access: &MailboxAccess, tag: &str) -> Result<Folder, CoreError> {
        let folders = self.store.folders(access.mailbox()).await?;
        let exact = folders.iter().find(|f| f.name == tag);
        let found = exact.or_else(|| folders.iter().find(|f| f.name.eq_ignore_ascii_case(tag)));
        match found {
            Some(folder) if !tag.is_empty() => Ok(folder.clone()),
            _ => self.folder(access, INBOX).await,
        }
    }

    pub(crate) async fn special_folder(
        &self,
        access: &MailboxAccess,
        special: SpecialUse,
    ) -> Result<Folder, CoreError> {
        self.store
            .folders(access.mailbox())
            .await?
            .into_iter()
            .find(|f| f.special_use == Some(special))
            .ok_or(CoreError::NotFound)
    }

    /// Keeps a copy of a message the mailbox sent in its Sent folder, already seen.
    pub async fn save_sent(
        &self,
        access: &MailboxAccess,
        body: &[u8],
    ) -> Result<MessageMeta, CoreError> {
        let sent = self.special_folder(access, SpecialUse::Sent).await?;
        self.append(
            access,
            &sent,
            body,
            Flags::new(["\\Seen"]),
            self.clock.now(),
        )
        .await
    }
}

/// Why forwarding must stop for this message at `mailbox`: it came through it before
/// (its `Delivered-To:`), or it has passed through too many servers.
fn loops(mailbox: &Mailbox, body: &[u8]) -> Option<String> {
    let mut hops = 0;
    for (name, value) in header::fields(body) {
        if name.eq_ignore_ascii_case("Delivered-To") {
            hops += 1;
            if value.trim().eq_ignore_ascii_case(mailbox.address.as_str()) {
                return Some(
                    "forwarding loop: the message came through this mailbox before".into(),
                );
            }
        } else if name.eq_ignore_ascii_case("Received") {
            hops += 1;
        }
    }
    (hops >= MAX_HOPS).then(|| format!("forwarding stopped: the message passed {hops} hops"))
}

/// The patterns the sender lists are asked for: the envelope sender's and every header
/// `From:` address's, each as the address and its domains.
fn sender_patterns(message: Incoming<'_>) -> Vec<String> {
    let mut patterns = SenderPattern::matching(message.envelope_from);
    for from in header::addresses(message.body, &[HeaderName::From]) {
        patterns.extend(SenderPattern::matching(&from));
    }
    patterns.sort_unstable();
    patterns.dedup();
    patterns
}

/// The message as it leaves `mailbox` by a forward: marked as delivered to it.
fn with_delivered_to(mailbox: &Mailbox, body: &[u8]) -> Vec<u8> {
    let mut out = format!("Delivered-To: {}\r\n", mailbox.address).into_bytes();
    out.extend_from_slice(body);
    out
}
