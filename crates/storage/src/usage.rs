//! A mailbox's usage (`mailboxes.used_bytes`), changed only inside the transaction that adds or
//! removes its messages, and the mailbox row lock that orders those transactions.
//!
//! Lock order, so PostgreSQL transactions never wait on each other in a circle: account, then
//! mailbox, then folders by id, then the UIDVALIDITY counter, then message rows.

use crate::conn::Conn;
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
pub(crate) async fn lock(conn: &mut Conn<'_>, mailbox: MailboxId) -> StoreResult<()> {
    if conn.execute(LOCK, &[mailbox.0.into()]).await? == 0 {
        return Err(StoreError::NotFound);
    }
    Ok(())
}

/// Counts `bytes` more against the mailbox's quota (and locks it); `LimitReached` if they do
/// not fit, and the caller's transaction must then be dropped.
pub(crate) async fn charge(conn: &mut Conn<'_>, mailbox: MailboxId, bytes: i64) -> StoreResult<()> {
    if conn
        .execute(CHARGE, &[mailbox.0.into(), bytes.into()])
        .await?
        > 0
    {
        return Ok(());
    }
    let (used, quota) = conn
        .first(USAGE, &[mailbox.0.into()], |row| {
            Ok((row.int("used_bytes")?, row.int("quota_bytes")?))
        })
        .await?
        .ok_or(StoreError::NotFound)?;
    Err(StoreError::LimitReached(format!(
        "this mailbox is full: it holds {} of its {} and {} more does not fit",
        size(used),
        size(quota),
        size(bytes)
    )))
}

/// Counts `bytes` less; the caller holds the mailbox's lock.
pub(crate) async fn refund(conn: &mut Conn<'_>, mailbox: MailboxId, bytes: i64) -> StoreResult<()> {
    if bytes == 0 {
        return Ok(());
    }
    conn.execute(REFUND, &[mailbox.0.into(), bytes.into()])
        .await?;
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
