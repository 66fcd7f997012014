use super::StoreResult;
use chrono::{DateTime, Utc};

/// Recent sign-in failures of one throttle key (a login from an IP, an IP, a login).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FailureCount {
    pub failures: u32,
    pub last_failure: DateTime<Utc>,
}

/// Decides from the counters as they stand whether one more attempt may go.
pub type Admit<'a> = &'a (dyn Fn(&[Option<FailureCount>]) -> bool + Send + Sync);

/// Failure counters kept in the database, so that every node sharing it throttles alike: a
/// guesser gains nothing by spreading attempts over nodes, nor by sending them all at once.
#[async_trait::async_trait]
pub trait ThrottleStore: Send + Sync {
    /// In one transaction: reads each key's counter (one idle since `forget_before` reads as
    /// `None`), asks `admit`, and when it agrees counts one failure at `at` against each key,
    /// before the caller checks any secret. Concurrent reservations of a key wait for each
    /// other, so a burst is counted exactly like a sequence. Returns the counters as read, in
    /// order, and whether the attempt was counted.
    async fn reserve_attempt(
        &self,
        keys: &[String],
        at: DateTime<Utc>,
        forget_before: DateTime<Utc>,
        admit: Admit<'_>,
    ) -> StoreResult<(Vec<Option<FailureCount>>, bool)>;
    /// Takes back the failure a reservation at `at` counted against each key, given the
    /// counters it read: a key nobody counted against since is as it was before, including
    /// its time, so a right attempt does not restart a delay.
    async fn refund_attempt(
        &self,
        keys: &[String],
        read: &[Option<FailureCount>],
        at: DateTime<Utc>,
    ) -> StoreResult<()>;
    /// Clears one key's counter.
    async fn forgive(&self, key: &str) -> StoreResult<()>;
    /// Drops counters whose last failure is before `before`; returns how many.
    async fn prune_failures(&self, before: DateTime<Utc>) -> StoreResult<u64>;
    /// Remembers that `key` (a login from a network) signed in at `at`.
    async fn trust(&self, key: &str, at: DateTime<Utc>) -> StoreResult<()>;
    /// Whether `key` signed in at or after `since`.
    async fn trusted(&self, key: &str, since: DateTime<Utc>) -> StoreResult<bool>;
    /// Forgets sign-ins older than `before`; returns how many.
    async fn prune_trust(&self, before: DateTime<Utc>) -> StoreResult<u64>;
}
