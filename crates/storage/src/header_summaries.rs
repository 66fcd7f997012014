//! Each message's header summary (SEARCH's address, subject and sent-date fields): written
//! with the message, copied with it, gone with it (the rows cascade from `messages`).

use crate::error::db_err;
use crate::messages;
use crate::rows;
use crate::sql_store::SqlStore;
use chrono::{Datelike, NaiveDate};
use sqlx::AnyConnection;
use sqlx::any::AnyRow;
use trekmail_core::mail::{FolderId, HeaderSummary, MessageMeta};
use trekmail_core::store::StoreResult;

const INSERT: &str = "INSERT INTO header_summaries \
     (folder_id, uid, subject, from_field, to_field, cc_field, bcc_field, sent_on) \
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8)";
const COPY: &str = "INSERT INTO header_summaries \
     (folder_id, uid, subject, from_field, to_field, cc_field, bcc_field, sent_on) \
     SELECT $3, $4, subject, from_field, to_field, cc_field, bcc_field, sent_on \
     FROM header_summaries WHERE folder_id = $1 AND uid = $2";
/// A message with its summary, if it has one (messages stored before summaries were kept
/// have none).
const IN_RANGE: &str = "SELECT m.folder_id, m.uid, m.flags, m.internal_date, m.size, \
     m.blob_id, m.modseq, s.uid AS summary_uid, s.subject, s.from_field, s.to_field, \
     s.cc_field, s.bcc_field, s.sent_on FROM messages m LEFT JOIN header_summaries s \
     ON s.folder_id = m.folder_id AND s.uid = m.uid \
     WHERE m.folder_id = $1 AND m.uid >= $2 AND m.uid <= $3 ORDER BY m.uid";

pub(crate) async fn insert(
    conn: &mut AnyConnection,
    folder: FolderId,
    uid: u32,
    summary: &HeaderSummary,
) -> StoreResult<()> {
    sqlx::query(INSERT)
        .bind(folder.0)
        .bind(i64::from(uid))
        .bind(summary.subject.as_deref())
        .bind(summary.from.as_deref())
        .bind(summary.to.as_deref())
        .bind(summary.cc.as_deref())
        .bind(summary.bcc.as_deref())
        .bind(summary.sent_on.map(|d| i64::from(d.num_days_from_ce())))
        .execute(conn)
        .await
        .map_err(db_err)?;
    Ok(())
}

/// Gives a copied message its source's summary, if that has one.
pub(crate) async fn copy(
    conn: &mut AnyConnection,
    (from, from_uid): (FolderId, u32),
    (to, to_uid): (FolderId, u32),
) -> StoreResult<()> {
    sqlx::query(COPY)
        .bind(from.0)
        .bind(i64::from(from_uid))
        .bind(to.0)
        .bind(i64::from(to_uid))
        .execute(conn)
        .await
        .map_err(db_err)?;
    Ok(())
}

/// The messages with these UIDs, each with its summary if it has one, in UID order.
pub(crate) async fn with_uids(
    store: &SqlStore,
    folder: FolderId,
    uids: &[u32],
) -> StoreResult<Vec<(MessageMeta, Option<HeaderSummary>)>> {
    let mut conn = store.read.acquire().await.map_err(db_err)?;
    let rows = messages::rows_with_uids(&mut conn, IN_RANGE, folder, uids).await?;
    rows.iter()
        .map(|row| Ok((rows::message(row)?, summary(row)?)))
        .collect()
}

fn summary(row: &AnyRow) -> StoreResult<Option<HeaderSummary>> {
    if rows::get::<Option<i64>>(row, "summary_uid")?.is_none() {
        return Ok(None);
    }
    let text = |column| rows::get::<Option<String>>(row, column);
    let sent_on = rows::get::<Option<i64>>(row, "sent_on")?
        .and_then(|days| i32::try_from(days).ok())
        .and_then(NaiveDate::from_num_days_from_ce_opt);
    Ok(Some(HeaderSummary {
        subject: text("subject")?,
        from: text("from_field")?,
        to: text("to_field")?,
        cc: text("cc_field")?,
        bcc: text("bcc_field")?,
        sent_on,
    }))
}
