//! API tokens: kept by hash, one account each.

use crate::audit;
use crate::error::db_err;
use crate::rows;
use crate::sql_store::SqlStore;
use chrono::{DateTime, Utc};
use trekmail_core::audit::AuditEvent;
use trekmail_core::clock::to_micros;
use trekmail_core::ids::AccountId;
use trekmail_core::store::{ApiToken, ApiTokenStore, StoreResult};

const INSERT: &str = "INSERT INTO api_tokens (account_id, name, token_hash, created_at) \
                      VALUES ($1, $2, $3, $4) RETURNING id";
const OF_ACCOUNT: &str = "SELECT id, account_id, name, created_at, last_used_at FROM api_tokens \
                          WHERE account_id = $1 ORDER BY id DESC";
const REVOKE: &str = "DELETE FROM api_tokens WHERE id = $1 AND account_id = $2";
const USE: &str = "UPDATE api_tokens SET last_used_at = $2 WHERE token_hash = $1 \
                   RETURNING id, account_id, name, created_at, last_used_at";

#[async_trait::async_trait]
impl ApiTokenStore for SqlStore {
    async fn insert_api_token(
        &self,
        account: AccountId,
        name: &str,
        token_hash: &[u8],
        audit: &AuditEvent,
    ) -> StoreResult<ApiToken> {
        let mut tx = self.write_tx().await?;
        let id: i64 = rows::get(
            &sqlx::query(INSERT)
                .bind(account.0)
                .bind(name)
                .bind(token_hash.to_vec())
                .bind(to_micros(audit.at))
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

    async fn use_api_token(
        &self,
        token_hash: &[u8],
        at: DateTime<Utc>,
    ) -> StoreResult<Option<ApiToken>> {
        let mut tx = self.write_tx().await?;
        let row = sqlx::query(USE)
            .bind(token_hash.to_vec())
            .bind(to_micros(at))
            .fetch_optional(&mut *tx)
            .await
            .map_err(db_err)?;
        tx.commit().await.map_err(db_err)?;
        row.as_ref().map(rows::api_token).transpose()
    }
}
