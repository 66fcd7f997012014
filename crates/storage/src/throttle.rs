//! Sign-in failure counters: one row a key, counted up in one statement so that nodes
//! failing against the same key at once each see their own count.

use crate::error::db_err;
use crate::rows;
use crate::sql_store::SqlStore;
use chrono::{DateTime, Utc};
use trekmail_core::clock::{from_micros, to_micros};
use trekmail_core::store::{FailureCount, StoreResult, ThrottleStore};

const GET: &str = "SELECT failures, last_failure FROM sign_in_failures WHERE key = $1";
/// A key idle since `$3` starts over at one.
const COUNT: &str = "INSERT INTO sign_in_failures (key, failures, last_failure) VALUES ($1, 1, $2) \
     ON CONFLICT (key) DO UPDATE SET \
     failures = CASE WHEN sign_in_failures.last_failure < $3 THEN 1 \
                     ELSE sign_in_failures.failures + 1 END, \
     last_failure = $2 \
     RETURNING failures";
const FORGIVE: &str = "DELETE FROM sign_in_failures WHERE key = $1";
const PRUNE: &str = "DELETE FROM sign_in_failures WHERE last_failure < $1";

#[async_trait::async_trait]
impl ThrottleStore for SqlStore {
    async fn failure_counts(&self, keys: &[String]) -> StoreResult<Vec<Option<FailureCount>>> {
        let mut out = Vec::with_capacity(keys.len());
        for key in keys {
            let row = sqlx::query(GET)
                .bind(key.as_str())
                .fetch_optional(&self.read)
                .await
                .map_err(db_err)?;
            out.push(match row {
                Some(row) => Some(FailureCount {
                    failures: count(rows::get(&row, "failures")?),
                    last_failure: from_micros(rows::get(&row, "last_failure")?),
                }),
                None => None,
            });
        }
        Ok(out)
    }

    async fn count_failure(
        &self,
        keys: &[String],
        at: DateTime<Utc>,
        forget_before: DateTime<Utc>,
    ) -> StoreResult<Vec<u32>> {
        let mut tx = self.write_tx().await?;
        let mut out = Vec::with_capacity(keys.len());
        for key in keys {
            let row = sqlx::query(COUNT)
                .bind(key.as_str())
                .bind(to_micros(at))
                .bind(to_micros(forget_before))
                .fetch_one(&mut *tx)
                .await
                .map_err(db_err)?;
            out.push(count(rows::get(&row, "failures")?));
        }
        tx.commit().await.map_err(db_err)?;
        Ok(out)
    }

    async fn forgive(&self, key: &str) -> StoreResult<()> {
        sqlx::query(FORGIVE)
            .bind(key)
            .execute(&self.write)
            .await
            .map_err(db_err)?;
        Ok(())
    }

    async fn prune_failures(&self, before: DateTime<Utc>) -> StoreResult<u64> {
        Ok(sqlx::query(PRUNE)
            .bind(to_micros(before))
            .execute(&self.write)
            .await
            .map_err(db_err)?
            .rows_affected())
    }
}

fn count(stored: i64) -> u32 {
    u32::try_from(stored.max(0)).unwrap_or(u32::MAX)
}
