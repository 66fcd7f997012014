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
    /// Where the account's calendar days are (the Auto-Reply tab's dates).
    pub time_zone: chrono_tz::Tz,
    pub created_at: DateTime<Utc>,
}
