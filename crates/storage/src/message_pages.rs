//! A page of a folder's messages by UID, for the webmail's list: one range read along the
//! (folder_id, uid) primary key with a LIMIT, whatever the folder holds.

use crate::error::db_err;
use crate::rows;
use crate::sql_store::SqlStore;
use trekmail_core::mail::{FolderId, MessageMeta};
use trekmail_core::store::{PageStart, StoreError, StoreResult};

const BELOW: &str = "SELECT folder_id, uid, flags, internal_date, size, blob_id, modseq \
     FROM messages WHERE folder_id = $1 AND uid < $2 ORDER BY uid DESC LIMIT $3";
const ABOVE: &str = "SELECT folder_id, uid, flags, internal_date, size, blob_id, modseq \
     FROM messages WHERE folder_id = $1 AND uid > $2 ORDER BY uid LIMIT $3";
const FOLDER_EXISTS: &str = "SELECT 1 AS one FROM folders WHERE id = $1";

/// Up to `limit` messages next to `start`, newest first; `NotFound` if there is no such
/// folder.
pub(crate) async fn page(
    store: &SqlStore,
    folder: FolderId,
    start: PageStart,
    limit: u32,
) -> StoreResult<Vec<MessageMeta>> {
    // No UID reaches 2^32, so "below 2^32" is the newest page.
    let (sql, uid) = match start {
        PageStart::Newest => (BELOW, i64::from(u32::MAX) + 1),
        PageStart::Before(uid) => (BELOW, i64::from(uid)),
        PageStart::After(uid) => (ABOVE, i64::from(uid)),
    };
    let mut conn = store.read.acquire().await.map_err(db_err)?;
    let rows = sqlx::query(sql)
        .bind(folder.0)
        .bind(uid)
        .bind(i64::from(limit))
        .fetch_all(&mut *conn)
        .await
        .map_err(db_err)?;
    if rows.is_empty() {
        sqlx::query(FOLDER_EXISTS)
            .bind(folder.0)
            .fetch_optional(&mut *conn)
            .await
            .map_err(db_err)?
            .ok_or(StoreError::NotFound)?;
    }
    let mut messages = rows
        .iter()
        .map(rows::message)
        .collect::<StoreResult<Vec<_>>>()?;
    if matches!(start, PageStart::After(_)) {
        messages.reverse();
    }
    Ok(messages)
}
