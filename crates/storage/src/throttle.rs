//! Sign-in failure counters: one row a key, reserved in one transaction before a secret is
//! checked, so that attempts arriving at once (on one node or several) each see the others'.
//! Beside them, when each login last signed in from each network (the trusted sources).

use crate::error::db_err;
use crate::rows;
use crate::sql_store::SqlStore;
use chrono::{DateTime, Utc};
use trekmail_core::clock::{from_micros, to_micros};
use trekmail_core::store::{Admit, FailureCount, StoreResult, ThrottleStore};

/// Reads a key's counter and holds its row until the transaction ends (a new key reads as
/// zero failures); the no-op update is what takes the row lock on PostgreSQL.
const LOCK: &str = "INSERT INTO sign_in_failures (key, failures, last_failure) VALUES ($1, 0, $2) \
     ON CONFLICT (key) DO UPDATE SET failures = sign_in_failures.failures \
     RETURNING failures, last_failure";
const COUNT: &str = "UPDATE sign_in_failures SET failures = $2, last_failure = $3 WHERE key = $1";
/// One failure less; when the row is still as the reservation left it (`$2` failures at
/// `$3`), its time goes back to `$4` as well.
const REFUND: &str = "UPDATE sign_in_failures SET failures = failures - 1, \
     last_failure = CASE WHEN failures = $2 AND last_failure = $3 THEN $4 ELSE last_failure END \
     WHERE key = $1 AND failures > 0";
const FORGIVE: &str = "DELETE FROM sign_in_failures WHERE key = $1";
const PRUNE: &str = "DELETE FROM sign_in_failures WHERE last_failure < $1";
const TRUST: &str = "INSERT INTO sign_in_trust (key, last_success) VALUES ($1, $2) \
     ON CONFLICT (key) DO UPDATE SET last_success = $2";
const TRUSTED: &str = "SELECT 1 AS yes FROM sign_in_trust WHERE key = $1 AND last_success >= $2";
const PRUNE_TRUST: &str = "DELETE FROM sign_in_trust WHERE last_success < $1";

#[async_trait::async_trait]
impl ThrottleStore for SqlStore {
    async fn reserve_attempt(
        &self,
        keys: &[String],
        at: DateTime<Utc>,
        forget_before: DateTime<Utc>,
        admit: Admit<'_>,
    ) -> StoreResult<(Vec<Option<FailureCount>>, bool)> {
        // Rows are locked in one order, so two reservations sharing keys cannot deadlock.
        let mut order: Vec<usize> = (0..keys.len()).collect();
        order.sort_by(|&a, &b| keys[a].cmp(&keys[b]));
        let mut tx = self.write_tx().await?;
        let mut counts = vec![None; keys.len()];
        for &i in &order {
            let row = sqlx::query(LOCK)
                .bind(keys[i].as_str())
                .bind(to_micros(at))
                .fetch_one(&mut *tx)
                .await
                .map_err(db_err)?;
            let stored = FailureCount {
                failures: count(rows::get(&row, "failures")?),
                last_failure: from_micros(rows::get(&row, "last_failure")?),
            };
            counts[i] =
                (stored.failures > 0 && stored.last_failure >= forget_before).then_some(stored);
        }
        if !admit(&counts) {
            // Nothing is counted, and the rows made only to be locked go again.
            tx.rollback().await.map_err(db_err)?;
            return Ok((counts, false));
        }
        for &i in &order {
            let failures = counts[i].map_or(0, |c| c.failures).saturating_add(1);
            sqlx::query(COUNT)
                .bind(keys[i].as_str())
                .bind(i64::from(failures))
                .bind(to_micros(at))
                .execute(&mut *tx)
                .await
                .map_err(db_err)?;
        }
        tx.commit().await.map_err(db_err)?;
        Ok((counts, true))
    }

    async fn refund_attempt(
        &self,
        keys: &[String],
        read: &[Option<FailureCount>],
        at: DateTime<Utc>,
    ) -> StoreResult<()> {
        // In the reservation's lock order (by key), so the two cannot deadlock.
        let mut pairs: Vec<_> = keys.iter().zip(read).collect();
        pairs.sort_by(|a, b| a.0.cmp(b.0));
        let mut tx = self.write_tx().await?;
        for (key, before) in pairs {
            let counted = before.map_or(0, |c| c.failures).saturating_add(1);
            let was = before.map_or(at, |c| c.last_failure);
            sqlx::query(REFUND)
                .bind(key.as_str())
                .bind(i64::from(counted))
                .bind(to_micros(at))
                .bind(to_micros(was))
                .execute(&mut *tx)
                .await
                .map_err(db_err)?;
        }
        tx.commit().await.map_err(db_err)
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
        delete_before(self, PRUNE, before).await
    }

    async fn trust(&self, key: &str, at: DateTime<Utc>) -> StoreResult<()> {
        sqlx::query(TRUST)
            .bind(key)
            .bind(to_micros(at))
            .execute(&self.write)
            .await
            .map_err(db_err)?;
        Ok(())
    }

    async fn trusted(&self, key: &str, since: DateTime<Utc>) -> StoreResult<bool> {
        Ok(sqlx::query(TRUSTED)
            .bind(key)
            .bind(to_micros(since))
            .fetch_optional(&self.read)
            .await
            .map_err(db_err)?
            .is_some())
    }

    async fn prune_trust(&self, before: DateTime<Utc>) -> StoreResult<u64> {
        delete_before(self, PRUNE_TRUST, before).await
    }
}

async fn delete_before(
    store: &SqlStore,
    query: &'static str,
    before: DateTime<Utc>,
) -> StoreResult<u64> {
    Ok(sqlx::query(query)
        .bind(to_micros(before))
        .execute(&store.write)
        .await
        .map_err(db_err)?
        .rows_affected())
}

fn count(stored: i64) -> u32 {
    u32::try_from(stored.max(0)).unwrap_or(u32::MAX)
}
