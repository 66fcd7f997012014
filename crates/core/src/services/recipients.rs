//! Who an address is: a hosted mailbox by its own address, an alias, a sub-address or the
//! domain's catch-all; an SRS address of ours; which addresses a mailbox may send as.

use crate::Core;
use crate::domain::{EmailAddress, Mailbox};
use crate::error::CoreError;
use crate::routing::{Subaddressing, split_tag, srs};

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
    /// The address the message was sent to: the mailbox's, an alias, a sub-address.
    pub address: EmailAddress,
    pub mailbox: Mailbox,
    /// The folder a sub-address's tag names, for a mailbox that files by tag.
    pub tag: Option<String>,
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
            return Ok(local(address, mailbox, None));
        }
        if let Some((base, tag)) = split_tag(address)
            && let Some(mailbox) = self.store.mailbox_for_address(&base).await?
        {
            match self.store.routing(mailbox.id).await?.subaddressing {
                Subaddressing::Off => {}
                Subaddressing::Inbox => return Ok(local(address, mailbox, None)),
                Subaddressing::Folders => return Ok(local(address, mailbox, Some(tag))),
            }
        }
        if domain.catch_all.is_some()
            && let Some(mailbox) = self.store.catch_all_of(&domain.name).await?
        {
            return Ok(local(address, mailbox, None));
        }
        Ok(Recipient::Unknown)
    }

    /// Days since 1970, SRS's clock.
    pub(super) fn today(&self) -> i64 {
        self.clock.now().timestamp().div_euclid(86_400)
    }

    /// The original sender of a bounce to an SRS address this server made for one of its
    /// domains; `None` for any other address, or one whose signature or age is wrong.
    pub async fn srs_return(&self, address: &str) -> Result<Option<String>, CoreError> {
        let Some((local, domain)) = address.rsplit_once('@') else {
            return Ok(None);
        };
        if !srs::looks_rewritten(local) {
            return Ok(None);
        }
        if self
            .store
            .domain_by_name(&domain.to_ascii_lowercase())
            .await?
            .is_none()
        {
            return Ok(None);
        }
        Ok(srs::reverse(&self.secrets, address, self.today()))
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

    /// The mailbox's own address and its aliases.
    pub(super) async fn own_addresses(
        &self,
        mailbox: &Mailbox,
    ) -> Result<Vec<EmailAddress>, CoreError> {
        let mut own = vec![mailbox.address.clone()];
        own.extend(
            self.store
                .aliases_of(mailbox.id)
                .await?
                .into_iter()
                .map(|a| a.address),
        );
        Ok(own)
    }
}

/// Whether `address` (or the address its sub-address tags) is one of `own`.
pub(super) fn is_one_of(own: &[EmailAddress], address: &str) -> bool {
    let Ok(address) = EmailAddress::parse(address) else {
        return false;
    };
    let base = split_tag(&address).map(|(base, _)| base);
    own.iter()
        .any(|o| *o == address || base.as_ref() == Some(o))
}

fn local(address: &EmailAddress, mailbox: Mailbox, tag: Option<String>) -> Recipient {
    match mailbox.used_bytes >= mailbox.quota_bytes {
        true => Recipient::Full(mailbox),
        false => Recipient::Local(LocalRecipient {
            address: address.clone(),
            mailbox,
            tag,
        }),
    }
}
