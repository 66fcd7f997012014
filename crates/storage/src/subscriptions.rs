//! A mailbox's subscriptions: names, kept apart from the folders so that deleting a folder
//! leaves its name subscribed (RFC 3501 §6.3.6) and a rename carries them along.

use crate::error::db_err;
use crate::rows;
use crate::sql_store::SqlStore;
use sqlx::{Any, AnyConnection};
use std::collections::HashSet;
use trekmail_core::ids::MailboxId;
use trekmail_core::store::StoreResult;

const OF_MAILBOX: &str = "SELECT name FROM subscriptions WHERE mailbox_id = $1 ORDER BY name";
const ADD: &str =
    "INSERT INTO subscriptions (mailbox_id, name) VALUES ($1, $2) ON CONFLICT DO NOTHING";
const REMOVE: &str = "DELETE FROM subscriptions WHERE mailbox_id = $1 AND name = $2";
const REMOVE_OF_MAILBOX: &str = "DELETE FROM subscriptions WHERE mailbox_id = $1";

pub(crate) async fn list(store: &SqlStore, mailbox: MailboxId) -> StoreResult<Vec<String>> {
    names(&store.read, mailbox).await
}

/// SUBSCRIBE / UNSUBSCRIBE on their own.
pub(crate) async fn set_one(
    store: &SqlStore,
    mailbox: MailboxId,
    name: &str,
    subscribed: bool,
) -> StoreResult<()> {
    let mut conn = store.write.acquire().await.map_err(db_err)?;
    set(&mut conn, mailbox, name, subscribed).await
}

/// Subscribes or unsubscribes a name; doing it twice is no error.
pub(crate) async fn set(
    conn: &mut AnyConnection,
    mailbox: MailboxId,
    name: &str,
    subscribed: bool,
) -> StoreResult<()> {
    sqlx::query(if subscribed { ADD } else { REMOVE })
        .bind(mailbox.0)
        .bind(name)
        .execute(conn)
        .await
        .map_err(db_err)?;
    Ok(())
}

/// Moves the subscriptions among `moves`' old names to their new names, in the rename's
/// transaction. All are removed before any is added, as a new name may be another's old one.
pub(crate) async fn rename(
    conn: &mut AnyConnection,
    mailbox: MailboxId,
    moves: &[(String, String)],
) -> StoreResult<()> {
    let subscribed: HashSet<String> = names(&mut *conn, mailbox).await?.into_iter().collect();
    let moving: Vec<&(String, String)> = moves
        .iter()
        .filter(|(old, _)| subscribed.contains(old))
        .collect();
    for (old, _) in &moving {
        set(conn, mailbox, old, false).await?;
    }
    for (_, new) in &moving {
        set(conn, mailbox, new, true).await?;
    }
    Ok(())
}

/// Forgets a mailbox's subscriptions, before the mailbox goes.
pub(crate) async fn forget_mailbox(
    conn: &mut AnyConnection,
    mailbox: MailboxId,
) -> StoreResult<()> {
    sqlx::query(REMOVE_OF_MAILBOX)
        .bind(mailbox.0)
        .execute(conn)
        .await
        .map_err(db_err)?;
    Ok(())
}

async fn names<'e>(
    executor: impl sqlx::Executor<'e, Database = Any>,
    mailbox: MailboxId,
) -> StoreResult<Vec<String>> {
    let rows = sqlx::query(OF_MAILBOX)
        .bind(mailbox.0)
        .fetch_all(executor)
        .await
        .map_err(db_err)?;
    rows.iter().map(|row| rows::get(row, "name")).collect()
}
