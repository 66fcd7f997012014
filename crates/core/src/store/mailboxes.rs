use super::StoreResult;
use crate::audit::AuditEvent;
use crate::domain::{EmailAddress, Mailbox, PlanLimits};
use crate::ids::{AccountId, DomainId, MailboxId};
use crate::mail::BlobId;
use chrono::{DateTime, Utc};

/// A mailbox to create, with its first password hash.
#[derive(Debug, Clone)]
pub struct NewMailbox {
    pub account_id: AccountId,
    pub domain_id: DomainId,
    pub address: EmailAddress,
    pub display_name: String,
    pub quota_bytes: i64,
    pub password_hash: String,
    pub created_at: DateTime<Utc>,
}

#[async_trait::async_trait]
pub trait MailboxStore: Send + Sync {
    /// Creates the mailbox, its credentials and its folders (INBOX and one of each
    /// [`crate::mail::SpecialUse`]), unless the plan's mailbox count or total
    /// storage would be exceeded (`LimitReached`) or the address exists (`Conflict`); the check
    /// and the write are one transaction. The audit record gets the new mailbox as principal
    /// when it has none. The caller has validated the address, its domain and the quota.
    async fn create_mailbox(
        &self,
        new: &NewMailbox,
        limits: &PlanLimits,
        audit: &AuditEvent,
    ) -> StoreResult<Mailbox>;
    async fn mailbox(&self, id: MailboxId) -> StoreResult<Option<Mailbox>>;
    async fn mailbox_by_address(&self, address: &EmailAddress) -> StoreResult<Option<Mailbox>>;
    async fn mailboxes_of(&self, account: AccountId) -> StoreResult<Vec<Mailbox>>;

    /// Sets the quota unless the account's total would pass the plan's storage.
    async fn set_quota(
        &self,
        id: MailboxId,
        quota_bytes: i64,
        limits: &PlanLimits,
        audit: &AuditEvent,
    ) -> StoreResult<Mailbox>;

    /// Removes the mailbox with its credentials, recovery code, session rows, folders and
    /// messages; returns how many sessions it had and the blobs no message refers to any more.
    async fn delete_mailbox(
        &self,
        id: MailboxId,
        audit: &AuditEvent,
    ) -> StoreResult<(u64, Vec<BlobId>)>;
}
