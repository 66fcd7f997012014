use super::StoreResult;
use crate::audit::AuditEvent;
use crate::ids::AccountId;
use chrono::{DateTime, Utc};

/// A token a script presents to the JSON API for one account. Only its hash is kept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiToken {
    pub id: i64,
    pub account_id: AccountId,
    pub name: String,
    pub created_at: DateTime<Utc>,
    pub last_used_at: Option<DateTime<Utc>>,
}

#[async_trait::async_trait]
pub trait ApiTokenStore: Send + Sync {
    /// Records a new token (with its audit record, in one transaction).
    async fn insert_api_token(
        &self,
        account: AccountId,
        name: &str,
        token_hash: &[u8],
        audit: &AuditEvent,
    ) -> StoreResult<ApiToken>;
    /// The account's tokens, newest first.
    async fn api_tokens_of(&self, account: AccountId) -> StoreResult<Vec<ApiToken>>;
    /// Deletes one of the account's tokens; `false` if it has no such token.
    async fn revoke_api_token(
        &self,
        account: AccountId,
        id: i64,
        audit: &AuditEvent,
    ) -> StoreResult<bool>;
    /// The token with this hash, marked used at `at`.
    async fn use_api_token(
        &self,
        token_hash: &[u8],
        at: DateTime<Utc>,
    ) -> StoreResult<Option<ApiToken>>;
}
