//! The one delivery pipeline: every message for a hosted address (inbound SMTP, a local
//! recipient of a submission, a bounce) is resolved to a mailbox, screened by its sender
//! filters, then stored. Each step that can refuse runs before the channel answers.

use crate::Core;
use crate::access::MailboxAccess;
use crate::domain::{EmailAddress, Mailbox};
use crate::error::CoreError;
use crate::mail::{Flags, Folder, INBOX, MessageMeta, SpecialUse};
use crate::routing::{BlockedMail, SenderPattern, Subaddressing, Verdict, split_tag};
use mail_parser::{HeaderName, HeaderValue, MessageParser};

/// What a recipient address is to this server, asked before a message is accepted for it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Recipient {
    /// A hosted mailbox with room for more mail.
    Local(LocalRecipient),
    /// A hosted mailbox whose quota is used up.
    Full(Mailbox),
    /// A hosted domain without such an address.
    Unknown,
    /// A domain this server does not host.
    Remote,
}

/// A hosted mailbox that takes mail for an address, and how the address reached it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LocalRecipient {
    pub mailbox: Mailbox,
    /// The folder a sub-address's tag names, for a mailbox that files by tag.
    pub tag: Option<String>,
}

/// A message on its way to a hosted mailbox.
#[derive(Debug, Clone, Copy)]
pub struct Incoming<'a> {
    /// The envelope sender, empty for the null sender.
    pub envelope_from: &'a str,
    /// The whole message, header first.
    pub body: &'a [u8],
}

/// What the pipeline did with a message for one mailbox.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Delivered {
    Stored(MessageMeta),
    /// A blocked sender, at a mailbox that refuses them: `550 5.7.1`.
    Refused,
}

impl Core {
    /// Resolves a recipient, so SMTP can answer `RCPT TO` before any data is sent: the
    /// mailbox's own address or an alias, then `user+tag@` for a mailbox with sub-addressing,
    /// then the domain's catch-all.
    pub async fn recipient(&self, address: &EmailAddress) -> Result<Recipient, CoreError> {
        let Some(domain) = self.store.domain_by_name(address.domain()).await? else {
            return Ok(Recipient::Remote);
        };
        if let Some(mailbox) = self.store.mailbox_for_address(address).await? {
            return Ok(local(mailbox, None));
        }
        if let Some((base, tag)) = split_tag(address)
            && let Some(mailbox) = self.store.mailbox_for_address(&base).await?
        {
            match self.store.routing(mailbox.id).await?.subaddressing {
                Subaddressing::Off => {}
                Subaddressing::Inbox => return Ok(local(mailbox, None)),
                Subaddressing::Folders => return Ok(local(mailbox, Some(tag))),
            }
        }
        if domain.catch_all.is_some()
            && let Some(mailbox) = self.store.catch_all_of(&domain.name).await?
        {
            return Ok(local(mailbox, None));
        }
        Ok(Recipient::Unknown)
    }

    /// Runs the pipeline for one mailbox: its sender filters (a blocked sender is refused or
    /// filed into Junk, as the mailbox is set), then the store, into the folder a
    /// sub-address names if there is one, INBOX otherwise.
    pub async fn deliver_to(
        &self,
        to: &LocalRecipient,
        message: Incoming<'_>,
    ) -> Result<Delivered, CoreError> {
        let access = MailboxAccess::new(to.mailbox.id);
        let folder = match self.sender_verdict(&to.mailbox, message).await? {
            Verdict::Blocked => match self.store.routing(to.mailbox.id).await?.blocked {
                BlockedMail::Refuse => {
                    tracing::info!(to = %to.mailbox.address, "a blocked sender was refused");
                    return Ok(Delivered::Refused);
                }
                BlockedMail::Junk => self.special_folder(&access, SpecialUse::Junk).await?,
            },
            Verdict::Allowed | Verdict::Neither => match &to.tag {
                Some(tag) => self.tagged_folder(&access, tag).await?,
                None => self.folder(&access, INBOX).await?,
            },
        };
        let stored = self
            .append(
                &access,
                &folder,
                message.body,
                Flags::default(),
                self.clock.now(),
            )
            .await?;
        Ok(Delivered::Stored(stored))
    }

    /// Delivers the core's own message (a bounce) to a hosted address, from the null sender.
    pub async fn deliver(&self, to: &EmailAddress, body: &[u8]) -> Result<MessageMeta, CoreError> {
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
        };
        match self.deliver_to(&local, message).await? {
            Delivered::Stored(meta) => Ok(meta),
            Delivered::Refused => Err(CoreError::Denied),
        }
    }

    /// What the mailbox's lists say of the envelope sender and every header `From:` address.
    async fn sender_verdict(
        &self,
        mailbox: &Mailbox,
        message: Incoming<'_>,
    ) -> Result<Verdict, CoreError> {
        let mut patterns = SenderPattern::matching(message.envelope_from);
        for from in header_from(message.body) {
            patterns.extend(SenderPattern::matching(&from));
        }
        if patterns.is_empty() {
            return Ok(Verdict::Neither);
        }
        patterns.sort_unstable();
        patterns.dedup();
        let lists = self
            .store
            .filter_lists_matching(mailbox.id, &patterns)
            .await?;
        Ok(Verdict::of(&lists))
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

    /// Whether a signed-in `mailbox` may send as `address` (envelope sender, `From:`,
    /// `Sender:`): the one place that says which addresses a mailbox owns: its own, its
    /// aliases, and their sub-addresses.
    pub async fn sends_as(&self, mailbox: &Mailbox, address: &str) -> Result<bool, CoreError> {
        let Ok(address) = EmailAddress::parse(address) else {
            return Ok(false);
        };
        let base = split_tag(&address).map(|(base, _)| base);
        for candidate in std::iter::once(&address).chain(base.as_ref()) {
            if *candidate == mailbox.address {
                return Ok(true);
            }
            if let Some(owner) = self.store.mailbox_for_address(candidate).await?
                && owner.id == mailbox.id
            {
                return Ok(true);
            }
        }
        Ok(false)
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

fn local(mailbox: Mailbox, tag: Option<String>) -> Recipient {
    match mailbox.used_bytes >= mailbox.quota_bytes {
        true => Recipient::Full(mailbox),
        false => Recipient::Local(LocalRecipient { mailbox, tag }),
    }
}

/// Every address of the header's `From:` fields; none if the header does not parse.
fn header_from(body: &[u8]) -> Vec<String> {
    let Some(parsed) = MessageParser::new().parse_headers(body) else {
        return Vec::new();
    };
    let mut found = Vec::new();
    for value in parsed.header_values(HeaderName::From) {
        if let HeaderValue::Address(list) = value {
            found.extend(list.iter().filter_map(|a| a.address()).map(str::to_owned));
        }
    }
    found
}
