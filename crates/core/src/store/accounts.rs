use super::StoreResult;
use crate::audit::AuditEvent;
use crate::domain::{Account, Domain, EmailAddress, Plan};
use crate::ids::{AccountId, DomainId};
use crate::store::NewDkimKey;
use chrono::{DateTime, Utc};

/// An account to create, with its owner's first password hash.
#[derive(Debug, Clone)]
pub struct NewAccount {
    pub owner_email: EmailAddress,
    pub plan: Plan,
    pub password_hash: String,
    pub created_at: DateTime<Utc>,
}

#[async_trait::async_trait]
pub trait AccountStore: Send + Sync {
    /// Creates the account and its owner's credentials (epoch 1). `Conflict` if the e-mail is
    /// taken. The audit record gets the new account's id when it has none.
    async fn create_account(&self, new: &NewAccount, audit: &AuditEvent) -> StoreResult<Account>;
    async fn account(&self, id: AccountId) -> StoreResult<Option<Account>>;
    async fn account_by_email(&self, email: &EmailAddress) -> StoreResult<Option<Account>>;
    async fn accounts(&self) -> StoreResult<Vec<Account>>;
    /// `NotFound` for no such account.
    async fn set_time_zone(
        &self,
        id: AccountId,
        zone: chrono_tz::Tz,
        audit: &AuditEvent,
    ) -> StoreResult<()>;

    /// Adds a domain with its first DKIM keys (signing) unless the account already has
    /// `max_domains` (`LimitReached`) or the name is hosted already (`Conflict`), checked and
    /// written in one transaction. Its creation time is the audit record's.
    async fn add_domain(
        &self,
        account: AccountId,
        name: &str,
        max_domains: u32,
        keys: &[NewDkimKey],
        audit: &AuditEvent,
    ) -> StoreResult<Domain>;
    /// Removes a domain and its DKIM keys; `Conflict` while a mailbox is on it, `NotFound`
    /// for no such domain.
    async fn remove_domain(&self, domain: DomainId, audit: &AuditEvent) -> StoreResult<()>;
    async fn domains_of(&self, account: AccountId) -> StoreResult<Vec<Domain>>;
    async fn domain_by_name(&self, name: &str) -> StoreResult<Option<Domain>>;
    async fn domain(&self, id: DomainId) -> StoreResult<Option<Domain>>;
}
