//! A folder's STATUS counts as SQL aggregates, and its message and unread totals from
//! indexes: one row back, however many messages it holds.

use crate::error::db_err;
use crate::rows::get;
use crate::sql_store::SqlStore;
use trekmail_core::mail::{FolderCounts, FolderId, MessageTotals};
use trekmail_core::store::{StoreError, StoreResult};

/// Flags are stored space-separated, so a flag is a whole word of `' ' || flags || ' '`.
/// `!` is the LIKE escape on both databases, since PostgreSQL would take the backslash of
/// `\Seen` for one.
const COUNTS: &str = "SELECT CAST(COUNT(m.uid) AS BIGINT) AS messages, \
     CAST(COALESCE(SUM(CASE WHEN (' ' || LOWER(m.flags) || ' ') LIKE $2 ESCAPE '!' \
         THEN 1 ELSE 0 END), 0) AS BIGINT) AS seen, \
     CAST(COALESCE(SUM(CASE WHEN (' ' || LOWER(m.flags) || ' ') LIKE $3 ESCAPE '!' \
         THEN 1 ELSE 0 END), 0) AS BIGINT) AS deleted, \
     CAST(COALESCE(SUM(CASE WHEN (' ' || LOWER(m.flags) || ' ') LIKE $4 ESCAPE '!' \
         THEN m.size ELSE 0 END), 0) AS BIGINT) AS deleted_bytes, \
     CAST(COALESCE(SUM(m.size), 0) AS BIGINT) AS bytes, \
     CAST(COALESCE(SUM(CASE WHEN m.uid >= f.recent_uid THEN 1 ELSE 0 END), 0) AS BIGINT) \
         AS recent \
     FROM folders f LEFT JOIN messages m ON m.folder_id = f.id \
     WHERE f.id = $1 GROUP BY f.id";

/// Two counts from indexes: the primary key's entries of the folder, and those of the partial
/// index of unread messages (migration 0018), whose predicate this is word for word.
const TOTALS: &str = "SELECT \
     CAST((SELECT COUNT(*) FROM messages m WHERE m.folder_id = f.id) AS BIGINT) AS messages, \
     CAST((SELECT COUNT(*) FROM messages m WHERE m.folder_id = f.id \
         AND (' ' || LOWER(m.flags) || ' ') NOT LIKE '% \\seen %' ESCAPE '!') AS BIGINT) \
         AS unseen \
     FROM folders f WHERE f.id = $1";

const SEEN: &str = "% \\seen %";
const DELETED: &str = "% \\deleted %";

/// `NotFound` if there is no such folder.
pub(crate) async fn count(store: &SqlStore, folder: FolderId) -> StoreResult<FolderCounts> {
    let row = sqlx::query(COUNTS)
        .bind(folder.0)
        .bind(SEEN)
        .bind(DELETED)
        .bind(DELETED)
        .fetch_optional(&store.read)
        .await
        .map_err(db_err)?
        .ok_or(StoreError::NotFound)?;
    let messages = count_column(&row, "messages")?;
    let seen = count_column(&row, "seen")?;
    Ok(FolderCounts {
        messages,
        unseen: messages.saturating_sub(seen),
        deleted: count_column(&row, "deleted")?,
        deleted_bytes: bytes_column(&row, "deleted_bytes")?,
        bytes: bytes_column(&row, "bytes")?,
        recent: count_column(&row, "recent")?,
    })
}

/// `NotFound` if there is no such folder.
pub(crate) async fn totals(store: &SqlStore, folder: FolderId) -> StoreResult<MessageTotals> {
    let row = sqlx::query(TOTALS)
        .bind(folder.0)
        .fetch_optional(&store.read)
        .await
        .map_err(db_err)?
        .ok_or(StoreError::NotFound)?;
    Ok(MessageTotals {
        messages: count_column(&row, "messages")?,
        unseen: count_column(&row, "unseen")?,
    })
}

fn count_column(row: &sqlx::any::AnyRow, column: &str) -> StoreResult<u32> {
    let n: i64 = get(row, column)?;
    Ok(u32::try_from(n).unwrap_or(u32::MAX))
}

fn bytes_column(row: &sqlx::any::AnyRow, column: &str) -> StoreResult<u64> {
    let n: i64 = get(row, column)?;
    Ok(u64::try_from(n).unwrap_or(0))
}
