//! Messages in folders: appended with the folder's next UID and counted against the quota in
//! the same transaction; flags; and finding the bodies no message refers to any more.

use crate::conn::{Conn, Flush, transaction};
use crate::error::db_err;
use crate::rows;
use crate::sql_store::SqlStore;
use crate::{changes, folders, header_summaries, usage};
use sqlx::AnyConnection;
use sqlx::any::AnyRow;
use std::collections::BTreeSet;
use trekmail_core::clock::to_micros;
use trekmail_core::ids::MailboxId;
use trekmail_core::mail::{
    BlobId, FlagChange, Flags, FlagsStored, FolderId, MessageMeta, MessageState, NewMessage,
    uid_runs,
};
use trekmail_core::store::{StoreError, StoreResult};

const INSERT: &str = "INSERT INTO messages \
     (folder_id, uid, flags, internal_date, size, blob_id, modseq) \
     VALUES ($1, $2, $3, $4, $5, $6, $7)";
const OF_FOLDER: &str = "SELECT folder_id, uid, flags, internal_date, size, blob_id, modseq \
     FROM messages WHERE folder_id = $1 ORDER BY uid";
const IN_RANGE: &str = "SELECT folder_id, uid, flags, internal_date, size, blob_id, modseq \
     FROM messages WHERE folder_id = $1 AND uid >= $2 AND uid <= $3 ORDER BY uid";
/// A superset of the messages flagged `\Deleted`, in SQL both databases read alike; the
/// exact, case-insensitive test is [`Flags::contains`].
const MAYBE_DELETED: &str = "SELECT folder_id, uid, flags, internal_date, size, blob_id, modseq \
     FROM messages WHERE folder_id = $1 AND LOWER(flags) LIKE '%deleted%' ORDER BY uid";
const SET_FLAGS: &str =
    "UPDATE messages SET flags = $3, modseq = $4 WHERE folder_id = $1 AND uid = $2";
const STATES: &str = "SELECT uid, flags, modseq FROM messages WHERE folder_id = $1 ORDER BY uid";
const DELETE_ONE: &str = "DELETE FROM messages WHERE folder_id = $1 AND uid = $2";
const FOLDER_CONTENT: &str = "SELECT CAST(COALESCE(SUM(size), 0) AS BIGINT) AS bytes \
     FROM messages WHERE folder_id = $1";
const FOLDER_BLOBS: &str = "SELECT DISTINCT blob_id FROM messages WHERE folder_id = $1";
const DELETE_OF_FOLDER: &str = "DELETE FROM messages WHERE folder_id = $1";
const MAILBOX_BLOBS: &str = "SELECT DISTINCT m.blob_id FROM messages m \
     JOIN folders f ON f.id = m.folder_id WHERE f.mailbox_id = $1";
const DELETE_OF_MAILBOX: &str =
    "DELETE FROM messages WHERE folder_id IN (SELECT id FROM folders WHERE mailbox_id = $1)";
const REFERENCED: &str = "SELECT 1 AS one FROM messages WHERE blob_id = $1 LIMIT 1";
const FOLDER_EXISTS: &str = "SELECT 1 AS one FROM folders WHERE id = $1";

/// More runs of UIDs than this are read as one span.
const MAX_RUN_QUERIES: usize = 8;

/// A span at most this many times the UIDs asked for is read whole: a query less costs more
/// than the rows between the runs (and the read stays in proportion to the answer).
const SPAN_PER_UID: u64 = 4;

/// The `\Deleted` system flag, which EXPUNGE looks for.
const DELETED: &str = "\\Deleted";

/// Appends `messages` in one transaction: the quota charged their sum, the folder's next UIDs
/// in order, one new mod-sequence for all.
pub(crate) async fn append_all(
    store: &SqlStore,
    folder: FolderId,
    messages: &[NewMessage],
) -> StoreResult<Vec<MessageMeta>> {
    if let Some(message) = messages.iter().find(|m| m.size < 0) {
        return Err(StoreError::Backend(format!(
            "a message cannot have {} bytes",
            message.size
        )));
    }
    if messages.is_empty() {
        return Ok(Vec::new());
    }
    transaction!(store, messages.len(), Flush::Now, |conn| append_in(
        conn, folder, messages
    ))
}

async fn append_in(
    conn: &mut Conn<'_>,
    folder: FolderId,
    messages: &[NewMessage],
) -> StoreResult<Vec<MessageMeta>> {
    let count = u32::try_from(messages.len())
        .map_err(|_| StoreError::LimitReached("too many messages at once".into()))?;
    let mailbox = folders::mailbox_of(conn, folder).await?;
    usage::charge(
        conn,
        mailbox,
        usage::total(messages.iter().map(|m| m.size))?,
    )
    .await?;
    let first_uid = folders::reserve_uids(conn, folder, count).await?;
    let modseq = changes::next_modseq(conn, folder).await?;
    let mut metas = Vec::with_capacity(messages.len());
    for (message, uid) in messages.iter().zip(first_uid..) {
        let meta = MessageMeta {
            folder_id: folder,
            uid,
            flags: message.flags.clone(),
            internal_date: message.internal_date,
            size: message.size,
            blob: message.blob.clone(),
            modseq,
        };
        insert(conn, &meta).await?;
        header_summaries::insert(conn, folder, uid, &message.summary).await?;
        metas.push(meta);
    }
    Ok(metas)
}

/// Inserts `meta` as is, in `meta.folder_id` under `meta.uid`. `NotFound` on PostgreSQL when
/// its body is not in `blobs` (another node deleted it meanwhile).
pub(crate) async fn insert(conn: &mut Conn<'_>, meta: &MessageMeta) -> StoreResult<()> {
    let flags = meta.flags.to_stored();
    let args = [
        meta.folder_id.0.into(),
        i64::from(meta.uid).into(),
        flags.as_str().into(),
        to_micros(meta.internal_date).into(),
        meta.size.into(),
        meta.blob.0.as_str().into(),
        rows::i64_of(meta.modseq)?.into(),
    ];
    conn.insert(INSERT, &args, || {
        format!("message {} exists already", meta.uid)
    })
    .await
}

/// The folder's messages; `NotFound` if there is no such folder.
pub(crate) async fn list(store: &SqlStore, folder: FolderId) -> StoreResult<Vec<MessageMeta>> {
    let rows = sqlx::query(OF_FOLDER)
        .bind(folder.0)
        .fetch_all(&store.read)
        .await
        .map_err(db_err)?;
    if rows.is_empty() {
        let exists = sqlx::query(FOLDER_EXISTS)
            .bind(folder.0)
            .fetch_optional(&store.read)
            .await
            .map_err(db_err)?;
        if exists.is_none() {
            return Err(StoreError::NotFound);
        }
    }
    rows.iter().map(rows::message).collect()
}

/// Under the folder's lock, so two changes to one message's flags are not interleaved. The
/// messages that change share one new mod-sequence; the folder's moves only if one did.
pub(crate) async fn store_flags(
    store: &SqlStore,
    folder: FolderId,
    uids: &[u32],
    change: FlagChange,
    flags: &Flags,
    unchanged_since: Option<u64>,
) -> StoreResult<FlagsStored> {
    transaction!(store, uids.len(), Flush::Later, |conn| {
        store_flags_in(conn, folder, uids, change, flags, unchanged_since)
    })
}

async fn store_flags_in(
    conn: &mut Conn<'_>,
    folder: FolderId,
    uids: &[u32],
    change: FlagChange,
    flags: &Flags,
    unchanged_since: Option<u64>,
) -> StoreResult<FlagsStored> {
    folders::lock(conn, folder).await?;
    let mut stored = FlagsStored {
        messages: with_uids(conn, folder, uids).await?,
        modified: Vec::new(),
    };
    let mut modseq = None;
    for meta in &mut stored.messages {
        if unchanged_since.is_some_and(|since| meta.modseq > since) {
            stored.modified.push(meta.uid);
            continue;
        }
        let before = meta.flags.clone();
        meta.flags.apply(change, flags);
        if meta.flags == before {
            continue;
        }
        let next = match modseq {
            Some(next) => next,
            None => *modseq.insert(changes::next_modseq(conn, folder).await?),
        };
        meta.modseq = next;
        let flags = meta.flags.to_stored();
        let args = [
            folder.0.into(),
            i64::from(meta.uid).into(),
            flags.as_str().into(),
            rows::i64_of(next)?.into(),
        ];
        conn.execute(SET_FLAGS, &args).await?;
    }
    Ok(stored)
}

/// Every message's UID, flags and mod-sequence; `NotFound` if there is no such folder.
pub(crate) async fn states(store: &SqlStore, folder: FolderId) -> StoreResult<Vec<MessageState>> {
    let mut conn = store.read.acquire().await.map_err(db_err)?;
    // Read inside one statement's snapshot after the folder is known to exist.
    folder_exists(&mut conn, folder).await?;
    let rows = sqlx::query(STATES)
        .bind(folder.0)
        .fetch_all(&mut *conn)
        .await
        .map_err(db_err)?;
    rows.iter().map(changes::state).collect()
}

/// The messages with these UIDs, in UID order.
pub(crate) async fn of_uids(
    store: &SqlStore,
    folder: FolderId,
    uids: &[u32],
) -> StoreResult<Vec<MessageMeta>> {
    with_uids(&mut store.reads().await?, folder, uids).await
}

async fn folder_exists(conn: &mut AnyConnection, folder: FolderId) -> StoreResult<()> {
    sqlx::query(FOLDER_EXISTS)
        .bind(folder.0)
        .fetch_optional(conn)
        .await
        .map_err(db_err)?
        .map(drop)
        .ok_or(StoreError::NotFound)
}

/// Removes the messages flagged `\Deleted` (among `uids` if given) under the mailbox's and
/// the folder's locks, giving their bytes back.
pub(crate) async fn expunge(
    store: &SqlStore,
    folder: FolderId,
    uids: Option<&[u32]>,
) -> StoreResult<(Vec<u32>, Vec<BlobId>)> {
    // Without UIDs, the whole folder is looked through: in place it may be cut short.
    let rows = uids.map_or(1, <[u32]>::len);
    transaction!(store, rows, Flush::Now, |conn| expunge_in(
        conn, folder, uids
    ))
}

async fn expunge_in(
    conn: &mut Conn<'_>,
    folder: FolderId,
    uids: Option<&[u32]>,
) -> StoreResult<(Vec<u32>, Vec<BlobId>)> {
    let mailbox = folders::lock_with_mailbox(conn, folder).await?;
    let candidates = match uids {
        Some(uids) => with_uids(conn, folder, uids).await?,
        None => {
            conn.rows(MAYBE_DELETED, &[folder.0.into()], |row| rows::message(row))
                .await?
        }
    };
    let doomed: Vec<MessageMeta> = candidates
        .into_iter()
        .filter(|m| m.flags.contains(DELETED))
        .collect();
    for meta in &doomed {
        delete_one(conn, meta).await?;
    }
    let uids: Vec<u32> = doomed.iter().map(|m| m.uid).collect();
    if !uids.is_empty() {
        let modseq = changes::next_modseq(conn, folder).await?;
        changes::log_expunged(conn, folder, &uids, modseq).await?;
    }
    usage::refund(conn, mailbox, usage::total(doomed.iter().map(|m| m.size))?).await?;
    let orphans = unreferenced(conn, doomed.into_iter().map(|m| m.blob)).await?;
    Ok((uids, orphans))
}

pub(crate) async fn delete_one(conn: &mut Conn<'_>, meta: &MessageMeta) -> StoreResult<()> {
    let args = [meta.folder_id.0.into(), i64::from(meta.uid).into()];
    conn.execute(DELETE_ONE, &args).await?;
    Ok(())
}

/// The messages of `folder` with these UIDs, in UID order; absent UIDs are skipped. One query
/// per run of consecutive UIDs, as IMAP sets usually are; UIDs in many short runs (a folder
/// with gaps, a SEARCH over it) are read in one query over their span and picked out, rather
/// than one query per run.
pub(crate) async fn with_uids(
    conn: &mut Conn<'_>,
    folder: FolderId,
    uids: &[u32],
) -> StoreResult<Vec<MessageMeta>> {
    let wanted: BTreeSet<u32> = uids.iter().copied().collect();
    let mut found = Vec::new();
    for (first, last) in spans(uids) {
        let args = [
            folder.0.into(),
            i64::from(first).into(),
            i64::from(last).into(),
        ];
        let rows = conn.rows(IN_RANGE, &args, |row| rows::message(row)).await?;
        found.extend(rows.into_iter().filter(|m| wanted.contains(&m.uid)));
    }
    Ok(found)
}

/// A query of these stores, before or after its arguments are bound.
pub(crate) type AnyQuery = sqlx::query::Query<'static, sqlx::Any, sqlx::any::AnyArguments>;

/// The rows `sql` gives for these UIDs: a query per run of consecutive UIDs (one span over
/// them all past a few runs), with `$1` the folder, `$2`..`$3` a run and any further
/// arguments from `bind`, keeping the rows whose `uid` was asked for.
pub(crate) async fn rows_with_uids(
    conn: &mut AnyConnection,
    sql: &'static str,
    folder: FolderId,
    uids: &[u32],
    bind: impl Fn(AnyQuery) -> AnyQuery,
) -> StoreResult<Vec<AnyRow>> {
    let wanted: BTreeSet<u32> = uids.iter().copied().collect();
    let mut found = Vec::new();
    for (first, last) in spans(uids) {
        let query = sqlx::query(sql)
            .bind(folder.0)
            .bind(i64::from(first))
            .bind(i64::from(last));
        let rows = bind(query).fetch_all(&mut *conn).await.map_err(db_err)?;
        for row in rows {
            if wanted.contains(&rows::u32_column(&row, "uid")?) {
                found.push(row);
            }
        }
    }
    Ok(found)
}

/// The UID ranges a read of `uids` asks for: a query per run of consecutive UIDs, or one
/// span over them all past a few runs or when they lie close together.
pub(crate) fn spans(uids: &[u32]) -> Vec<(u32, u32)> {
    let sorted: BTreeSet<u32> = uids.iter().copied().collect();
    let runs = uid_runs(sorted);
    match (runs.first(), runs.last()) {
        (Some((first, _)), Some((_, last)))
            if runs.len() > MAX_RUN_QUERIES
                || u64::from(last - first) < SPAN_PER_UID * uids.len() as u64 =>
        {
            vec![(*first, *last)]
        }
        _ => runs,
    }
}

/// Deletes the folder's messages; returns their total size and their distinct blobs.
pub(crate) async fn delete_all(
    conn: &mut AnyConnection,
    folder: FolderId,
) -> StoreResult<(i64, Vec<BlobId>)> {
    let row = sqlx::query(FOLDER_CONTENT)
        .bind(folder.0)
        .fetch_one(&mut *conn)
        .await
        .map_err(db_err)?;
    let bytes: i64 = rows::get(&row, "bytes")?;
    let blobs = blob_ids(conn, FOLDER_BLOBS, folder.0).await?;
    sqlx::query(DELETE_OF_FOLDER)
        .bind(folder.0)
        .execute(conn)
        .await
        .map_err(db_err)?;
    Ok((bytes, blobs))
}

/// Deletes the messages of every folder of the mailbox; returns their distinct blobs.
pub(crate) async fn delete_of_mailbox(
    conn: &mut AnyConnection,
    mailbox: MailboxId,
) -> StoreResult<Vec<BlobId>> {
    let blobs = blob_ids(conn, MAILBOX_BLOBS, mailbox.0).await?;
    sqlx::query(DELETE_OF_MAILBOX)
        .bind(mailbox.0)
        .execute(conn)
        .await
        .map_err(db_err)?;
    Ok(blobs)
}

async fn blob_ids(
    conn: &mut AnyConnection,
    sql: &'static str,
    id: i64,
) -> StoreResult<Vec<BlobId>> {
    let rows = sqlx::query(sql)
        .bind(id)
        .fetch_all(conn)
        .await
        .map_err(db_err)?;
    rows.iter()
        .map(|row| rows::get(row, "blob_id").map(BlobId))
        .collect()
}

/// Of `candidates`, the distinct blobs no message row refers to, in id order. Inside a
/// writing transaction it sees that transaction's own deletions.
pub(crate) async fn unreferenced(
    conn: &mut Conn<'_>,
    candidates: impl IntoIterator<Item = BlobId>,
) -> StoreResult<Vec<BlobId>> {
    let candidates: BTreeSet<BlobId> = candidates.into_iter().collect();
    let mut orphans = Vec::new();
    for blob in candidates {
        let used = conn
            .first(REFERENCED, &[blob.0.as_str().into()], |_| Ok(()))
            .await?;
        if used.is_none() {
            orphans.push(blob);
        }
    }
    Ok(orphans)
}

/// Keeps the message's flags and internal date, as COPY and MOVE must.
/// `meta` as copied into `folder` under `uid`, changed at `modseq` there.
pub(crate) fn copied_to(
    meta: &MessageMeta,
    folder: FolderId,
    uid: u32,
    modseq: u64,
) -> MessageMeta {
    MessageMeta {
        folder_id: folder,
        uid,
        modseq,
        ..meta.clone()
    }
}

#[cfg(test)]
mod tests {
    use super::spans;

    #[test]
    fn runs_far_apart_are_read_each_and_close_ones_in_one_span() {
        assert_eq!(spans(&[]), vec![]);
        assert_eq!(spans(&[5, 1, 2, 3, 3, 9, 10]), vec![(1, 10)]);
        assert_eq!(
            spans(&[1, 2, 500, 9_000]),
            vec![(1, 2), (500, 500), (9_000, 9_000)]
        );
        let many: Vec<u32> = (0..20).map(|n| n * 1_000).collect();
        assert_eq!(spans(&many), vec![(0, 19_000)], "past a few runs, one span");
        assert_eq!(
            spans(&[u32::MAX, u32::MAX - 1]),
            vec![(u32::MAX - 1, u32::MAX)]
        );
    }
}
