//! What webmail's search reads of a folder before any header or body: its messages in arrival
//! order, newest first, a bounded batch at a time, so a search over a large folder never loads
//! all of it at once.

use super::StoreResult;
use crate::mail::FolderId;
use chrono::{DateTime, Utc};

/// Where a message stands in its folder's newest-first order: its internal date, then its UID
/// (the order derived here compares them so).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Arrival {
    pub internal_date: DateTime<Utc>,
    pub uid: u32,
}

/// Which of a folder's messages a batch may hold.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ArrivalWindow {
    /// Only those with an internal date at or after this.
    pub since: Option<DateTime<Utc>>,
    /// Only those that come after this one in newest-first order (older, or as old with a
    /// lower UID): where the previous batch ended.
    pub older_than: Option<Arrival>,
}

#[async_trait::async_trait]
pub trait SearchStore: Send + Sync {
    /// Up to `limit` of the folder's messages in `window`, newest first (internal date, then
    /// UID, both descending). A folder that does not exist has none.
    async fn arrivals(
        &self,
        folder: FolderId,
        window: &ArrivalWindow,
        limit: u32,
    ) -> StoreResult<Vec<Arrival>>;
}
