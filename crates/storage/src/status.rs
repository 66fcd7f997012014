//! The core's [`StatusStore`] port: one aggregate query each, for the health checks and the
//! metrics page.

use crate::error::db_err;
use crate::migrate;
use crate::sql_store::SqlStore;
use sqlx::Row;
use trekmail_core::audit::Channel;
use trekmail_core::clock::from_micros;
use trekmail_core::store::{QueueDepth, StatusStore, StoreResult};

const SESSIONS: &str = "SELECT channel, COUNT(*) AS n FROM sessions GROUP BY channel";
const QUEUE: &str = "SELECT COUNT(*) AS n, CAST(COALESCE(MIN(created_at), 0) AS BIGINT) AS oldest \
     FROM outbound_queue";

#[async_trait::async_trait]
impl StatusStore for SqlStore {
    async fn schema_current(&self) -> StoreResult<bool> {
        let applied = migrate::applied(&self.read).await?;
        Ok(migrate::known_versions()
            .iter()
            .all(|v| applied.contains(v)))
    }

    async fn sessions_by_channel(&self) -> StoreResult<Vec<(Channel, u64)>> {
        let rows = sqlx::query(SESSIONS)
            .fetch_all(&self.read)
            .await
            .map_err(db_err)?;
        let mut counts = Vec::with_capacity(rows.len());
        for row in rows {
            let channel: String = row.try_get("channel").map_err(db_err)?;
            let n: i64 = row.try_get("n").map_err(db_err)?;
            if let Some(channel) = Channel::parse(&channel) {
                counts.push((channel, u64::try_from(n).unwrap_or(0)));
            }
        }
        Ok(counts)
    }

    async fn queue_depth(&self) -> StoreResult<QueueDepth> {
        let row = sqlx::query(QUEUE)
            .fetch_one(&self.read)
            .await
            .map_err(db_err)?;
        let rows: i64 = row.try_get("n").map_err(db_err)?;
        let oldest: i64 = row.try_get("oldest").map_err(db_err)?;
        Ok(QueueDepth {
            rows: u64::try_from(rows).unwrap_or(0),
            oldest: (rows > 0).then(|| from_micros(oldest)),
        })
    }
}
