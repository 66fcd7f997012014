use super::StoreResult;
use crate::audit::AuditEvent;
use crate::domain::{EmailAddress, Mailbox, PlanLimits};
use crate::ids::{AccountId, AliasId, DomainId, ForwardId, MailboxId, SenderFilterId};
use crate::routing::{
    Alias, AutoReply, BlockedMail, FilterList, Forward, MailboxRouting, SenderFilter,
    SenderPattern, Subaddressing,
};
use chrono::{DateTime, Utc};

/// An alias to add: the caller has checked that the domain is the account's.
#[derive(Debug, Clone)]
pub struct NewAlias {
    pub account_id: AccountId,
    pub domain_id: DomainId,
    pub mailbox_id: MailboxId,
    pub address: EmailAddress,
    pub created_at: DateTime<Utc>,
}

/// An entry for a mailbox's allowed or blocked senders.
#[derive(Debug, Clone)]
pub struct NewSenderFilter {
    pub mailbox_id: MailboxId,
    pub list: FilterList,
    pub pattern: SenderPattern,
    pub created_at: DateTime<Utc>,
}

/// Everything the delivery pipeline asks of one mailbox for one message, read at once.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MailboxRules {
    /// The lists on which the mailbox has one of the message's sender patterns.
    pub lists: Vec<FilterList>,
    pub routing: MailboxRouting,
    pub auto_reply: Option<AutoReply>,
    pub forwards: Vec<EmailAddress>,
    /// The source of the mailbox's active Sieve script.
    pub sieve: Option<String>,
}

/// Where mail for an address goes. Mailbox addresses and aliases share one table of hosted
/// addresses, so no address can ever name two mailboxes, whichever accounts they are in.
#[async_trait::async_trait]
pub trait RoutingStore: Send + Sync {
    /// The mailbox whose own address or alias `address` is.
    async fn mailbox_for_address(&self, address: &EmailAddress) -> StoreResult<Option<Mailbox>>;
    /// The catch-all mailbox of the domain called `domain`.
    async fn catch_all_of(&self, domain: &str) -> StoreResult<Option<Mailbox>>;
    /// Makes `mailbox` (of the domain's account, `NotFound` otherwise) the domain's catch-all,
    /// or none.
    async fn set_catch_all(
        &self,
        domain: DomainId,
        mailbox: Option<MailboxId>,
        audit: &AuditEvent,
    ) -> StoreResult<()>;

    async fn aliases_of(&self, mailbox: MailboxId) -> StoreResult<Vec<Alias>>;
    /// Adds the alias unless the address is in use (`Conflict`), the account has the plan's
    /// number of aliases (`LimitReached`), or the mailbox or domain is not the account's
    /// (`NotFound`); check and write are one transaction.
    async fn add_alias(
        &self,
        new: &NewAlias,
        limits: &PlanLimits,
        audit: &AuditEvent,
    ) -> StoreResult<Alias>;
    /// Removes one of the mailbox's aliases; `NotFound` if it is not one of them.
    async fn remove_alias(
        &self,
        mailbox: MailboxId,
        alias: AliasId,
        audit: &AuditEvent,
    ) -> StoreResult<Alias>;

    /// The mailbox's settings; the defaults when none were saved.
    async fn routing(&self, mailbox: MailboxId) -> StoreResult<MailboxRouting>;
    /// Each setting is written on its own, so two changes at once cannot undo each other.
    async fn set_subaddressing(
        &self,
        mailbox: MailboxId,
        subaddressing: Subaddressing,
        audit: &AuditEvent,
    ) -> StoreResult<()>;
    async fn set_blocked_mail(
        &self,
        mailbox: MailboxId,
        blocked: BlockedMail,
        audit: &AuditEvent,
    ) -> StoreResult<()>;
    async fn set_keep_copy(
        &self,
        mailbox: MailboxId,
        keep_copy: bool,
        audit: &AuditEvent,
    ) -> StoreResult<()>;

    /// Where the mailbox forwards, by address.
    async fn forwards_of(&self, mailbox: MailboxId) -> StoreResult<Vec<Forward>>;
    /// Adds a destination unless the mailbox has it (`Conflict`) or `max` of them
    /// (`LimitReached`).
    async fn add_forward(
        &self,
        mailbox: MailboxId,
        destination: &EmailAddress,
        at: DateTime<Utc>,
        max: u32,
        audit: &AuditEvent,
    ) -> StoreResult<Forward>;
    async fn remove_forward(
        &self,
        mailbox: MailboxId,
        id: ForwardId,
        audit: &AuditEvent,
    ) -> StoreResult<Forward>;

    async fn auto_reply(&self, mailbox: MailboxId) -> StoreResult<Option<AutoReply>>;
    /// Saves the auto-reply; who was answered before is forgotten, so a new text reaches
    /// everyone once.
    async fn set_auto_reply(
        &self,
        mailbox: MailboxId,
        reply: &AutoReply,
        audit: &AuditEvent,
    ) -> StoreResult<()>;
    /// Whether the mailbox may answer `sender` now with the answer `handle` names (empty for
    /// the Auto-Reply tab's, a Sieve vacation's own): true (and `now` is remembered) unless
    /// it did after `since`. One statement, so two messages at once send one reply.
    async fn claim_auto_reply(
        &self,
        mailbox: MailboxId,
        handle: &str,
        sender: &str,
        now: DateTime<Utc>,
        since: DateTime<Utc>,
    ) -> StoreResult<bool>;

    /// The mailbox's allowed and blocked senders, by pattern.
    async fn sender_filters(&self, mailbox: MailboxId) -> StoreResult<Vec<SenderFilter>>;
    /// Adds an entry unless the mailbox has one for the pattern (`Conflict`) or `max` entries
    /// (`LimitReached`).
    async fn add_sender_filter(
        &self,
        new: &NewSenderFilter,
        max: u32,
        audit: &AuditEvent,
    ) -> StoreResult<SenderFilter>;
    async fn remove_sender_filter(
        &self,
        mailbox: MailboxId,
        id: SenderFilterId,
        audit: &AuditEvent,
    ) -> StoreResult<SenderFilter>;
    /// The mailbox's rules for a message whose senders match `patterns`, in one round trip
    /// whose cost does not grow with the lists.
    async fn rules_for(&self, mailbox: MailboxId, patterns: &[String])
    -> StoreResult<MailboxRules>;
    /// The lists on which the mailbox has any of `patterns`, at a cost that does not grow
    /// with the lists.
    async fn filter_lists_matching(
        &self,
        mailbox: MailboxId,
        patterns: &[String],
    ) -> StoreResult<Vec<FilterList>>;
}
