//! Each message's header summary (SEARCH's address, subject and sent-date fields): written
//! with the message, copied with it, gone with it (the rows cascade from `messages`).

use crate::conn::Conn;
use crate::error::db_err;
use crate::messages;
use crate::rows;
use crate::sql_store::SqlStore;
use chrono::{Datelike, NaiveDate};
use sqlx::any::AnyRow;
use trekmail_core::mail::{FieldHolds, FolderId, HeaderSummary, MessageMeta, SummaryField};
use trekmail_core::store::StoreResult;

const INSERT: &str = "INSERT INTO header_summaries \
     (folder_id, uid, subject, from_field, to_field, cc_field, bcc_field, sent_on) \
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8)";
const COPY: &str = "INSERT INTO header_summaries \
     (folder_id, uid, subject, from_field, to_field, cc_field, bcc_field, sent_on) \
     SELECT $3, $4, subject, from_field, to_field, cc_field, bcc_field, sent_on \
     FROM header_summaries WHERE folder_id = $1 AND uid = $2";
/// Messages in a UID range with their summaries, if they have one (messages stored before
/// summaries were kept have none), and `$extra` conditions.
macro_rules! in_range {
    ($extra:literal) => {
        concat!(
            "SELECT m.folder_id, m.uid, m.flags, m.internal_date, m.size, \
             m.blob_id, m.modseq, s.uid AS summary_uid, s.subject, s.from_field, s.to_field, \
             s.cc_field, s.bcc_field, s.sent_on FROM messages m LEFT JOIN header_summaries s \
             ON s.folder_id = m.folder_id AND s.uid = m.uid \
             WHERE m.folder_id = $1 AND m.uid >= $2 AND m.uid <= $3 ",
            $extra,
            " ORDER BY m.uid"
        )
    };
}
const IN_RANGE: &str = in_range!("");
/// As `IN_RANGE`, keeping the messages without a summary and those whose field `$4` (a
/// [`column_number`]) is LIKE `$5`.
const IN_RANGE_HOLDING: &str = in_range!(
    "AND (s.uid IS NULL OR (CASE $4 WHEN 0 THEN s.subject WHEN 1 THEN s.from_field \
     WHEN 2 THEN s.to_field WHEN 3 THEN s.cc_field ELSE s.bcc_field END) LIKE $5 ESCAPE '\\')"
);

pub(crate) async fn insert(
    conn: &mut Conn<'_>,
    folder: FolderId,
    uid: u32,
    summary: &HeaderSummary,
) -> StoreResult<()> {
    let args = [
        folder.0.into(),
        i64::from(uid).into(),
        summary.subject.as_deref().into(),
        summary.from.as_deref().into(),
        summary.to.as_deref().into(),
        summary.cc.as_deref().into(),
        summary.bcc.as_deref().into(),
        summary
            .sent_on
            .map(|d| i64::from(d.num_days_from_ce()))
            .into(),
    ];
    conn.execute(INSERT, &args).await?;
    Ok(())
}

/// Gives a copied message its source's summary, if that has one.
pub(crate) async fn copy(
    conn: &mut Conn<'_>,
    (from, from_uid): (FolderId, u32),
    (to, to_uid): (FolderId, u32),
) -> StoreResult<()> {
    let args = [
        from.0.into(),
        i64::from(from_uid).into(),
        to.0.into(),
        i64::from(to_uid).into(),
    ];
    conn.execute(COPY, &args).await?;
    Ok(())
}

/// The messages with these UIDs, each with its summary if it has one, in UID order; with
/// `holding`, only those it lets through.
pub(crate) async fn with_uids(
    store: &SqlStore,
    folder: FolderId,
    uids: &[u32],
    holding: Option<&FieldHolds>,
) -> StoreResult<Vec<(MessageMeta, Option<HeaderSummary>)>> {
    let mut conn = store.read.acquire().await.map_err(db_err)?;
    let rows = match holding {
        None => messages::rows_with_uids(&mut conn, IN_RANGE, folder, uids, |q| q).await?,
        Some(holds) => {
            let (column, pattern) = (column_number(holds.field), like_pattern(&holds.needle));
            let bind = |q: messages::AnyQuery| q.bind(column).bind(pattern.clone());
            messages::rows_with_uids(&mut conn, IN_RANGE_HOLDING, folder, uids, bind).await?
        }
    };
    rows.iter()
        .map(|row| Ok((rows::message(row)?, summary(row)?)))
        .collect()
}

/// The field's place in `IN_RANGE_HOLDING`'s CASE.
fn column_number(field: SummaryField) -> i64 {
    match field {
        SummaryField::Subject => 0,
        SummaryField::From => 1,
        SummaryField::To => 2,
        SummaryField::Cc => 3,
        SummaryField::Bcc => 4,
    }
}

/// A LIKE pattern for text holding `needle` anywhere: the summary and the needle are folded
/// alike, so the match is exact in both databases once `%`, `_` and `\` are escaped.
fn like_pattern(needle: &str) -> String {
    let mut pattern = String::with_capacity(needle.len() + 2);
    pattern.push('%');
    for c in needle.chars() {
        if matches!(c, '%' | '_' | '\\') {
            pattern.push('\\');
        }
        pattern.push(c);
    }
    pattern.push('%');
    pattern
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
