use super::StoreResult;
use crate::audit::Channel;
use chrono::{DateTime, Utc};

/// The outbound queue's size, for the metrics page.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct QueueDepth {
    /// Rows waiting: one per message and recipient.
    pub rows: u64,
    pub oldest: Option<DateTime<Utc>>,
}

/// What the health checks and the metrics page read: aggregates only, each one query.
#[async_trait::async_trait]
pub trait StatusStore: Send + Sync {
    /// Whether the database answers and has every migration this binary knows applied.
    async fn schema_current(&self) -> StoreResult<bool>;
    /// Live session rows of every node, by channel.
    async fn sessions_by_channel(&self) -> StoreResult<Vec<(Channel, u64)>>;
    async fn queue_depth(&self) -> StoreResult<QueueDepth>;
}
