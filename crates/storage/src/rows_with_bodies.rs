//! Message rows with their bodies in one read where the database keeps the bodies
//! (PostgreSQL's `blobs`): a FETCH of a body then costs one round trip to the database
//! server, not one for the row and another for the body.

use crate::error::db_err;
use crate::messages;
use crate::rows;
use crate::sql_store::{Backend, SqlStore};
use trekmail_core::mail::{FolderId, MessageMeta};
use trekmail_core::store::StoreResult;

/// `$4`: the bytes of bodies a run's read brings; the rows past them come without theirs.
const IN_RANGE_WITH_BODIES: &str = "SELECT m.folder_id, m.uid, m.flags, m.internal_date, \
     m.size, m.blob_id, m.modseq, \
     CASE WHEN SUM(m.size) OVER (ORDER BY m.uid) <= $4 THEN b.bytes END AS bytes \
     FROM messages m LEFT JOIN blobs b ON b.id = m.blob_id \
     WHERE m.folder_id = $1 AND m.uid >= $2 AND m.uid <= $3 ORDER BY m.uid";

/// One message with its body if it is at most `$3` bytes. Its own statement: PostgreSQL plans
/// an equality on the key once and keeps the plan, while a range's plan is made again for
/// each call (about 0.1 ms, as much as a round trip).
const ONE_WITH_BODY: &str = "SELECT m.folder_id, m.uid, m.flags, m.internal_date, m.size, \
     m.blob_id, m.modseq, CASE WHEN m.size <= $3 THEN b.bytes END AS bytes \
     FROM messages m LEFT JOIN blobs b ON b.id = m.blob_id \
     WHERE m.folder_id = $1 AND m.uid = $2";

/// The messages with these UIDs in UID order, the first ones with their bodies up to
/// `budget` bytes in all, shared out between the runs of UIDs read apart
/// (`messages::rows_with_uids`). On SQLite the bodies are files, so none come.
pub(crate) async fn with_uids(
    store: &SqlStore,
    folder: FolderId,
    uids: &[u32],
    budget: usize,
) -> StoreResult<Vec<(MessageMeta, Option<Vec<u8>>)>> {
    if store.backend() == Backend::Sqlite {
        let metas = messages::of_uids(store, folder, uids).await?;
        return Ok(metas.into_iter().map(|meta| (meta, None)).collect());
    }
    let runs = messages::spans(uids).len().max(1);
    let budget = i64::try_from(budget / runs).unwrap_or(i64::MAX);
    let mut conn = store.read.acquire().await.map_err(db_err)?;
    let rows = match uids {
        [uid] => sqlx::query(ONE_WITH_BODY)
            .bind(folder.0)
            .bind(i64::from(*uid))
            .bind(budget)
            .fetch_all(&mut *conn)
            .await
            .map_err(db_err)?,
        _ => {
            let bind = |q: messages::AnyQuery| q.bind(budget);
            messages::rows_with_uids(&mut conn, IN_RANGE_WITH_BODIES, folder, uids, bind).await?
        }
    };
    rows.iter()
        .map(|row| Ok((rows::message(row)?, rows::get(row, "bytes")?)))
        .collect()
}
