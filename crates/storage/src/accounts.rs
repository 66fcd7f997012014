//! Accounts and their domains.

use crate::audit;
use crate::dkim_keys;
use crate::error::{conflict, db_err};
use crate::rows;
use crate::sql_store::{SqlStore, WriteTx};
use trekmail_core::audit::AuditEvent;
use trekmail_core::clock::to_micros;
use trekmail_core::domain::{Account, Domain, EmailAddress};
use trekmail_core::ids::{AccountId, DomainId, Principal};
use trekmail_core::store::{AccountStore, NewAccount, NewDkimKey, StoreError, StoreResult};

const INSERT_ACCOUNT: &str =
    "INSERT INTO accounts (owner_email, plan, created_at) VALUES ($1, $2, $3) RETURNING id";
const ACCOUNT_BY_ID: &str =
    "SELECT id, owner_email, plan, time_zone, created_at FROM accounts WHERE id = $1";
const ACCOUNT_BY_EMAIL: &str =
    "SELECT id, owner_email, plan, time_zone, created_at FROM accounts WHERE owner_email = $1";
const ALL_ACCOUNTS: &str =
    "SELECT id, owner_email, plan, time_zone, created_at FROM accounts ORDER BY id";
const SET_TIME_ZONE: &str = "UPDATE accounts SET time_zone = $2 WHERE id = $1";

/// A no-op write that takes the account row's lock, so checks of an account's totals and the
/// write that follows are not interleaved with another transaction doing the same (PostgreSQL
/// runs READ COMMITTED; SQLite already has a single writer). Zero rows: no such account.
pub(crate) const LOCK_ACCOUNT: &str = "UPDATE accounts SET plan = plan WHERE id = $1";

const COUNT_DOMAINS: &str = "SELECT COUNT(*) AS n FROM domains WHERE account_id = $1";
const INSERT_DOMAIN: &str =
    "INSERT INTO domains (account_id, name, created_at) VALUES ($1, $2, $3) RETURNING id";
const DOMAINS_OF: &str = "SELECT id, account_id, name, catch_all_mailbox_id, created_at \
     FROM domains WHERE account_id = $1 ORDER BY name";
const DOMAIN_BY_NAME: &str = "SELECT id, account_id, name, catch_all_mailbox_id, created_at \
     FROM domains WHERE name = $1";
const DOMAIN_BY_ID: &str = "SELECT id, account_id, name, catch_all_mailbox_id, created_at \
     FROM domains WHERE id = $1";
const ADDRESSES_ON: &str = "SELECT COUNT(*) AS n FROM addresses WHERE domain_id = $1";
const MAILBOXES_ON: &str = "SELECT COUNT(*) AS n FROM mailboxes WHERE domain_id = $1";
const DELETE_DOMAIN: &str = "DELETE FROM domains WHERE id = $1";

/// First credentials of a new account owner or mailbox.
pub(crate) const INSERT_CREDENTIALS: &str =
    "INSERT INTO credentials (owner_kind, owner_id, password_hash, epoch) VALUES ($1, $2, $3, 1)";

/// Locks the account for the rest of `tx`; `NotFound` if it does not exist.
pub(crate) async fn lock_account(tx: &mut WriteTx, account: AccountId) -> StoreResult<()> {
    let done = sqlx::query(LOCK_ACCOUNT)
        .bind(account.0)
        .execute(&mut **tx)
        .await
        .map_err(db_err)?;
    if done.rows_affected() == 0 {
        return Err(StoreError::NotFound);
    }
    Ok(())
}

/// Inserts a principal's first credentials (epoch 1).
pub(crate) async fn insert_credentials(
    tx: &mut WriteTx,
    who: Principal,
    password_hash: &str,
) -> StoreResult<()> {
    let (kind, id) = who.parts();
    sqlx::query(INSERT_CREDENTIALS)
        .bind(kind)
        .bind(id)
        .bind(password_hash)
        .execute(&mut **tx)
        .await
        .map_err(conflict(|| format!("{who} has credentials already")))?;
    Ok(())
}

#[async_trait::async_trait]
impl AccountStore for SqlStore {
    /// The audit event cannot know the new id; an event without account or principal gets
    /// the new account's.
    async fn create_account(&self, new: &NewAccount, audit: &AuditEvent) -> StoreResult<Account> {
        let mut tx = self.write_tx().await?;
        let row = sqlx::query(INSERT_ACCOUNT)
            .bind(new.owner_email.as_str())
            .bind(new.plan.as_str())
            .bind(to_micros(new.created_at))
            .fetch_one(&mut *tx)
            .await
            .map_err(conflict(|| {
                format!("an account for {} exists already", new.owner_email)
            }))?;
        let id = AccountId(rows::get(&row, "id")?);
        insert_credentials(&mut tx, Principal::Account(id), &new.password_hash).await?;
        let mut audit = audit.clone();
        audit.account_id.get_or_insert(id);
        audit.principal.get_or_insert(Principal::Account(id));
        audit::insert(&mut tx, &audit).await?;
        tx.commit().await.map_err(db_err)?;
        Ok(Account {
            id,
            owner_email: new.owner_email.clone(),
            plan: new.plan,
            time_zone: chrono_tz::UTC,
            created_at: new.created_at,
        })
    }

    async fn set_time_zone(
        &self,
        id: AccountId,
        zone: chrono_tz::Tz,
        audit: &AuditEvent,
    ) -> StoreResult<()> {
        let mut tx = self.write_tx().await?;
        let done = sqlx::query(SET_TIME_ZONE)
            .bind(id.0)
            .bind(zone.name())
            .execute(&mut *tx)
            .await
            .map_err(db_err)?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound);
        }
        audit::insert(&mut tx, audit).await?;
        tx.commit().await.map_err(db_err)
    }

    async fn account(&self, id: AccountId) -> StoreResult<Option<Account>> {
        let row = sqlx::query(ACCOUNT_BY_ID)
            .bind(id.0)
            .fetch_optional(&self.read)
            .await
            .map_err(db_err)?;
        row.as_ref().map(rows::account).transpose()
    }

    async fn account_by_email(&self, email: &EmailAddress) -> StoreResult<Option<Account>> {
        let row = sqlx::query(ACCOUNT_BY_EMAIL)
            .bind(email.as_str())
            .fetch_optional(&self.read)
            .await
            .map_err(db_err)?;
        row.as_ref().map(rows::account).transpose()
    }

    async fn accounts(&self) -> StoreResult<Vec<Account>> {
        let rows = sqlx::query(ALL_ACCOUNTS)
            .fetch_all(&self.read)
            .await
            .map_err(db_err)?;
        rows.iter().map(rows::account).collect()
    }

    /// Domain names are stored lower-case, as DNS compares them.
    async fn add_domain(
        &self,
        account: AccountId,
        name: &str,
        max_domains: u32,
        keys: &[NewDkimKey],
        audit: &AuditEvent,
    ) -> StoreResult<Domain> {
        let name = name.trim().to_ascii_lowercase();
        let created_at = audit.at;
        let mut tx = self.write_tx().await?;
        lock_account(&mut tx, account).await?;
        let row = sqlx::query(COUNT_DOMAINS)
            .bind(account.0)
            .fetch_one(&mut *tx)
            .await
            .map_err(db_err)?;
        let count: i64 = rows::get(&row, "n")?;
        if count >= i64::from(max_domains) {
            return Err(StoreError::LimitReached(format!(
                "this plan allows {max_domains} domain(s)"
            )));
        }
        let row = sqlx::query(INSERT_DOMAIN)
            .bind(account.0)
            .bind(name.as_str())
            .bind(to_micros(created_at))
            .fetch_one(&mut *tx)
            .await
            .map_err(conflict(|| format!("{name} is hosted already")))?;
        let id = DomainId(rows::get(&row, "id")?);
        dkim_keys::insert(&mut tx, id, keys, created_at).await?;
        let mut audit = audit.clone();
        audit.account_id.get_or_insert(account);
        audit::insert(&mut tx, &audit).await?;
        tx.commit().await.map_err(db_err)?;
        Ok(Domain {
            id,
            account_id: account,
            name,
            catch_all: None,
            created_at,
        })
    }

    async fn domains_of(&self, account: AccountId) -> StoreResult<Vec<Domain>> {
        let rows = sqlx::query(DOMAINS_OF)
            .bind(account.0)
            .fetch_all(&self.read)
            .await
            .map_err(db_err)?;
        rows.iter().map(rows::domain).collect()
    }

    async fn domain_by_name(&self, name: &str) -> StoreResult<Option<Domain>> {
        let name = name.trim().to_ascii_lowercase();
        let row = sqlx::query(DOMAIN_BY_NAME)
            .bind(name)
            .fetch_optional(&self.read)
            .await
            .map_err(db_err)?;
        row.as_ref().map(rows::domain).transpose()
    }

    async fn domain(&self, id: DomainId) -> StoreResult<Option<Domain>> {
        let row = sqlx::query(DOMAIN_BY_ID)
            .bind(id.0)
            .fetch_optional(&self.read)
            .await
            .map_err(db_err)?;
        row.as_ref().map(rows::domain).transpose()
    }

    async fn remove_domain(&self, id: DomainId, audit: &AuditEvent) -> StoreResult<()> {
        let mut tx = self.write_tx().await?;
        let row = sqlx::query(DOMAIN_BY_ID)
            .bind(id.0)
            .fetch_optional(&mut *tx)
            .await
            .map_err(db_err)?;
        let domain = row
            .as_ref()
            .map(rows::domain)
            .transpose()?
            .ok_or(StoreError::NotFound)?;
        lock_account(&mut tx, domain.account_id).await?;
        let mut in_use = 0;
        for count in [ADDRESSES_ON, MAILBOXES_ON] {
            let row = sqlx::query(count)
                .bind(id.0)
                .fetch_one(&mut *tx)
                .await
                .map_err(db_err)?;
            in_use += rows::get::<i64>(&row, "n")?;
        }
        if in_use > 0 {
            return Err(StoreError::Conflict(format!(
                "{} still has mailboxes or aliases: remove them first",
                domain.name
            )));
        }
        for delete in [dkim_keys::DELETE_ALL, DELETE_DOMAIN] {
            sqlx::query(delete)
                .bind(id.0)
                .execute(&mut *tx)
                .await
                .map_err(db_err)?;
        }
        let mut audit = audit.clone();
        audit.account_id.get_or_insert(domain.account_id);
        audit::insert(&mut tx, &audit).await?;
        tx.commit().await.map_err(db_err)
    }
}
