//! Mod-sequences, the expunge log and \Recent: each change takes the folder's next
//! mod-sequence inside its own transaction (under the folder's lock), so what changed after a
//! point is a range read on `(folder_id, modseq)` of the messages and of the expunge log.

use crate::error::db_err;
use crate::folders;
use crate::rows;
use crate::sql_store::SqlStore;
use sqlx::AnyConnection;
use trekmail_core::mail::{Flags, FolderChanges, FolderId, MessageState, RecentClaim};
use trekmail_core::store::{StoreError, StoreResult};

/// Takes the folder's next mod-sequence (and its lock).
const NEXT_MODSEQ: &str = "UPDATE folders SET highest_modseq = highest_modseq + 1 \
     WHERE id = $1 RETURNING highest_modseq";
const HIGHEST: &str = "SELECT highest_modseq, recent_uid, uid_next FROM folders WHERE id = $1";
const CHANGED: &str = "SELECT uid, flags, modseq FROM messages \
     WHERE folder_id = $1 AND modseq > $2 AND modseq <= $3 ORDER BY uid";
const EXPUNGED: &str = "SELECT uid FROM expunged \
     WHERE folder_id = $1 AND modseq > $2 AND modseq <= $3 ORDER BY uid";
const LOG_EXPUNGE: &str = "INSERT INTO expunged (folder_id, uid, modseq) VALUES ($1, $2, $3)";
const FORGET_FOLDER: &str = "DELETE FROM expunged WHERE folder_id = $1";
const FORGET_MAILBOX: &str =
    "DELETE FROM expunged WHERE folder_id IN (SELECT id FROM folders WHERE mailbox_id = $1)";
const RECENT: &str = "SELECT recent_uid, uid_next FROM folders WHERE id = $1";
const CLAIM: &str = "UPDATE folders SET recent_uid = uid_next WHERE id = $1";

/// The folder's next mod-sequence; `NotFound` without the folder.
pub(crate) async fn next_modseq(conn: &mut AnyConnection, folder: FolderId) -> StoreResult<u64> {
    let row = sqlx::query(NEXT_MODSEQ)
        .bind(folder.0)
        .fetch_optional(conn)
        .await
        .map_err(db_err)?
        .ok_or(StoreError::NotFound)?;
    rows::u64_column(&row, "highest_modseq")
}

/// Records UIDs expunged at `modseq`, for sessions and QRESYNC clients that still know them.
pub(crate) async fn log_expunged(
    conn: &mut AnyConnection,
    folder: FolderId,
    uids: &[u32],
    modseq: u64,
) -> StoreResult<()> {
    for uid in uids {
        sqlx::query(LOG_EXPUNGE)
            .bind(folder.0)
            .bind(i64::from(*uid))
            .bind(rows::i64_of(modseq)?)
            .execute(&mut *conn)
            .await
            .map_err(db_err)?;
    }
    Ok(())
}

/// Forgets a folder's expunge log, before the folder itself goes.
pub(crate) async fn forget_folder(conn: &mut AnyConnection, folder: FolderId) -> StoreResult<()> {
    sqlx::query(FORGET_FOLDER)
        .bind(folder.0)
        .execute(conn)
        .await
        .map_err(db_err)?;
    Ok(())
}

/// Forgets the expunge logs of every folder of a mailbox, before the folders go.
pub(crate) async fn forget_mailbox(conn: &mut AnyConnection, mailbox: i64) -> StoreResult<()> {
    sqlx::query(FORGET_MAILBOX)
        .bind(mailbox)
        .execute(conn)
        .await
        .map_err(db_err)?;
    Ok(())
}

/// What changed after `since`, up to the highest mod-sequence read first: a change that lands
/// meanwhile is left for the next read whole, never seen in half.
pub(crate) async fn since(
    store: &SqlStore,
    folder: FolderId,
    since: u64,
) -> StoreResult<FolderChanges> {
    let mut conn = store.read.acquire().await.map_err(db_err)?;
    let row = sqlx::query(HIGHEST)
        .bind(folder.0)
        .fetch_optional(&mut *conn)
        .await
        .map_err(db_err)?
        .ok_or(StoreError::NotFound)?;
    let highest = rows::u64_column(&row, "highest_modseq")?;
    let unclaimed_recent =
        rows::u32_column(&row, "recent_uid")? < rows::u32_column(&row, "uid_next")?;
    if highest <= since {
        return Ok(FolderChanges {
            highest_modseq: highest,
            unclaimed_recent,
            ..FolderChanges::default()
        });
    }
    let range = (folder, rows::i64_of(since)?, rows::i64_of(highest)?);
    let changed = in_range(&mut conn, CHANGED, range).await?;
    let expunged = in_range(&mut conn, EXPUNGED, range).await?;
    Ok(FolderChanges {
        highest_modseq: highest,
        changed: changed.iter().map(state).collect::<StoreResult<_>>()?,
        expunged: expunged
            .iter()
            .map(|r| rows::u32_column(r, "uid"))
            .collect::<StoreResult<_>>()?,
        unclaimed_recent,
    })
}

/// The rows of `sql` whose mod-sequence is in `(from, to]` for the folder.
async fn in_range(
    conn: &mut AnyConnection,
    sql: &'static str,
    (folder, from, to): (FolderId, i64, i64),
) -> StoreResult<Vec<sqlx::any::AnyRow>> {
    sqlx::query(sql)
        .bind(folder.0)
        .bind(from)
        .bind(to)
        .fetch_all(conn)
        .await
        .map_err(db_err)
}

pub(crate) fn state(row: &sqlx::any::AnyRow) -> StoreResult<MessageState> {
    Ok(MessageState {
        uid: rows::u32_column(row, "uid")?,
        flags: Flags::from_stored(&rows::get::<String>(row, "flags")?),
        modseq: rows::u64_column(row, "modseq")?,
    })
}

/// Hands the caller the UIDs no session has claimed yet, up to the folder's next UID.
pub(crate) async fn claim_recent(store: &SqlStore, folder: FolderId) -> StoreResult<RecentClaim> {
    let mut tx = store.write_tx().await?;
    folders::lock(&mut tx, folder).await?;
    let row = sqlx::query(RECENT)
        .bind(folder.0)
        .fetch_one(&mut *tx)
        .await
        .map_err(db_err)?;
    let claim = RecentClaim {
        first: rows::u32_column(&row, "recent_uid")?,
        next: rows::u32_column(&row, "uid_next")?,
    };
    if claim.first < claim.next {
        sqlx::query(CLAIM)
            .bind(folder.0)
            .execute(&mut *tx)
            .await
            .map_err(db_err)?;
    }
    tx.commit().await.map_err(db_err)?;
    Ok(claim)
}
