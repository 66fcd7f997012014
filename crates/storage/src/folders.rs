//! A mailbox's folders: made with the mailbox, created, renamed with their children, deleted
//! with their messages. Each new folder gets a UIDVALIDITY never handed out before.

use crate::conn::Conn;
use crate::error::{conflict, db_err};
use crate::rows;
use crate::sql_store::SqlStore;
use crate::{changes, messages, subscriptions, usage};
use sqlx::AnyConnection;
use std::collections::{BTreeMap, BTreeSet};
use trekmail_core::ids::MailboxId;
use trekmail_core::mail::{BlobId, Folder, FolderId, INBOX, SpecialUse};
use trekmail_core::store::{StoreError, StoreResult};

const OF_MAILBOX: &str = "SELECT id, mailbox_id, name, special_use, uid_validity, uid_next, \
     highest_modseq, recent_uid FROM folders WHERE mailbox_id = $1";
const BY_NAME: &str = "SELECT id, mailbox_id, name, special_use, uid_validity, uid_next, \
     highest_modseq, recent_uid FROM folders WHERE mailbox_id = $1 AND name = $2";
const INSERT: &str = "INSERT INTO folders \
     (mailbox_id, name, special_use, uid_validity, uid_next) \
     VALUES ($1, $2, $3, $4, 1) RETURNING id";
/// The next UIDVALIDITY: the clock's seconds, or one more than the last if that is not
/// newer. Unique across every folder of every mailbox (also a re-created name, and a
/// re-created mailbox at the same address), and still new if the database is rebuilt later.
const NEXT_UID_VALIDITY: &str = "UPDATE counters \
     SET value = CASE WHEN value + 1 > $1 THEN value + 1 ELSE $1 END \
     WHERE name = 'uid_validity' RETURNING value";
const NAMES: &str = "SELECT id, name FROM folders WHERE mailbox_id = $1";
const RENAME: &str = "UPDATE folders SET name = $2 WHERE id = $1";
const MAILBOX_OF: &str = "SELECT mailbox_id FROM folders WHERE id = $1";
/// A no-op write that takes the folder row's lock. Zero rows: no such folder.
const LOCK: &str = "UPDATE folders SET uid_next = uid_next WHERE id = $1";
/// Hands out `$2` UIDs; they are never handed out again, even if their messages go.
const RESERVE_UIDS: &str =
    "UPDATE folders SET uid_next = uid_next + $2 WHERE id = $1 RETURNING uid_next";
const DELETE: &str = "DELETE FROM folders WHERE id = $1";
const DELETE_OF_MAILBOX: &str = "DELETE FROM folders WHERE mailbox_id = $1";

pub(crate) async fn list(store: &SqlStore, mailbox: MailboxId) -> StoreResult<Vec<Folder>> {
    let mut folders = store
        .reads()
        .await?
        .rows(OF_MAILBOX, &[mailbox.0.into()], |row| rows::folder(row))
        .await?;
    // In Rust, so both databases order alike whatever their collation.
    folders.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(folders)
}

pub(crate) async fn by_name(
    store: &SqlStore,
    mailbox: MailboxId,
    name: &str,
) -> StoreResult<Option<Folder>> {
    let args = [mailbox.0.into(), name.into()];
    let mut found = store
        .reads()
        .await?
        .rows(BY_NAME, &args, |row| rows::folder(row))
        .await?;
    Ok(found.pop())
}

pub(crate) async fn create(
    store: &SqlStore,
    mailbox: MailboxId,
    name: &str,
    special_use: Option<SpecialUse>,
) -> StoreResult<Folder> {
    let mut tx = store.write_tx().await?;
    usage::lock(&mut Conn::Borrowed(&mut tx), mailbox).await?;
    // CREATE does not subscribe (RFC 3501 §6.3.3); a client subscribes if it wants to.
    let folder = insert(&mut tx, mailbox, name, special_use).await?;
    tx.commit().await.map_err(db_err)?;
    Ok(folder)
}

/// INBOX and one folder of each special use, for a new mailbox.
pub(crate) async fn insert_defaults(
    conn: &mut AnyConnection,
    mailbox: MailboxId,
) -> StoreResult<()> {
    // A new mailbox's own folders are subscribed, so that every client shows them.
    for (name, special_use) in
        std::iter::once((INBOX, None)).chain(SpecialUse::ALL.map(|s| (s.default_name(), Some(s))))
    {
        insert(&mut *conn, mailbox, name, special_use).await?;
        subscriptions::set(&mut *conn, mailbox, name, true).await?;
    }
    Ok(())
}

/// Inserts an empty folder; `Conflict` if the name exists, `NotFound` without the mailbox.
async fn insert(
    conn: &mut AnyConnection,
    mailbox: MailboxId,
    name: &str,
    special_use: Option<SpecialUse>,
) -> StoreResult<Folder> {
    let uid_validity = next_uid_validity(conn).await?;
    let row = sqlx::query(INSERT)
        .bind(mailbox.0)
        .bind(name)
        .bind(special_use.map(SpecialUse::as_str))
        .bind(i64::from(uid_validity))
        .fetch_one(conn)
        .await
        .map_err(conflict(|| taken(name).to_string()))?;
    Ok(Folder {
        id: FolderId(rows::get(&row, "id")?),
        mailbox_id: mailbox,
        name: name.to_owned(),
        special_use,
        uid_validity,
        uid_next: 1,
        highest_modseq: 1,
        recent_uid: 1,
    })
}

async fn next_uid_validity(conn: &mut AnyConnection) -> StoreResult<u32> {
    let row = sqlx::query(NEXT_UID_VALIDITY)
        .bind(chrono::Utc::now().timestamp())
        .fetch_one(conn)
        .await
        .map_err(db_err)?;
    let value: i64 = rows::get(&row, "value")?;
    u32::try_from(value)
        .ok()
        .filter(|v| *v > 0)
        .ok_or_else(|| StoreError::Backend(format!("UIDVALIDITY {value} is out of range")))
}

/// Renames the folder and every folder below it in one transaction, keeping their ids (so
/// their UIDVALIDITY and messages).
pub(crate) async fn rename(
    store: &SqlStore,
    mailbox: MailboxId,
    from: &str,
    to: &str,
) -> StoreResult<()> {
    let mut tx = store.write_tx().await?;
    usage::lock(&mut Conn::Borrowed(&mut tx), mailbox).await?;
    let rows = sqlx::query(NAMES)
        .bind(mailbox.0)
        .fetch_all(&mut *tx)
        .await
        .map_err(db_err)?;
    let mut existing = BTreeMap::new();
    for row in &rows {
        existing.insert(
            rows::get::<String>(row, "name")?,
            rows::get::<i64>(row, "id")?,
        );
    }
    let mut moves = renames(existing.keys().map(String::as_str), from, to)?;
    if existing.contains_key(to) {
        return Err(taken(to));
    }
    // Every other new name must be free, or be one this rename itself frees.
    let old_names: BTreeSet<&str> = moves.iter().map(|(old, _)| old.as_str()).collect();
    if let Some((_, new)) = moves
        .iter()
        .find(|(_, new)| existing.contains_key(new) && !old_names.contains(new.as_str()))
    {
        return Err(taken(new));
    }
    // A new name can still be an old name of this rename (`a/b` → `a` moves `a/b/b` to
    // `a/b`). Every new name is the old one with `from` swapped for `to`, so when `to` is
    // shorter the name in the way is always shorter than the one moving there: renaming
    // shortest first frees it in time (longest first when `to` is longer).
    moves.sort_by_key(|(old, _)| old.len());
    if to.len() > from.len() {
        moves.reverse();
    }
    for (old, new) in &moves {
        let id = existing.get(old).copied().ok_or(StoreError::NotFound)?;
        sqlx::query(RENAME)
            .bind(id)
            .bind(new.as_str())
            .execute(&mut *tx)
            .await
            .map_err(conflict(|| taken(new).to_string()))?;
    }
    subscriptions::rename(&mut tx, mailbox, &moves).await?;
    tx.commit().await.map_err(db_err)
}

fn taken(name: &str) -> StoreError {
    StoreError::Conflict(format!("a folder named {name} exists already"))
}

/// The (old, new) names a rename of `from` to `to` changes; `NotFound` if `from` is not
/// among `names`.
fn renames<'a>(
    names: impl Iterator<Item = &'a str>,
    from: &str,
    to: &str,
) -> StoreResult<Vec<(String, String)>> {
    let mut found = false;
    let mut moves = Vec::new();
    for name in names {
        let suffix = match name.strip_prefix(from) {
            Some("") => {
                found = true;
                ""
            }
            Some(rest) if rest.starts_with('/') => rest,
            _ => continue,
        };
        moves.push((name.to_owned(), format!("{to}{suffix}")));
    }
    if !found {
        return Err(StoreError::NotFound);
    }
    Ok(moves)
}

/// Deletes the folder and its messages, giving their bytes back to the mailbox.
pub(crate) async fn delete(store: &SqlStore, folder: FolderId) -> StoreResult<Vec<BlobId>> {
    let mut tx = store.write_tx().await?;
    let mailbox = lock_with_mailbox(&mut Conn::Borrowed(&mut tx), folder).await?;
    let (bytes, blobs) = messages::delete_all(&mut tx, folder).await?;
    changes::forget_folder(&mut tx, folder).await?;
    sqlx::query(DELETE)
        .bind(folder.0)
        .execute(&mut *tx)
        .await
        .map_err(db_err)?;
    let mut conn = Conn::Borrowed(&mut tx);
    usage::refund(&mut conn, mailbox, bytes).await?;
    let orphans = messages::unreferenced(&mut conn, blobs).await?;
    tx.commit().await.map_err(db_err)?;
    Ok(orphans)
}

/// Deletes every folder of the mailbox with their messages (the caller holds the mailbox's
/// lock and deletes the mailbox, so its usage is not updated); returns their blobs.
pub(crate) async fn delete_all(
    conn: &mut AnyConnection,
    mailbox: MailboxId,
) -> StoreResult<Vec<BlobId>> {
    let blobs = messages::delete_of_mailbox(conn, mailbox).await?;
    changes::forget_mailbox(conn, mailbox.0).await?;
    subscriptions::forget_mailbox(conn, mailbox).await?;
    sqlx::query(DELETE_OF_MAILBOX)
        .bind(mailbox.0)
        .execute(conn)
        .await
        .map_err(db_err)?;
    Ok(blobs)
}

/// The mailbox a folder belongs to (it never changes); `NotFound` without the folder.
pub(crate) async fn mailbox_of(conn: &mut Conn<'_>, folder: FolderId) -> StoreResult<MailboxId> {
    conn.first(MAILBOX_OF, &[folder.0.into()], |row| {
        row.int("mailbox_id").map(MailboxId)
    })
    .await?
    .ok_or(StoreError::NotFound)
}

/// Locks the folder's mailbox, then the folder, for the rest of the transaction; returns
/// the mailbox. `NotFound` if the folder does not exist (or has just been deleted).
pub(crate) async fn lock_with_mailbox(
    conn: &mut Conn<'_>,
    folder: FolderId,
) -> StoreResult<MailboxId> {
    let mailbox = mailbox_of(conn, folder).await?;
    usage::lock(conn, mailbox).await?;
    lock(conn, folder).await?;
    Ok(mailbox)
}

/// Locks the folder for the rest of the transaction; `NotFound` if it does not exist.
pub(crate) async fn lock(conn: &mut Conn<'_>, folder: FolderId) -> StoreResult<()> {
    if conn.execute(LOCK, &[folder.0.into()]).await? == 0 {
        return Err(StoreError::NotFound);
    }
    Ok(())
}

/// Takes `count` UIDs of the folder (and its lock); returns the first. `LimitReached` once
/// the folder has used every UID a u32 allows.
pub(crate) async fn reserve_uids(
    conn: &mut Conn<'_>,
    folder: FolderId,
    count: u32,
) -> StoreResult<u32> {
    let args = [folder.0.into(), i64::from(count).into()];
    let next = conn
        .first(RESERVE_UIDS, &args, |row| row.int("uid_next"))
        .await?
        .ok_or(StoreError::NotFound)?;
    next.checked_sub(i64::from(count))
        .filter(|_| next <= i64::from(u32::MAX))
        .and_then(|first| u32::try_from(first).ok())
        .ok_or_else(|| {
            StoreError::LimitReached("this folder has run out of UIDs; recreate it".into())
        })
}

#[cfg(test)]
mod tests {
    use super::renames;

    #[test]
    fn renames_the_folder_and_its_children_only() {
        let names = ["a", "a/x", "a/x/y", "ab", "b"];
        let moves = renames(names.into_iter(), "a", "c").unwrap();
        assert_eq!(
            moves,
            vec![
                ("a".into(), "c".into()),
                ("a/x".into(), "c/x".into()),
                ("a/x/y".into(), "c/x/y".into()),
            ]
        );
        assert!(renames(names.into_iter(), "z", "c").is_err());
        assert!(renames(names.into_iter(), "a/", "c").is_err());
    }
}
