//! Mailboxes: created (with their folders and their address claimed) and resized within the plan's limits, deleted
//! with everything that lets them sign in and everything they hold.

use crate::accounts::{insert_credentials, lock_account};
use crate::audit;
use crate::conn::Conn;
use crate::error::{conflict, db_err};
use crate::sql_store::{SqlStore, WriteTx};
use crate::{folders, messages, routing, rows, usage};
use trekmail_core::audit::AuditEvent;
use trekmail_core::clock::to_micros;
use trekmail_core::domain::{EmailAddress, Mailbox, PlanLimits};
use trekmail_core::ids::{AccountId, MailboxId, Principal};
use trekmail_core::mail::BlobId;
use trekmail_core::store::{MailboxStore, NewMailbox, StoreError, StoreResult};

const DOMAIN_OWNER: &str = "SELECT account_id FROM domains WHERE id = $1";
const USAGE: &str = "SELECT COUNT(*) AS n, CAST(COALESCE(SUM(quota_bytes), 0) AS BIGINT) AS used \
     FROM mailboxes WHERE account_id = $1";
const INSERT: &str = "INSERT INTO mailboxes \
     (account_id, domain_id, address, display_name, quota_bytes, created_at) \
     VALUES ($1, $2, $3, $4, $5, $6) RETURNING id";
const BY_ID: &str = "SELECT id, account_id, domain_id, address, display_name, quota_bytes, \
     used_bytes, created_at FROM mailboxes WHERE id = $1";
const BY_ADDRESS: &str = "SELECT id, account_id, domain_id, address, display_name, quota_bytes, \
     used_bytes, created_at FROM mailboxes WHERE address = $1";
const OF_ACCOUNT: &str = "SELECT id, account_id, domain_id, address, display_name, quota_bytes, \
     used_bytes, created_at FROM mailboxes WHERE account_id = $1 ORDER BY address";
const USED_BY_OTHERS: &str = "SELECT CAST(COALESCE(SUM(quota_bytes), 0) AS BIGINT) AS used \
     FROM mailboxes WHERE account_id = $1 AND id <> $2";
const SET_QUOTA: &str = "UPDATE mailboxes SET quota_bytes = $2 WHERE id = $1 \
     RETURNING id, account_id, domain_id, address, display_name, quota_bytes, used_bytes, \
     created_at";
const DELETE_SESSIONS: &str = "DELETE FROM sessions WHERE owner_kind = 'mailbox' AND owner_id = $1";
const DELETE_RECOVERY: &str = "DELETE FROM recovery_codes WHERE mailbox_id = $1";
const DELETE_CREDENTIALS: &str =
    "DELETE FROM credentials WHERE owner_kind = 'mailbox' AND owner_id = $1";
const DELETE: &str = "DELETE FROM mailboxes WHERE id = $1";

#[async_trait::async_trait]
impl MailboxStore for SqlStore {
    /// The domain must belong to the account (`NotFound` otherwise). An audit event without a
    /// principal gets the new mailbox.
    async fn create_mailbox(
        &self,
        new: &NewMailbox,
        limits: &PlanLimits,
        audit: &AuditEvent,
    ) -> StoreResult<Mailbox> {
        let mut tx = self.write_tx().await?;
        lock_account(&mut tx, new.account_id).await?;
        let owner = sqlx::query(DOMAIN_OWNER)
            .bind(new.domain_id.0)
            .fetch_optional(&mut *tx)
            .await
            .map_err(db_err)?;
        match owner
            .as_ref()
            .map(|r| rows::get::<i64>(r, "account_id"))
            .transpose()?
        {
            Some(owner) if owner == new.account_id.0 => {}
            _ => return Err(StoreError::NotFound),
        }
        let usage = sqlx::query(USAGE)
            .bind(new.account_id.0)
            .fetch_one(&mut *tx)
            .await
            .map_err(db_err)?;
        let count: i64 = rows::get(&usage, "n")?;
        let used: i64 = rows::get(&usage, "used")?;
        if count >= i64::from(limits.max_mailboxes) {
            return Err(StoreError::LimitReached(format!(
                "this plan allows {} mailbox(es)",
                limits.max_mailboxes
            )));
        }
        check_storage(limits, used, new.quota_bytes)?;
        let row = sqlx::query(INSERT)
            .bind(new.account_id.0)
            .bind(new.domain_id.0)
            .bind(new.address.as_str())
            .bind(new.display_name.as_str())
            .bind(new.quota_bytes)
            .bind(to_micros(new.created_at))
            .fetch_one(&mut *tx)
            .await
            .map_err(conflict(|| format!("{} exists already", new.address)))?;
        let id = MailboxId(rows::get(&row, "id")?);
        let mailbox = Mailbox {
            id,
            account_id: new.account_id,
            domain_id: new.domain_id,
            address: new.address.clone(),
            display_name: new.display_name.clone(),
            quota_bytes: new.quota_bytes,
            used_bytes: 0,
            created_at: new.created_at,
        };
        routing::claim_own_address(&mut tx, &mailbox).await?;
        insert_credentials(&mut tx, Principal::Mailbox(id), &new.password_hash).await?;
        folders::insert_defaults(&mut tx, id).await?;
        let mut audit = audit.clone();
        audit.account_id.get_or_insert(new.account_id);
        audit.principal.get_or_insert(Principal::Mailbox(id));
        audit::insert(&mut tx, &audit).await?;
        tx.commit().await.map_err(db_err)?;
        Ok(mailbox)
    }

    async fn mailbox(&self, id: MailboxId) -> StoreResult<Option<Mailbox>> {
        let row = sqlx::query(BY_ID)
            .bind(id.0)
            .fetch_optional(&self.read)
            .await
            .map_err(db_err)?;
        row.as_ref().map(rows::mailbox).transpose()
    }

    async fn mailbox_by_address(&self, address: &EmailAddress) -> StoreResult<Option<Mailbox>> {
        let row = sqlx::query(BY_ADDRESS)
            .bind(address.as_str())
            .fetch_optional(&self.read)
            .await
            .map_err(db_err)?;
        row.as_ref().map(rows::mailbox).transpose()
    }

    async fn mailboxes_of(&self, account: AccountId) -> StoreResult<Vec<Mailbox>> {
        let rows = sqlx::query(OF_ACCOUNT)
            .bind(account.0)
            .fetch_all(&self.read)
            .await
            .map_err(db_err)?;
        rows.iter().map(rows::mailbox).collect()
    }

    /// Shrinking a quota is always allowed, even on an account already over its plan (after a
    /// downgrade) or below what the mailbox holds (no mail is deleted; appends then fail);
    /// growing one must fit.
    async fn set_quota(
        &self,
        id: MailboxId,
        quota_bytes: i64,
        limits: &PlanLimits,
        audit: &AuditEvent,
    ) -> StoreResult<Mailbox> {
        let mut tx = self.write_tx().await?;
        let current = mailbox_in(&mut tx, id).await?.ok_or(StoreError::NotFound)?;
        lock_account(&mut tx, current.account_id).await?;
        if quota_bytes > current.quota_bytes {
            let row = sqlx::query(USED_BY_OTHERS)
                .bind(current.account_id.0)
                .bind(id.0)
                .fetch_one(&mut *tx)
                .await
                .map_err(db_err)?;
            check_storage(limits, rows::get(&row, "used")?, quota_bytes)?;
        }
        let row = sqlx::query(SET_QUOTA)
            .bind(id.0)
            .bind(quota_bytes)
            .fetch_one(&mut *tx)
            .await
            .map_err(db_err)?;
        let mailbox = rows::mailbox(&row)?;
        let mut audit = audit.clone();
        audit.account_id.get_or_insert(mailbox.account_id);
        audit::insert(&mut tx, &audit).await?;
        tx.commit().await.map_err(db_err)?;
        Ok(mailbox)
    }

    /// Locks the mailbox first, so no append or folder creation slips in between the deletes.
    async fn delete_mailbox(
        &self,
        id: MailboxId,
        audit: &AuditEvent,
    ) -> StoreResult<(u64, Vec<BlobId>)> {
        let mut tx = self.write_tx().await?;
        usage::lock(&mut Conn::Borrowed(&mut tx), id).await?;
        let blobs = folders::delete_all(&mut tx, id).await?;
        let sessions = sqlx::query(DELETE_SESSIONS)
            .bind(id.0)
            .execute(&mut *tx)
            .await
            .map_err(db_err)?
            .rows_affected();
        routing::delete_of_mailbox(&mut tx, id).await?;
        for sql in [DELETE_RECOVERY, DELETE_CREDENTIALS] {
            sqlx::query(sql)
                .bind(id.0)
                .execute(&mut *tx)
                .await
                .map_err(db_err)?;
        }
        let deleted = sqlx::query(DELETE)
            .bind(id.0)
            .execute(&mut *tx)
            .await
            .map_err(db_err)?
            .rows_affected();
        if deleted == 0 {
            // Rolls back on drop.
            return Err(StoreError::NotFound);
        }
        audit::insert(&mut tx, audit).await?;
        let orphans = messages::unreferenced(&mut Conn::Borrowed(&mut tx), blobs).await?;
        tx.commit().await.map_err(db_err)?;
        Ok((sessions, orphans))
    }
}

async fn mailbox_in(tx: &mut WriteTx, id: MailboxId) -> StoreResult<Option<Mailbox>> {
    let row = sqlx::query(BY_ID)
        .bind(id.0)
        .fetch_optional(&mut **tx)
        .await
        .map_err(db_err)?;
    row.as_ref().map(rows::mailbox).transpose()
}

/// `LimitReached` unless `used` plus `quota` fits the plan's storage.
fn check_storage(limits: &PlanLimits, used: i64, quota: i64) -> StoreResult<()> {
    let max = limits.max_storage_bytes();
    if used.saturating_add(quota) > max {
        return Err(StoreError::LimitReached(format!(
            "this plan allows {} of storage in total; other mailboxes have {} of it and {} more does not fit",
            size(max),
            size(used),
            size(quota)
        )));
    }
    Ok(())
}

/// Bytes as a person reads them: "10 GB", "512 MB", "1.5 GB".
pub(crate) fn size(bytes: i64) -> String {
    const MB: f64 = 1024.0 * 1024.0;
    const GB: f64 = 1024.0 * MB;
    let b = bytes as f64;
    let (value, unit) = if b >= GB {
        (b / GB, "GB")
    } else if b >= MB {
        (b / MB, "MB")
    } else {
        return format!("{bytes} bytes");
    };
    let text = format!("{value:.1}");
    format!("{} {unit}", text.strip_suffix(".0").unwrap_or(&text))
}

#[cfg(test)]
mod tests {
    use super::size;

    #[test]
    fn sizes_read_well() {
        assert_eq!(size(10 * 1024 * 1024 * 1024), "10 GB");
        assert_eq!(size(1536 * 1024 * 1024), "1.5 GB");
        assert_eq!(size(512 * 1024 * 1024), "512 MB");
        assert_eq!(size(100), "100 bytes");
    }
}
