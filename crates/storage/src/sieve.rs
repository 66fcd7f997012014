//! A mailbox's Sieve scripts. Every change locks the mailbox row first, so a count and the
//! insert it allows, or a deactivation and the activation after it, are never interleaved.

use crate::audit;
use crate::conn::Conn;
use crate::error::{conflict, db_err};
use crate::sql_store::{SqlStore, WriteTx};
use crate::{rows, usage};
use chrono::{DateTime, Utc};
use sqlx::any::AnyRow;
use trekmail_core::audit::AuditEvent;
use trekmail_core::clock::{from_micros, to_micros};
use trekmail_core::ids::{MailboxId, SieveScriptId};
use trekmail_core::routing::SieveScript;
use trekmail_core::store::{SieveStore, StoreError, StoreResult};

const SCRIPTS_OF: &str = "SELECT id, name, source, active, updated_at FROM sieve_scripts \
     WHERE mailbox_id = $1 ORDER BY name";
const SCRIPT: &str = "SELECT id, name, source, active, updated_at FROM sieve_scripts \
     WHERE mailbox_id = $1 AND name = $2";
const COUNT_OTHERS: &str =
    "SELECT COUNT(*) AS n FROM sieve_scripts WHERE mailbox_id = $1 AND name <> $2";
const PUT: &str = "INSERT INTO sieve_scripts (mailbox_id, name, source, active, updated_at) \
     VALUES ($1, $2, $3, 0, $4) ON CONFLICT (mailbox_id, name) DO UPDATE SET \
     source = excluded.source, updated_at = excluded.updated_at \
     RETURNING id, name, source, active, updated_at";
const DEACTIVATE: &str = "UPDATE sieve_scripts SET active = 0 WHERE mailbox_id = $1 AND active = 1";
const ACTIVATE: &str = "UPDATE sieve_scripts SET active = 1 WHERE mailbox_id = $1 AND name = $2";
const RENAME: &str = "UPDATE sieve_scripts SET name = $3 WHERE mailbox_id = $1 AND name = $2";
const DELETE: &str = "DELETE FROM sieve_scripts WHERE mailbox_id = $1 AND name = $2 \
     RETURNING active";

fn script(row: &AnyRow) -> StoreResult<SieveScript> {
    Ok(SieveScript {
        id: SieveScriptId(rows::get(row, "id")?),
        name: rows::get(row, "name")?,
        source: rows::get(row, "source")?,
        active: rows::get::<i64>(row, "active")? != 0,
        updated_at: from_micros(rows::get(row, "updated_at")?),
    })
}

/// Runs `sql` with the mailbox and name (and `more`, if any), failing with `NotFound` when it
/// changed no row.
async fn change_one(
    tx: &mut WriteTx,
    sql: &'static str,
    mailbox: MailboxId,
    name: &str,
    more: Option<&str>,
) -> StoreResult<()> {
    let mut query = sqlx::query(sql).bind(mailbox.0).bind(name);
    if let Some(more) = more {
        query = query.bind(more);
    }
    let done = query.execute(&mut **tx).await.map_err(conflict(|| {
        format!("a script is called {:?} already", more.unwrap_or(name))
    }))?;
    match done.rows_affected() {
        0 => Err(StoreError::NotFound),
        _ => Ok(()),
    }
}

impl SqlStore {
    /// A transaction for a change to the mailbox's scripts, the mailbox row locked.
    async fn scripts_tx(&self, mailbox: MailboxId) -> StoreResult<WriteTx> {
        let mut tx = self.write_tx().await?;
        usage::lock(&mut Conn::Borrowed(&mut tx), mailbox).await?;
        Ok(tx)
    }
}

/// Writes the change's audit record and commits.
async fn finish(mut tx: WriteTx, audit: &AuditEvent) -> StoreResult<()> {
    audit::insert(&mut tx, audit).await?;
    tx.commit().await.map_err(db_err)
}

#[async_trait::async_trait]
impl SieveStore for SqlStore {
    async fn sieve_scripts(&self, mailbox: MailboxId) -> StoreResult<Vec<SieveScript>> {
        let rows = sqlx::query(SCRIPTS_OF)
            .bind(mailbox.0)
            .fetch_all(&self.read)
            .await
            .map_err(db_err)?;
        rows.iter().map(script).collect()
    }

    async fn sieve_script(
        &self,
        mailbox: MailboxId,
        name: &str,
    ) -> StoreResult<Option<SieveScript>> {
        let row = sqlx::query(SCRIPT)
            .bind(mailbox.0)
            .bind(name)
            .fetch_optional(&self.read)
            .await
            .map_err(db_err)?;
        row.as_ref().map(script).transpose()
    }

    async fn put_sieve_script(
        &self,
        mailbox: MailboxId,
        name: &str,
        source: &str,
        at: DateTime<Utc>,
        max: u32,
        audit: &AuditEvent,
    ) -> StoreResult<SieveScript> {
        let mut tx = self.scripts_tx(mailbox).await?;
        let others = sqlx::query(COUNT_OTHERS)
            .bind(mailbox.0)
            .bind(name)
            .fetch_one(&mut *tx)
            .await
            .map_err(db_err)?;
        if rows::get::<i64>(&others, "n")? >= i64::from(max) {
            return Err(StoreError::LimitReached(format!(
                "a mailbox keeps at most {max} scripts"
            )));
        }
        let row = sqlx::query(PUT)
            .bind(mailbox.0)
            .bind(name)
            .bind(source)
            .bind(to_micros(at))
            .fetch_one(&mut *tx)
            .await
            .map_err(db_err)?;
        let saved = script(&row)?;
        finish(tx, audit).await?;
        Ok(saved)
    }

    async fn activate_sieve_script(
        &self,
        mailbox: MailboxId,
        name: Option<&str>,
        audit: &AuditEvent,
    ) -> StoreResult<()> {
        let mut tx = self.scripts_tx(mailbox).await?;
        sqlx::query(DEACTIVATE)
            .bind(mailbox.0)
            .execute(&mut *tx)
            .await
            .map_err(db_err)?;
        if let Some(name) = name {
            change_one(&mut tx, ACTIVATE, mailbox, name, None).await?;
        }
        finish(tx, audit).await
    }

    async fn rename_sieve_script(
        &self,
        mailbox: MailboxId,
        from: &str,
        to: &str,
        audit: &AuditEvent,
    ) -> StoreResult<()> {
        let mut tx = self.scripts_tx(mailbox).await?;
        change_one(&mut tx, RENAME, mailbox, from, Some(to)).await?;
        finish(tx, audit).await
    }

    async fn delete_sieve_script(
        &self,
        mailbox: MailboxId,
        name: &str,
        audit: &AuditEvent,
    ) -> StoreResult<()> {
        let mut tx = self.scripts_tx(mailbox).await?;
        let row = sqlx::query(DELETE)
            .bind(mailbox.0)
            .bind(name)
            .fetch_optional(&mut *tx)
            .await
            .map_err(db_err)?
            .ok_or(StoreError::NotFound)?;
        if rows::get::<i64>(&row, "active")? != 0 {
            return Err(StoreError::Conflict(format!(
                "{name:?} is the active script: deactivate it first"
            )));
        }
        finish(tx, audit).await
    }
}
