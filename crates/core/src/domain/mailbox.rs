use super::EmailAddress;
use crate::ids::{AccountId, DomainId, MailboxId};
use chrono::{DateTime, Utc};

/// A domain an account hosts mail for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Domain {
    pub id: DomainId,
    pub account_id: AccountId,
    pub name: String,
    /// The mailbox that gets mail for the domain's addresses that name no one.
    pub catch_all: Option<MailboxId>,
    pub created_at: DateTime<Utc>,
}

/// One address that can sign in and receive mail. Credentials live in the credential store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mailbox {
    pub id: MailboxId,
    pub account_id: AccountId,
    pub domain_id: DomainId,
    pub address: EmailAddress,
    pub display_name: String,
    pub quota_bytes: i64,
    /// Bytes its messages take, counted against `quota_bytes`.
    pub used_bytes: i64,
    pub created_at: DateTime<Utc>,
}
