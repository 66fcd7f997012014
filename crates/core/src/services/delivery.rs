use crate::Core;
use crate::access::MailboxAccess;
use crate::domain::{EmailAddress, Mailbox};
use crate::error::CoreError;
use crate::mail::{Flags, MessageMeta, SpecialUse};

/// What a recipient address is to this server, asked before a message is accepted for it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Recipient {
    /// A hosted mailbox with room for more mail.
    Local(Mailbox),
    /// A hosted mailbox whose quota is used up.
    Full(Mailbox),
    /// A hosted domain without such a mailbox.
    Unknown,
    /// A domain this server does not host.
    Remote,
}

impl Core {
    /// Looks a recipient up, so SMTP can answer `RCPT TO` before any data is sent.
    pub async fn recipient(&self, address: &EmailAddress) -> Result<Recipient, CoreError> {
        if self.store.domain_by_name(address.domain()).await?.is_none() {
            return Ok(Recipient::Remote);
        }
        Ok(match self.store.mailbox_by_address(address).await? {
            None => Recipient::Unknown,
            Some(m) if m.used_bytes >= m.quota_bytes => Recipient::Full(m),
            Some(m) => Recipient::Local(m),
        })
    }

    /// Whether a signed-in `mailbox` may send as `address` (envelope sender, `From:`,
    /// `Sender:`): the one place that says which addresses a mailbox owns. Today that is its
    /// own address; aliases, once they exist, are added here.
    pub async fn sends_as(&self, mailbox: &Mailbox, address: &str) -> Result<bool, CoreError> {
        Ok(EmailAddress::parse(address).is_ok_and(|a| a == mailbox.address))
    }

    /// Keeps a copy of a message the mailbox sent in its Sent folder, already seen.
    pub async fn save_sent(
        &self,
        access: &MailboxAccess,
        body: &[u8],
    ) -> Result<MessageMeta, CoreError> {
        let sent = self
            .store
            .folders(access.mailbox())
            .await?
            .into_iter()
            .find(|f| f.special_use == Some(SpecialUse::Sent))
            .ok_or(CoreError::NotFound)?;
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
