//! Webmail brands: one per account, each on a host name no other account has.

use crate::audit;
use crate::error::{conflict, db_err};
use crate::rows;
use crate::sql_store::SqlStore;
use trekmail_core::audit::AuditEvent;
use trekmail_core::clock::to_micros;
use trekmail_core::domain::Brand;
use trekmail_core::ids::AccountId;
use trekmail_core::store::{BrandStore, StoreResult};

const UPSERT: &str = "INSERT INTO webmail_brands (account_id, host, name, colour, updated_at) \
                      VALUES ($1, $2, $3, $4, $5) \
                      ON CONFLICT (account_id) DO UPDATE SET host = excluded.host, \
                      name = excluded.name, colour = excluded.colour, \
                      updated_at = excluded.updated_at";
const DELETE: &str = "DELETE FROM webmail_brands WHERE account_id = $1";
const OF_ACCOUNT: &str = "SELECT account_id, host, name, colour, updated_at FROM webmail_brands \
                          WHERE account_id = $1";
const BY_HOST: &str = "SELECT account_id, host, name, colour, updated_at FROM webmail_brands \
                       WHERE host = $1";

#[async_trait::async_trait]
impl BrandStore for SqlStore {
    async fn set_brand(
        &self,
        account: AccountId,
        brand: Option<&Brand>,
        audit: &AuditEvent,
    ) -> StoreResult<()> {
        let mut tx = self.write_tx().await?;
        match brand {
            Some(b) => {
                sqlx::query(UPSERT)
                    .bind(account.0)
                    .bind(b.host.as_str())
                    .bind(b.name.as_str())
                    .bind(b.colour.as_str())
                    .bind(to_micros(b.updated_at))
                    .execute(&mut *tx)
                    .await
                    .map_err(conflict(|| {
                        format!("{} is the webmail host of another account", b.host)
                    }))?;
            }
            None => {
                sqlx::query(DELETE)
                    .bind(account.0)
                    .execute(&mut *tx)
                    .await
                    .map_err(db_err)?;
            }
        }
        audit::insert(&mut tx, audit).await?;
        tx.commit().await.map_err(db_err)?;
        Ok(())
    }

    async fn brand_of(&self, account: AccountId) -> StoreResult<Option<Brand>> {
        sqlx::query(OF_ACCOUNT)
            .bind(account.0)
            .fetch_optional(&self.read)
            .await
            .map_err(db_err)?
            .as_ref()
            .map(rows::brand)
            .transpose()
    }

    async fn brand_by_host(&self, host: &str) -> StoreResult<Option<Brand>> {
        sqlx::query(BY_HOST)
            .bind(host)
            .fetch_optional(&self.read)
            .await
            .map_err(db_err)?
            .as_ref()
            .map(rows::brand)
            .transpose()
    }
}
