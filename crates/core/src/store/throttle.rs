use super::StoreResult;
use chrono::{DateTime, Utc};

/// Recent sign-in failures of one throttle key (a login from an IP, or an IP).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FailureCount {
    pub failures: u32,
    pub last_failure: DateTime<Utc>,
}

/// Failure counters kept in the database, so that every node sharing it throttles alike: a
/// guesser gains nothing by spreading attempts over nodes.
#[async_trait::async_trait]
pub trait ThrottleStore: Send + Sync {
    /// The counters of `keys` that exist, in the order asked (`None` where none).
    async fn failure_counts(&self, keys: &[String]) -> StoreResult<Vec<Option<FailureCount>>>;
    /// Counts one failure at `at` against each key, starting over for a key whose last
    /// failure is before `forget_before`; returns each key's new count, in order.
    async fn count_failure(
        &self,
        keys: &[String],
        at: DateTime<Utc>,
        forget_before: DateTime<Utc>,
    ) -> StoreResult<Vec<u32>>;
    /// Clears one key's counter.
    async fn forgive(&self, key: &str) -> StoreResult<()>;
    /// Drops counters whose last failure is before `before`; returns how many.
    async fn prune_failures(&self, before: DateTime<Utc>) -> StoreResult<u64>;
}
