//! COPY and MOVE between two folders of one mailbox, each in one transaction.

use crate::conn::{Conn, Flush, transaction};
use crate::sql_store::SqlStore;
use crate::{changes, folders, header_summaries, messages, usage};
use trekmail_core::mail::FolderId;
use trekmail_core::store::{StoreError, StoreResult};

/// Copies (or moves, with `remove`) the messages with these UIDs from `from` to `to`, giving
/// them new UIDs there in source UID order; returns (source UID, new UID) pairs. A copy
/// counts against the quota; a move changes nothing the mailbox holds.
///
/// The source folder's lock keeps a concurrent EXPUNGE from judging a body unreferenced
/// while this transaction is adding a reference to it.
pub(crate) async fn transfer(
    store: &SqlStore,
    from: FolderId,
    uids: &[u32],
    to: FolderId,
    remove: bool,
) -> StoreResult<Vec<(u32, u32)>> {
    transaction!(store, uids.len(), Flush::Now, |conn| {
        transfer_in(conn, from, uids, to, remove)
    })
}

async fn transfer_in(
    conn: &mut Conn<'_>,
    from: FolderId,
    uids: &[u32],
    to: FolderId,
    remove: bool,
) -> StoreResult<Vec<(u32, u32)>> {
    let mailbox = folders::mailbox_of(conn, from).await?;
    if folders::mailbox_of(conn, to).await? != mailbox {
        // A folder of another mailbox is, to this one, no folder at all.
        return Err(StoreError::NotFound);
    }
    usage::lock(conn, mailbox).await?;
    let (first, second) = if from <= to { (from, to) } else { (to, from) };
    folders::lock(conn, first).await?;
    if second != first {
        folders::lock(conn, second).await?;
    }
    let sources = messages::with_uids(conn, from, uids).await?;
    if sources.is_empty() {
        return Ok(Vec::new());
    }
    if !remove {
        usage::charge(conn, mailbox, usage::total(sources.iter().map(|m| m.size))?).await?;
    }
    let count = u32::try_from(sources.len())
        .map_err(|_| StoreError::LimitReached("too many messages at once".into()))?;
    let first_uid = folders::reserve_uids(conn, to, count).await?;
    let added = changes::next_modseq(conn, to).await?;
    let mut pairs = Vec::with_capacity(sources.len());
    for (source, uid) in sources.iter().zip(first_uid..) {
        messages::insert(conn, &messages::copied_to(source, to, uid, added)).await?;
        header_summaries::copy(conn, (from, source.uid), (to, uid)).await?;
        if remove {
            messages::delete_one(conn, source).await?;
        }
        pairs.push((source.uid, uid));
    }
    if remove {
        let moved: Vec<u32> = sources.iter().map(|m| m.uid).collect();
        let gone = changes::next_modseq(conn, from).await?;
        changes::log_expunged(conn, from, &moved, gone).await?;
    }
    Ok(pairs)
}
