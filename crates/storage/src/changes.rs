//! Mod-sequences, the expunge log and \Recent: each change takes the folder's next
//! mod-sequence inside its own transaction (under the folder's lock), so what changed after a
//! point is a range read on `(folder_id, modseq)` of the messages and of the expunge log.

use crate::conn::{Conn, Flush, transaction};
use crate::error::db_err;
use crate::folders;
use crate::rows::{self, Columns};
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
pub(crate) async fn next_modseq(conn: &mut Conn<'_>, folder: FolderId) -> StoreResult<u64> {
    conn.first(NEXT_MODSEQ, &[folder.0.into()], |row| {
        rows::u64_column(row, "highest_modseq")
    })
    .await?
    .ok_or(StoreError::NotFound)
}

/// Records UIDs expunged at `modseq`, for sessions and QRESYNC clients that still know them.
pub(crate) async fn log_expunged(
    conn: &mut Conn<'_>,
    folder: FolderId,
    uids: &[u32],
    modseq: u64,
) -> StoreResult<()> {
    let modseq = rows::i64_of(modseq)?;
    for uid in uids {
        let args = [folder.0.into(), i64::from(*uid).into(), modseq.into()];
        conn.execute(LOG_EXPUNGE, &args).await?;
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
    let mut reads = store.reads().await?;
    let (highest, unclaimed_recent) = reads
        .rows(HIGHEST, &[folder.0.into()], |row| {
            let highest = rows::u64_column(row, "highest_modseq")?;
            let unclaimed =
                rows::u32_column(row, "recent_uid")? < rows::u32_column(row, "uid_next")?;
            Ok((highest, unclaimed))
        })
        .await?
        .pop()
        .ok_or(StoreError::NotFound)?;
    if highest <= since {
        return Ok(FolderChanges {
            highest_modseq: highest,
            unclaimed_recent,
            ..FolderChanges::default()
        });
    }
    let range = [
        folder.0.into(),
        rows::i64_of(since)?.into(),
        rows::i64_of(highest)?.into(),
    ];
    Ok(FolderChanges {
        highest_modseq: highest,
        changed: reads.rows(CHANGED, &range, |row| state(row)).await?,
        expunged: reads
            .rows(EXPUNGED, &range, |row| rows::u32_column(row, "uid"))
            .await?,
        unclaimed_recent,
    })
}

/// The UIDs no session has claimed as \Recent yet.
async fn recent(conn: &mut Conn<'_>, folder: FolderId) -> StoreResult<RecentClaim> {
    conn.first(RECENT, &[folder.0.into()], |row| {
        Ok(RecentClaim {
            first: rows::u32_column(row, "recent_uid")?,
            next: rows::u32_column(row, "uid_next")?,
        })
    })
    .await?
    .ok_or(StoreError::NotFound)
}

pub(crate) fn state(row: &(impl Columns + ?Sized)) -> StoreResult<MessageState> {
    Ok(MessageState {
        uid: rows::u32_column(row, "uid")?,
        flags: Flags::from_stored(&row.text("flags")?),
        modseq: rows::u64_column(row, "modseq")?,
    })
}

/// Hands the caller the UIDs no session has claimed yet, up to the folder's next UID.
/// Most claims find nothing new (another session claimed first): a plain read answers those
/// without taking the write lock.
pub(crate) async fn claim_recent(store: &SqlStore, folder: FolderId) -> StoreResult<RecentClaim> {
    let unclaimed = recent(&mut store.reads().await?, folder).await?;
    if unclaimed.first >= unclaimed.next {
        return Ok(unclaimed);
    }
    transaction!(store, 1, Flush::Later, |conn| claim_recent_in(conn, folder))
}

async fn claim_recent_in(conn: &mut Conn<'_>, folder: FolderId) -> StoreResult<RecentClaim> {
    folders::lock(conn, folder).await?;
    let claim = recent(conn, folder).await?;
    if claim.first < claim.next {
        conn.execute(CLAIM, &[folder.0.into()]).await?;
    }
    Ok(claim)
}
