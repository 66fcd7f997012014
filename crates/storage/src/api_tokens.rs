//! API tokens: kept by hash, one account each; an expired one is found by no lookup.

use crate::audit;
use crate::error::db_err;
use crate::rows;
use crate::sql_store::SqlStore;
use chrono::{DateTime, Utc};
use trekmail_core::audit::AuditEvent;
use trekmail_core::clock::to_micros;
use trekmail_core::ids::AccountId;
use trekmail_core::store::{ApiToken, ApiTokenStore, StoreResult};

const INSERT: &str = "INSERT INTO api_tokens (account_id, name, token_hash, created_at, expires_at) \
                      VALUES ($1, $2, $3, $4, $5) RETURNING id";
const OF_ACCOUNT: &str = "SELECT id, account_id, name, created_at, expires_at, last_used_at \
                          FROM api_tokens WHERE account_id = $1 ORDER BY id DESC";
const BY_HASH: &str = "SELECT id, account_id, name, created_at, expires_at, last_used_at \
                       FROM api_tokens WHERE token_hash = $1 \
                       AND (expires_at IS NULL OR expires_at > $2)";
const REVOKE: &str = "DELETE FROM api_tokens WHERE id = $1 AND account_id = $2";
const REVOKE_ALL: &str = "DELETE FROM api_tokens WHERE account_id = $1";
const TOUCH: &str = "UPDATE api_tokens SET last_used_at = $2 WHERE id = $1 \
                     AND (last_used_at IS NULL OR last_used_at < $3)";

#[async_trait::async_trait]
impl ApiTokenStore for SqlStore {
    async fn insert_api_token(
        &self,
        account: AccountId,
        name: &str,
        token_hash: &[u8],
        expires_at: Option<DateTime<Utc>>,
        audit: &AuditEvent,
    ) -> StoreResult<ApiToken> {
        let mut tx = self.write_tx().await?;
        let id: i64 = rows::get(
            &sqlx::query(INSERT)
                .bind(account.0)
                .bind(name)
                .bind(token_hash.to_vec())
                .bind(to_micros(audit.at))
                .bind(expires_at.map(to_micros))
                .fetch_one(&mut *tx)
                .await
                .map_err(db_err)?,
            "id",
        )?;
        audit::insert(&mut tx, audit).await?;
        tx.commit().await.map_err(db_err)?;
        Ok(ApiToken {
            id,
            account_id: account,
            name: name.to_owned(),
            created_at: audit.at,
            expires_at,
            last_used_at: None,
        })
    }

    async fn api_tokens_of(&self, account: AccountId) -> StoreResult<Vec<ApiToken>> {
        sqlx::query(OF_ACCOUNT)
            .bind(account.0)
            .fetch_all(&self.read)
            .await
            .map_err(db_err)?
            .iter()
            .map(rows::api_token)
            .collect()
    }

    async fn revoke_api_token(
        &self,
        account: AccountId,
        id: i64,
        audit: &AuditEvent,
    ) -> StoreResult<bool> {
        let mut tx = self.write_tx().await?;
        let gone = sqlx::query(REVOKE)
            .bind(id)
            .bind(account.0)
            .execute(&mut *tx)
            .await
            .map_err(db_err)?
            .rows_affected();
        if gone == 0 {
            return Ok(false);
        }
        audit::insert(&mut tx, audit).await?;
        tx.commit().await.map_err(db_err)?;
        Ok(true)
    }

    async fn revoke_api_tokens_of(
        &self,
        account: AccountId,
        audit: &AuditEvent,
    ) -> StoreResult<u64> {
        let mut tx = self.write_tx().await?;
        let gone = sqlx::query(REVOKE_ALL)
            .bind(account.0)
            .execute(&mut *tx)
            .await
            .map_err(db_err)?
            .rows_affected();
        if gone > 0 {
            audit::insert(&mut tx, audit).await?;
        }
        tx.commit().await.map_err(db_err)?;
        Ok(gone)
    }

    async fn api_token_by_hash(
        &self,
        token_hash: &[u8],
        now: DateTime<Utc>,
    ) -> StoreResult<Option<ApiToken>> {
        sqlx::query(BY_HASH)
            .bind(token_hash.to_vec())
            .bind(to_micros(now))
            .fetch_optional(&self.read)
            .await
            .map_err(db_err)?
            .as_ref()
            .map(rows::api_token)
            .transpose()
    }

    async fn touch_api_token(
        &self,
        id: i64,
        at: DateTime<Utc>,
        unless_since: DateTime<Utc>,
    ) -> StoreResult<()> {
        let mut tx = self.write_tx().await?;
        sqlx::query(TOUCH)
            .bind(id)
            .bind(to_micros(at))
            .bind(to_micros(unless_since))
            .execute(&mut *tx)
            .await
            .map_err(db_err)?;
        tx.commit().await.map_err(db_err)?;
        Ok(())
    }
}
