use super::StoreResult;
use crate::audit::AuditEvent;
use crate::ids::MailboxId;
use crate::routing::SieveScript;
use chrono::{DateTime, Utc};

/// A mailbox's Sieve scripts, by name; at most one active (the database holds to it).
#[async_trait::async_trait]
pub trait SieveStore: Send + Sync {
    /// The mailbox's scripts, by name.
    async fn sieve_scripts(&self, mailbox: MailboxId) -> StoreResult<Vec<SieveScript>>;
    async fn sieve_script(
        &self,
        mailbox: MailboxId,
        name: &str,
    ) -> StoreResult<Option<SieveScript>>;
    /// Saves `source` as the script `name`, replacing one of that name (it stays active if it
    /// was), unless that would make more than `max` scripts (`LimitReached`).
    async fn put_sieve_script(
        &self,
        mailbox: MailboxId,
        name: &str,
        source: &str,
        at: DateTime<Utc>,
        max: u32,
        audit: &AuditEvent,
    ) -> StoreResult<SieveScript>;
    /// Makes `name` the active script (`NotFound` if there is none of that name), or, with
    /// `None`, none.
    async fn activate_sieve_script(
        &self,
        mailbox: MailboxId,
        name: Option<&str>,
        audit: &AuditEvent,
    ) -> StoreResult<()>;
    /// Renames a script (`NotFound`; `Conflict` if the new name is taken), active or not.
    async fn rename_sieve_script(
        &self,
        mailbox: MailboxId,
        from: &str,
        to: &str,
        audit: &AuditEvent,
    ) -> StoreResult<()>;
    /// Deletes a script that is not active (`NotFound`; `Conflict` if it is active).
    async fn delete_sieve_script(
        &self,
        mailbox: MailboxId,
        name: &str,
        audit: &AuditEvent,
    ) -> StoreResult<()>;
}
