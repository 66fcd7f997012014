//! The core's [`SearchStore`] port on [`SqlStore`]: a folder's messages by arrival, newest
//! first, one bounded batch per query (a LIMIT on the folder's rows, never the whole folder
//! sent back).

use crate::error::db_err;
use crate::rows;
use crate::sql_store::SqlStore;
use trekmail_core::clock::{from_micros, to_micros};
use trekmail_core::mail::FolderId;
use trekmail_core::store::{Arrival, ArrivalWindow, SearchStore, StoreResult};

/// `$2` the earliest internal date, `$3`/`$4` the (date, UID) the batch comes after.
const ARRIVALS: &str = "SELECT uid, internal_date FROM messages \
     WHERE folder_id = $1 AND internal_date >= $2 \
     AND (internal_date < $3 OR (internal_date = $3 AND uid < $4)) \
     ORDER BY internal_date DESC, uid DESC LIMIT $5";

#[async_trait::async_trait]
impl SearchStore for SqlStore {
    async fn arrivals(
        &self,
        folder: FolderId,
        window: &ArrivalWindow,
        limit: u32,
    ) -> StoreResult<Vec<Arrival>> {
        // No bound on a side is a bound no stored date passes.
        let since = window.since.map_or(i64::MIN, to_micros);
        let (date, uid) = window.older_than.map_or((i64::MAX, i64::MAX), |a| {
            (to_micros(a.internal_date), i64::from(a.uid))
        });
        let rows = sqlx::query(ARRIVALS)
            .bind(folder.0)
            .bind(since)
            .bind(date)
            .bind(uid)
            .bind(i64::from(limit))
            .fetch_all(&self.read)
            .await
            .map_err(db_err)?;
        rows.iter()
            .map(|row| {
                Ok(Arrival {
                    internal_date: from_micros(rows::get(row, "internal_date")?),
                    uid: rows::u32_column(row, "uid")?,
                })
            })
            .collect()
    }
}
