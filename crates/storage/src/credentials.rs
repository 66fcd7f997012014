//! Passwords, TOTP and recovery codes. Every change that invalidates sessions deletes them in
//! the same transaction that bumps the epoch, so no session outlives the credentials it was
//! opened with.

use crate::audit;
use crate::error::{conflict, db_err};
use crate::rows;
use crate::sql_store::{SqlStore, WriteTx};
use trekmail_core::audit::AuditEvent;
use trekmail_core::clock::to_micros;
use trekmail_core::ids::{MailboxId, Principal, SessionId};
use trekmail_core::store::{CredentialStore, Credentials, RecoveryStatus, StoreError, StoreResult};

const GET: &str = "SELECT password_hash, epoch, totp_sealed, totp_last_step FROM credentials \
     WHERE owner_kind = $1 AND owner_id = $2";
const SET_PASSWORD: &str = "UPDATE credentials SET password_hash = $3, epoch = epoch + 1 \
     WHERE owner_kind = $1 AND owner_id = $2 RETURNING epoch";
/// Turning TOTP off with the password reset; `totp_last_step` stays, so steps only move on.
const RESET_PASSWORD: &str = "UPDATE credentials \
     SET password_hash = $3, epoch = epoch + 1, totp_sealed = NULL \
     WHERE owner_kind = $1 AND owner_id = $2 RETURNING epoch";
/// Session ids are never empty, so `''` stands for "keep none".
const DELETE_SESSIONS_BUT: &str = "DELETE FROM sessions \
     WHERE owner_kind = $1 AND owner_id = $2 AND id <> COALESCE($3, '')";
const MOVE_SESSION: &str = "UPDATE sessions SET epoch = $4 \
     WHERE id = $3 AND owner_kind = $1 AND owner_id = $2";
const UPGRADE_HASH: &str = "UPDATE credentials SET password_hash = $4 \
     WHERE owner_kind = $1 AND owner_id = $2 AND password_hash = $3";
const SET_TOTP: &str =
    "UPDATE credentials SET totp_sealed = $3 WHERE owner_kind = $1 AND owner_id = $2";
const ACCEPT_STEP: &str = "UPDATE credentials SET totp_last_step = $3 \
     WHERE owner_kind = $1 AND owner_id = $2 \
     AND (totp_last_step IS NULL OR totp_last_step < $3)";
const REPLACE_CODE: &str = "INSERT INTO recovery_codes (mailbox_id, code_hash, issued_at, used_at) \
     VALUES ($1, $2, $3, NULL) \
     ON CONFLICT (mailbox_id) DO UPDATE \
     SET code_hash = excluded.code_hash, issued_at = excluded.issued_at, used_at = NULL";
const CODE_STATUS: &str = "SELECT issued_at, used_at FROM recovery_codes WHERE mailbox_id = $1";
const USE_CODE: &str = "UPDATE recovery_codes SET used_at = $3 \
     WHERE mailbox_id = $1 AND code_hash = $2 AND used_at IS NULL";

/// Sets a new password hash with epoch + 1 (and TOTP off if `reset`), deletes the owner's
/// sessions but `keep`, and moves `keep` to the new epoch. `NotFound` without credentials.
async fn new_password(
    tx: &mut WriteTx,
    who: Principal,
    hash: &str,
    keep: Option<&SessionId>,
    reset: bool,
) -> StoreResult<(i64, u64)> {
    let (kind, id) = who.parts();
    let row = sqlx::query(if reset { RESET_PASSWORD } else { SET_PASSWORD })
        .bind(kind)
        .bind(id)
        .bind(hash)
        .fetch_optional(&mut **tx)
        .await
        .map_err(db_err)?
        .ok_or(StoreError::NotFound)?;
    let epoch: i64 = rows::get(&row, "epoch")?;
    let keep = keep.map(|s| s.0.as_str());
    let ended = sqlx::query(DELETE_SESSIONS_BUT)
        .bind(kind)
        .bind(id)
        .bind(keep)
        .execute(&mut **tx)
        .await
        .map_err(db_err)?
        .rows_affected();
    if let Some(keep) = keep {
        sqlx::query(MOVE_SESSION)
            .bind(kind)
            .bind(id)
            .bind(keep)
            .bind(epoch)
            .execute(&mut **tx)
            .await
            .map_err(db_err)?;
    }
    Ok((epoch, ended))
}

#[async_trait::async_trait]
impl CredentialStore for SqlStore {
    async fn credentials(&self, who: Principal) -> StoreResult<Option<Credentials>> {
        let (kind, id) = who.parts();
        let row = sqlx::query(GET)
            .bind(kind)
            .bind(id)
            .fetch_optional(&self.read)
            .await
            .map_err(db_err)?;
        row.as_ref().map(rows::credentials).transpose()
    }

    async fn change_password(
        &self,
        who: Principal,
        new_hash: &str,
        keep: Option<&SessionId>,
        audit: &AuditEvent,
    ) -> StoreResult<(i64, u64)> {
        let mut tx = self.write_tx().await?;
        let result = new_password(&mut tx, who, new_hash, keep, false).await?;
        audit::insert(&mut tx, audit).await?;
        tx.commit().await.map_err(db_err)?;
        Ok(result)
    }

    async fn upgrade_password_hash(
        &self,
        who: Principal,
        old_hash: &str,
        new_hash: &str,
    ) -> StoreResult<bool> {
        let (kind, id) = who.parts();
        let done = sqlx::query(UPGRADE_HASH)
            .bind(kind)
            .bind(id)
            .bind(old_hash)
            .bind(new_hash)
            .execute(&self.write)
            .await
            .map_err(db_err)?;
        Ok(done.rows_affected() > 0)
    }

    /// `NotFound` if `who` has no credentials.
    async fn set_totp(
        &self,
        who: Principal,
        sealed: Option<&[u8]>,
        audit: &AuditEvent,
    ) -> StoreResult<()> {
        let (kind, id) = who.parts();
        let mut tx = self.write_tx().await?;
        let done = sqlx::query(SET_TOTP)
            .bind(kind)
            .bind(id)
            .bind(sealed.map(<[u8]>::to_vec))
            .execute(&mut *tx)
            .await
            .map_err(db_err)?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound);
        }
        audit::insert(&mut tx, audit).await?;
        tx.commit().await.map_err(db_err)
    }

    /// One conditional UPDATE: two requests racing with the same code cannot both win.
    async fn accept_totp_step(&self, who: Principal, step: i64) -> StoreResult<bool> {
        let (kind, id) = who.parts();
        let done = sqlx::query(ACCEPT_STEP)
            .bind(kind)
            .bind(id)
            .bind(step)
            .execute(&self.write)
            .await
            .map_err(db_err)?;
        Ok(done.rows_affected() > 0)
    }

    /// `issued_at` is the audit event's time. `NotFound` if the mailbox does not exist.
    async fn replace_recovery_code(
        &self,
        mailbox: MailboxId,
        code_hash: &[u8],
        audit: &AuditEvent,
    ) -> StoreResult<()> {
        let mut tx = self.write_tx().await?;
        sqlx::query(REPLACE_CODE)
            .bind(mailbox.0)
            .bind(code_hash.to_vec())
            .bind(to_micros(audit.at))
            .execute(&mut *tx)
            .await
            .map_err(conflict(|| {
                "the recovery code changed meanwhile".to_owned()
            }))?;
        audit::insert(&mut tx, audit).await?;
        tx.commit().await.map_err(db_err)
    }

    async fn recovery_status(&self, mailbox: MailboxId) -> StoreResult<Option<RecoveryStatus>> {
        let row = sqlx::query(CODE_STATUS)
            .bind(mailbox.0)
            .fetch_optional(&self.read)
            .await
            .map_err(db_err)?;
        row.as_ref().map(rows::recovery_status).transpose()
    }

    /// `used_at` is the audit event's time. A wrong or used code changes nothing.
    async fn redeem_recovery_code(
        &self,
        mailbox: MailboxId,
        code_hash: &[u8],
        new_hash: &str,
        audit: &AuditEvent,
    ) -> StoreResult<Option<(i64, u64)>> {
        let mut tx = self.write_tx().await?;
        let used = sqlx::query(USE_CODE)
            .bind(mailbox.0)
            .bind(code_hash.to_vec())
            .bind(to_micros(audit.at))
            .execute(&mut *tx)
            .await
            .map_err(db_err)?;
        if used.rows_affected() == 0 {
            tx.rollback().await.map_err(db_err)?;
            return Ok(None);
        }
        let result =
            new_password(&mut tx, Principal::Mailbox(mailbox), new_hash, None, true).await?;
        audit::insert(&mut tx, audit).await?;
        tx.commit().await.map_err(db_err)?;
        Ok(Some(result))
    }
}
