//! Hosted domains' DKIM keys. A rotation stops the signing keys and adds new ones in one
//! transaction, so a domain never signs with none or with both generations at once.

use crate::audit;
use crate::error::{conflict, db_err};
use crate::rows;
use crate::sql_store::{SqlStore, WriteTx};
use chrono::{DateTime, Utc};
use sqlx::any::AnyRow;
use trekmail_core::audit::AuditEvent;
use trekmail_core::clock::{from_micros, to_micros};
use trekmail_core::domain::DkimKey;
use trekmail_core::ids::DomainId;
use trekmail_core::store::{DkimKeyStore, NewDkimKey, SealedDkimKey, StoreError, StoreResult};

const KEYS_OF: &str = "SELECT domain_id, selector, algorithm, public_key, sealed_private, \
     signing, created_at FROM dkim_keys WHERE domain_id = $1 \
     ORDER BY signing DESC, created_at DESC, selector";
const INSERT: &str = "INSERT INTO dkim_keys \
     (domain_id, selector, algorithm, public_key, sealed_private, signing, created_at) \
     VALUES ($1, $2, $3, $4, $5, 1, $6)";
const STOP_SIGNING: &str = "UPDATE dkim_keys SET signing = 0 WHERE domain_id = $1 AND signing = 1";
const SIGNING_OF: &str = "SELECT signing FROM dkim_keys WHERE domain_id = $1 AND selector = $2";
const RETIRE: &str = "DELETE FROM dkim_keys WHERE domain_id = $1 AND selector = $2 AND signing = 0";
/// Every key of a domain, when the domain goes.
pub(crate) const DELETE_ALL: &str = "DELETE FROM dkim_keys WHERE domain_id = $1";
const LOCK_DOMAIN: &str = "UPDATE domains SET name = name WHERE id = $1";

fn key(row: &AnyRow) -> StoreResult<SealedDkimKey> {
    let algorithm: String = rows::get(row, "algorithm")?;
    Ok(SealedDkimKey {
        key: DkimKey {
            domain_id: DomainId(rows::get(row, "domain_id")?),
            selector: rows::get(row, "selector")?,
            algorithm: algorithm.parse().map_err(StoreError::Backend)?,
            public_key: rows::get(row, "public_key")?,
            signing: rows::get::<i64>(row, "signing")? != 0,
            created_at: from_micros(rows::get(row, "created_at")?),
        },
        sealed_private: rows::get(row, "sealed_private")?,
    })
}

/// Adds `keys` as signing keys of `domain`.
pub(crate) async fn insert(
    tx: &mut WriteTx,
    domain: DomainId,
    keys: &[NewDkimKey],
    created_at: DateTime<Utc>,
) -> StoreResult<()> {
    for new in keys {
        sqlx::query(INSERT)
            .bind(domain.0)
            .bind(new.selector.as_str())
            .bind(new.algorithm.as_str())
            .bind(new.public_key.clone())
            .bind(new.sealed_private.clone())
            .bind(to_micros(created_at))
            .execute(&mut **tx)
            .await
            .map_err(conflict(|| {
                format!("the selector {} is taken", new.selector)
            }))?;
    }
    Ok(())
}

/// Locks the domain row for the rest of `tx`; `NotFound` if it does not exist.
async fn lock_domain(tx: &mut WriteTx, domain: DomainId) -> StoreResult<()> {
    let done = sqlx::query(LOCK_DOMAIN)
        .bind(domain.0)
        .execute(&mut **tx)
        .await
        .map_err(db_err)?;
    match done.rows_affected() {
        0 => Err(StoreError::NotFound),
        _ => Ok(()),
    }
}

#[async_trait::async_trait]
impl DkimKeyStore for SqlStore {
    async fn dkim_keys(&self, domain: DomainId) -> StoreResult<Vec<SealedDkimKey>> {
        let rows = sqlx::query(KEYS_OF)
            .bind(domain.0)
            .fetch_all(&self.read)
            .await
            .map_err(db_err)?;
        rows.iter().map(key).collect()
    }

    async fn rotate_dkim_keys(
        &self,
        domain: DomainId,
        keys: &[NewDkimKey],
        audit: &AuditEvent,
    ) -> StoreResult<()> {
        let mut tx = self.write_tx().await?;
        lock_domain(&mut tx, domain).await?;
        sqlx::query(STOP_SIGNING)
            .bind(domain.0)
            .execute(&mut *tx)
            .await
            .map_err(db_err)?;
        insert(&mut tx, domain, keys, audit.at).await?;
        audit::insert(&mut tx, audit).await?;
        tx.commit().await.map_err(db_err)
    }

    async fn retire_dkim_key(
        &self,
        domain: DomainId,
        selector: &str,
        audit: &AuditEvent,
    ) -> StoreResult<()> {
        let mut tx = self.write_tx().await?;
        lock_domain(&mut tx, domain).await?;
        let row = sqlx::query(SIGNING_OF)
            .bind(domain.0)
            .bind(selector)
            .fetch_optional(&mut *tx)
            .await
            .map_err(db_err)?;
        match row.map(|r| rows::get::<i64>(&r, "signing")).transpose()? {
            None => return Err(StoreError::NotFound),
            Some(1) => {
                return Err(StoreError::Conflict(format!(
                    "{selector} still signs: rotate to new keys before retiring it"
                )));
            }
            Some(_) => {}
        }
        sqlx::query(RETIRE)
            .bind(domain.0)
            .bind(selector)
            .execute(&mut *tx)
            .await
            .map_err(db_err)?;
        audit::insert(&mut tx, audit).await?;
        tx.commit().await.map_err(db_err)
    }
}
