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
    /// When it stops working; `None` for never.
    pub expires_at: Option<DateTime<Utc>>,
    /// Written at most once a minute, so API traffic does not write on every request.
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
        expires_at: Option<DateTime<Utc>>,
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
    /// Deletes every token of the account (with the audit record, if there were any);
    /// how many.
    async fn revoke_api_tokens_of(
        &self,
        account: AccountId,
        audit: &AuditEvent,
    ) -> StoreResult<u64>;
    /// The token with this hash, unless it has expired by `now`. Reads only.
    async fn api_token_by_hash(
        &self,
        token_hash: &[u8],
        now: DateTime<Utc>,
    ) -> StoreResult<Option<ApiToken>>;
    /// Marks the token used at `at`, unless it was marked at or after `unless_since` (another
    /// request or node was first).
    async fn touch_api_token(
        &self,
        id: i64,
        at: DateTime<Utc>,
        unless_since: DateTime<Utc>,
    ) -> StoreResult<()>;
}
