//! The core's [`QueueStore`] port: the outbound queue in `outbound_queue`, one row per
//! recipient, each message's body once in `outbound_bodies`; and the bounce counts in
//! `bounce_counts`.

use crate::conn::Conn;
use crate::error::db_err;
use crate::rows;
use crate::sql_store::SqlStore;
use crate::usage;
use chrono::{DateTime, Utc};
use trekmail_core::clock::to_micros;
use trekmail_core::ids::MailboxId;
use trekmail_core::mail::BlobId;
use trekmail_core::store::{NewOutbound, QueueStore, QueuedMessage, StoreResult};

/// Taking the body's row lock with the insert (a no-op update on conflict) keeps a dequeue
/// of its last old row from deleting it under the new rows (see `DROP_BODY`).
const PUT_BODY: &str = "INSERT INTO outbound_bodies (body_key, body, size, mailbox_id) \
     VALUES ($1, $2, $3, $4) ON CONFLICT (body_key) DO UPDATE SET size = outbound_bodies.size";
/// Whether the body was queued already (and charged then), under the lock `PUT_BODY` took.
const BODY_USED: &str = "SELECT COUNT(*) AS n FROM outbound_queue WHERE body_key = $1";
const INSERT: &str = "INSERT INTO outbound_queue \
     (sender, recipient, body_key, size, created_at, next_attempt) VALUES ($1, $2, $3, $4, $5, $6)";
const DUE: &str = "SELECT id, sender, recipient, size, attempts, created_at, next_attempt, \
     last_error FROM outbound_queue WHERE next_attempt <= $1 ORDER BY next_attempt, id LIMIT $2";
const ALL: &str = "SELECT id, sender, recipient, size, attempts, created_at, next_attempt, \
     last_error FROM outbound_queue ORDER BY created_at, id";
const CLAIM: &str =
    "UPDATE outbound_queue SET next_attempt = $1 WHERE id = $2 AND next_attempt = $3";
const BODY: &str = "SELECT b.body FROM outbound_queue q \
     JOIN outbound_bodies b ON b.body_key = q.body_key WHERE q.id = $1";
const KEY: &str = "SELECT body_key FROM outbound_queue WHERE id = $1";
/// A no-op write that takes the body's row lock, so the check below sees every committed row.
const LOCK_BODY: &str = "UPDATE outbound_bodies SET size = size WHERE body_key = $1";
const DROP_BODY: &str = "DELETE FROM outbound_bodies WHERE body_key = $1 \
     AND NOT EXISTS (SELECT 1 FROM outbound_queue WHERE body_key = $1) \
     RETURNING mailbox_id, size";
const RETRY: &str = "UPDATE outbound_queue SET next_attempt = $1, last_error = $2, \
     attempts = attempts + 1 WHERE id = $3";
const DELETE: &str = "DELETE FROM outbound_queue WHERE id = $1";
/// Windows that are over go first (every sender's), so the count below starts again at one.
const BOUNCES_OVER: &str = "DELETE FROM bounce_counts WHERE window_start < $1";
const BOUNCE: &str = "INSERT INTO bounce_counts (sender, bounces, window_start) VALUES ($1, 1, $2) \
     ON CONFLICT (sender) DO UPDATE SET bounces = bounce_counts.bounces + 1 RETURNING bounces";

#[async_trait::async_trait]
impl QueueStore for SqlStore {
    async fn enqueue(&self, message: &NewOutbound) -> StoreResult<()> {
        // One body per content and charge: the same text from two senders is charged to each.
        let key = match message.charge {
            Some(mailbox) => format!("{}:{}", mailbox.0, BlobId::of(&message.body).0),
            None => BlobId::of(&message.body).0,
        };
        let size = i64::try_from(message.body.len()).unwrap_or(i64::MAX);
        let mut tx = self.write_tx().await?;
        sqlx::query(PUT_BODY)
            .bind(key.as_str())
            .bind(message.body.as_slice())
            .bind(size)
            .bind(message.charge.map(|m| m.0))
            .execute(&mut *tx)
            .await
            .map_err(db_err)?;
        if let Some(mailbox) = message.charge {
            let used = sqlx::query(BODY_USED)
                .bind(key.as_str())
                .fetch_one(&mut *tx)
                .await
                .map_err(db_err)?;
            if rows::get::<i64>(&used, "n")? == 0 {
                usage::charge(&mut Conn::Borrowed(&mut tx), mailbox, size).await?;
            }
        }
        for recipient in &message.recipients {
            sqlx::query(INSERT)
                .bind(message.sender.as_str())
                .bind(recipient.as_str())
                .bind(key.as_str())
                .bind(size)
                .bind(to_micros(message.created_at))
                .bind(to_micros(message.created_at))
                .execute(&mut *tx)
                .await
                .map_err(db_err)?;
        }
        tx.commit().await.map_err(db_err)
    }

    async fn due(&self, now: DateTime<Utc>, limit: u32) -> StoreResult<Vec<QueuedMessage>> {
        let found = sqlx::query(DUE)
            .bind(to_micros(now))
            .bind(i64::from(limit))
            .fetch_all(&self.read)
            .await
            .map_err(db_err)?;
        found.iter().map(rows::queued).collect()
    }

    async fn claim(&self, seen: &QueuedMessage, lease_until: DateTime<Utc>) -> StoreResult<bool> {
        let done = sqlx::query(CLAIM)
            .bind(to_micros(lease_until))
            .bind(seen.id)
            .bind(to_micros(seen.next_attempt))
            .execute(&self.write)
            .await
            .map_err(db_err)?;
        Ok(done.rows_affected() == 1)
    }

    async fn queued_body(&self, id: i64) -> StoreResult<Option<Vec<u8>>> {
        let row = sqlx::query(BODY)
            .bind(id)
            .fetch_optional(&self.read)
            .await
            .map_err(db_err)?;
        row.as_ref().map(|r| rows::get(r, "body")).transpose()
    }

    async fn retry_later(&self, id: i64, next: DateTime<Utc>, error: &str) -> StoreResult<()> {
        sqlx::query(RETRY)
            .bind(to_micros(next))
            .bind(error)
            .bind(id)
            .execute(&self.write)
            .await
            .map_err(db_err)?;
        Ok(())
    }

    async fn dequeue(&self, id: i64) -> StoreResult<()> {
        let mut tx = self.write_tx().await?;
        let row = sqlx::query(KEY)
            .bind(id)
            .fetch_optional(&mut *tx)
            .await
            .map_err(db_err)?;
        let Some(row) = row else {
            return Ok(());
        };
        let key: String = rows::get(&row, "body_key")?;
        sqlx::query(DELETE)
            .bind(id)
            .execute(&mut *tx)
            .await
            .map_err(db_err)?;
        sqlx::query(LOCK_BODY)
            .bind(key.as_str())
            .execute(&mut *tx)
            .await
            .map_err(db_err)?;
        let dropped = sqlx::query(DROP_BODY)
            .bind(key.as_str())
            .fetch_optional(&mut *tx)
            .await
            .map_err(db_err)?;
        if let Some(body) = dropped
            && let Some(mailbox) = rows::get::<Option<i64>>(&body, "mailbox_id")?
        {
            let size: i64 = rows::get(&body, "size")?;
            usage::refund(&mut Conn::Borrowed(&mut tx), MailboxId(mailbox), size).await?;
        }
        tx.commit().await.map_err(db_err)
    }

    async fn queued(&self) -> StoreResult<Vec<QueuedMessage>> {
        let found = sqlx::query(ALL)
            .fetch_all(&self.read)
            .await
            .map_err(db_err)?;
        found.iter().map(rows::queued).collect()
    }

    async fn count_bounce(
        &self,
        sender: &str,
        at: DateTime<Utc>,
        window_from: DateTime<Utc>,
    ) -> StoreResult<u32> {
        let mut tx = self.write_tx().await?;
        sqlx::query(BOUNCES_OVER)
            .bind(to_micros(window_from))
            .execute(&mut *tx)
            .await
            .map_err(db_err)?;
        let row = sqlx::query(BOUNCE)
            .bind(sender)
            .bind(to_micros(at))
            .fetch_one(&mut *tx)
            .await
            .map_err(db_err)?;
        let count: i64 = rows::get(&row, "bounces")?;
        tx.commit().await.map_err(db_err)?;
        Ok(u32::try_from(count.max(0)).unwrap_or(u32::MAX))
    }
}
