//! The storage ports. The storage crate implements them on SQLite and PostgreSQL; the core never
//! sees SQL. Every method that changes credentials does all of its change, its session
//! clean-up and its audit record in one transaction, or none of it.

mod accounts;
mod api_tokens;
mod audit;
mod brands;
mod credentials;
mod dkim_keys;
mod mailboxes;
mod messages;
mod queue;
mod routing;
mod search;
mod sessions;
mod sieve;
mod status;
mod throttle;

pub use accounts::{AccountStore, NewAccount};
pub use api_tokens::{ApiToken, ApiTokenStore};
pub use audit::{AuditRecord, AuditStore};
pub use brands::BrandStore;
pub use credentials::{CredentialStore, Credentials, RecoveryStatus};
pub use dkim_keys::{DkimKeyStore, NewDkimKey, SealedDkimKey};
pub use mailboxes::{MailboxStore, NewMailbox};
pub use messages::{BlobStore, MessageStore, PageStart};
pub use queue::{NewOutbound, QueueStore, QueuedMessage};
pub use routing::{MailboxRules, NewAlias, NewSenderFilter, RoutingStore};
pub use search::{Arrival, ArrivalWindow, SearchStore};
pub use sessions::{SessionRow, SessionStore};
pub use sieve::SieveStore;
pub use status::{QueueDepth, StatusStore};
pub use throttle::{Admit, FailureCount, ThrottleStore};

/// Why a store call failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StoreError {
    #[error("not found")]
    NotFound,
    #[error("{0}")]
    Conflict(String),
    #[error("{0}")]
    LimitReached(String),
    #[error("{0}")]
    Backend(String),
}

pub type StoreResult<T> = Result<T, StoreError>;

/// Everything the core keeps, on one database.
pub trait Store:
    AccountStore
    + MailboxStore
    + CredentialStore
    + SessionStore
    + AuditStore
    + MessageStore
    + ApiTokenStore
    + ThrottleStore
    + QueueStore
    + BrandStore
    + RoutingStore
    + SieveStore
    + SearchStore
    + DkimKeyStore
    + StatusStore
{
}

impl<T> Store for T where
    T: AccountStore
        + MailboxStore
        + CredentialStore
        + SessionStore
        + AuditStore
        + MessageStore
        + ApiTokenStore
        + ThrottleStore
        + QueueStore
        + BrandStore
        + RoutingStore
        + SieveStore
        + SearchStore
        + DkimKeyStore
        + StatusStore
{
}
