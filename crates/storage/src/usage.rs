//! A mailbox's usage (`mailboxes.used_bytes`), changed only inside the transaction that adds or
//! removes its messages, and the mailbox row lock that orders those transactions.
//!
//! Lock order, so PostgreSQL transactions never wait on each other in a circle: account, then
//! mailbox, then folders by id, then the UIDVALIDITY counter, then message rows.

use crate::error::db_err;
use crate::mailboxes::size;
use crate::rows;
use sqlx::AnyConnection;
use trekmail_core::ids::MailboxId;
use trekmail_core::store::{StoreError, StoreResult};

/// A no-op write that takes the mailbox row's lock. Zero rows: no such mailbox.
const LOCK: &str = "UPDATE mailboxes SET used_bytes = used_bytes WHERE id = $1";
/// The quota check and the count in one statement, so two appends cannot both fit.
const CHARGE: &str = "UPDATE mailboxes SET used_bytes = used_bytes + $2 \
     WHERE id = $1 AND used_bytes + $2 <= quota_bytes";
const REFUND: &str = "UPDATE mailboxes SET used_bytes = used_bytes - $2 WHERE id = $1";
const USAGE: &str = "SELECT used_bytes, quota_bytes FROM mailboxes WHERE id = $1";

/// Locks the mailbox for the rest of the transaction; `NotFound` if it does not exist.
pub(crate) async fn lock(conn: &mut AnyConnection, mailbox: MailboxId) -> StoreResult<()> {
    let done = sqlx::query(LOCK)
        .bind(mailbox.0)
        .execute(conn)
        .await
        .map_err(db_err)?;
    if done.rows_affected() == 0 {
        return Err(StoreError::NotFound);
    }
    Ok(())
}

/// Counts `bytes` more against the mailbox's quota (and locks it); `LimitReached` if they do
/// not fit, and the caller's transaction must then be dropped.
pub(crate) async fn charge(
    conn: &mut AnyConnection,
    mailbox: MailboxId,
    bytes: i64,
) -> StoreResult<()> {
    let done = sqlx::query(CHARGE)
        .bind(mailbox.0)
        .bind(bytes)
        .execute(&mut *conn)
        .await
        .map_err(db_err)?;
    if done.rows_affected() > 0 {
        return Ok(());
    }
    let row = sqlx::query(USAGE)
        .bind(mailbox.0)
        .fetch_optional(conn)
        .await
        .map_err(db_err)?
        .ok_or(StoreError::NotFound)?;
    let used: i64 = rows::get(&row, "used_bytes")?;
    let quota: i64 = rows::get(&row, "quota_bytes")?;
    Err(StoreError::LimitReached(format!(
        "this mailbox is full: it holds {} of its {} and {} more does not fit",
        size(used),
        size(quota),
        size(bytes)
    )))
}

/// Counts `bytes` less; the caller holds the mailbox's lock.
pub(crate) async fn refund(
    conn: &mut AnyConnection,
    mailbox: MailboxId,
    bytes: i64,
) -> StoreResult<()> {
    if bytes == 0 {
        return Ok(());
    }
    sqlx::query(REFUND)
        .bind(mailbox.0)
        .bind(bytes)
        .execute(conn)
        .await
        .map_err(db_err)?;
    Ok(())
}

/// The mailbox's `used_bytes`; `NotFound` if it does not exist.
pub(crate) async fn used(conn: &mut AnyConnection, mailbox: MailboxId) -> StoreResult<i64> {
    let row = sqlx::query(USAGE)
        .bind(mailbox.0)
        .fetch_optional(conn)
        .await
        .map_err(db_err)?
        .ok_or(StoreError::NotFound)?;
    rows::get(&row, "used_bytes")
}

/// The sum of message sizes, refusing an overflow rather than wrapping.
pub(crate) fn total(sizes: impl IntoIterator<Item = i64>) -> StoreResult<i64> {
    sizes
        .into_iter()
        .try_fold(0i64, i64::checked_add)
        .ok_or_else(|| StoreError::LimitReached("these messages are too large together".into()))
}
