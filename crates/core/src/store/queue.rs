use super::StoreResult;
use crate::ids::MailboxId;
use chrono::{DateTime, Utc};

/// A message for other servers: queued as one row per recipient, so each is retried and
/// bounced alone, all referring to one stored body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewOutbound {
    /// The envelope sender, where a bounce goes.
    pub sender: String,
    pub recipients: Vec<String>,
    pub body: Vec<u8>,
    /// The mailbox whose quota the body counts against until its last row goes (a
    /// submission's sender); `None` for mail nobody's quota carries (a bounce).
    pub charge: Option<MailboxId>,
    pub created_at: DateTime<Utc>,
}

/// A queued message as the delivery worker and `trekmail queue list` see it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueuedMessage {
    pub id: i64,
    pub sender: String,
    pub recipient: String,
    pub size: i64,
    pub attempts: u32,
    pub created_at: DateTime<Utc>,
    pub next_attempt: DateTime<Utc>,
    /// The last refusal or connection error, empty before the first attempt.
    pub last_error: String,
}

/// The outbound queue: durable before the submission's `250`, shared by every node on one
/// database. A worker claims a due row by moving its next attempt forward, so two nodes never
/// send the same row at once.
#[async_trait::async_trait]
pub trait QueueStore: Send + Sync {
    /// Adds a row for each recipient and the body once (once too for an identical body
    /// already queued for the same charge), in one transaction, due at once; a body that does
    /// not fit in the charged mailbox's quota is `LimitReached` and nothing is queued.
    async fn enqueue(&self, message: &NewOutbound) -> StoreResult<()>;
    /// Rows whose next attempt is due at `now`, oldest first.
    async fn due(&self, now: DateTime<Utc>, limit: u32) -> StoreResult<Vec<QueuedMessage>>;
    /// Takes a due row for one attempt: moves its next attempt to `lease_until` if it still is
    /// `seen.next_attempt`; false when another worker took it first or it is gone.
    async fn claim(&self, seen: &QueuedMessage, lease_until: DateTime<Utc>) -> StoreResult<bool>;
    /// The body of a queued row.
    async fn queued_body(&self, id: i64) -> StoreResult<Option<Vec<u8>>>;
    /// Records a failed attempt and when to try again.
    async fn retry_later(&self, id: i64, next: DateTime<Utc>, error: &str) -> StoreResult<()>;
    /// Removes a row (delivered, or bounced), and its body with the last row that uses it.
    async fn dequeue(&self, id: i64) -> StoreResult<()>;
    /// Every row, oldest first.
    async fn queued(&self) -> StoreResult<Vec<QueuedMessage>>;
    /// Counts one bounce to `sender` at `at` and returns the sender's count in its window; a
    /// window that began before `window_from` is over (its count starts again at one).
    async fn count_bounce(
        &self,
        sender: &str,
        at: DateTime<Utc>,
        window_from: DateTime<Utc>,
    ) -> StoreResult<u32>;
}
