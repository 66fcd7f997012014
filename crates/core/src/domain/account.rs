use super::{EmailAddress, Plan};
use crate::ids::AccountId;
use chrono::{DateTime, Utc};

/// A tenant. Its owner signs in to the dashboard with the owner e-mail; credentials are kept
/// apart, in the credential store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Account {
    pub id: AccountId,
    pub owner_email: EmailAddress,
    pub plan: Plan,
    pub created_at: DateTime<Utc>,
}
