//! Where mail for an address goes: the table of hosted addresses (mailboxes' own and their
//! aliases), each domain's catch-all, a mailbox's routing settings, its forwards and its
//! sender lists.

use crate::accounts::lock_account;
use crate::audit;
use crate::conn::Conn;
use crate::error::{conflict, db_err};
use crate::sql_store::{SqlStore, WriteTx};
use crate::{rows, usage};
use chrono::{DateTime, NaiveDate, Utc};
use sqlx::AnyConnection;
use sqlx::any::AnyRow;
use trekmail_core::audit::AuditEvent;
use trekmail_core::clock::{from_micros, to_micros};
use trekmail_core::domain::{EmailAddress, Mailbox, PlanLimits};
use trekmail_core::ids::{AccountId, AliasId, DomainId, ForwardId, MailboxId, SenderFilterId};
use trekmail_core::routing::{
    Alias, AutoReply, BlockedMail, FilterList, Forward, MailboxRouting, SenderFilter,
    SenderPattern, Subaddressing,
};
use trekmail_core::store::{
    MailboxRules, NewAlias, NewSenderFilter, RoutingStore, StoreError, StoreResult,
};

const MAILBOX_FOR_ADDRESS: &str = "SELECT m.id, m.account_id, m.domain_id, m.address, \
     m.display_name, m.quota_bytes, m.used_bytes, m.created_at \
     FROM addresses a JOIN mailboxes m ON m.id = a.mailbox_id WHERE a.address = $1";
const CATCH_ALL_OF: &str = "SELECT m.id, m.account_id, m.domain_id, m.address, \
     m.display_name, m.quota_bytes, m.used_bytes, m.created_at \
     FROM domains d JOIN mailboxes m ON m.id = d.catch_all_mailbox_id WHERE d.name = $1";
const INSERT_ADDRESS: &str = "INSERT INTO addresses \
     (address, mailbox_id, account_id, domain_id, is_alias, created_at) \
     VALUES ($1, $2, $3, $4, $5, $6) RETURNING id";
const ALIASES_OF: &str = "SELECT id, mailbox_id, address, created_at FROM addresses \
     WHERE mailbox_id = $1 AND is_alias = 1 ORDER BY address";
const COUNT_ALIASES: &str =
    "SELECT COUNT(*) AS n FROM addresses WHERE account_id = $1 AND is_alias = 1";
const OWNER_OF_MAILBOX: &str = "SELECT account_id FROM mailboxes WHERE id = $1";
const OWNER_OF_DOMAIN: &str = "SELECT account_id FROM domains WHERE id = $1";
const REMOVE_ALIAS: &str = "DELETE FROM addresses WHERE id = $1 AND mailbox_id = $2 \
     AND is_alias = 1 RETURNING id, mailbox_id, address, created_at";
const SET_CATCH_ALL: &str = "UPDATE domains SET catch_all_mailbox_id = $2 WHERE id = $1 \
     AND account_id = (SELECT account_id FROM mailboxes WHERE id = $2)";
const CLEAR_CATCH_ALL: &str = "UPDATE domains SET catch_all_mailbox_id = NULL WHERE id = $1";
const ROUTING: &str = "SELECT subaddressing, blocked_mail, keep_copy FROM mailbox_routing \
     WHERE mailbox_id = $1";
const SET_KEEP_COPY: &str = "INSERT INTO mailbox_routing (mailbox_id, keep_copy) \
     VALUES ($1, $2) ON CONFLICT (mailbox_id) DO UPDATE SET keep_copy = excluded.keep_copy";
const FORWARDS_OF: &str = "SELECT id, destination, created_at FROM forwards \
     WHERE mailbox_id = $1 ORDER BY destination";
const COUNT_FORWARDS: &str = "SELECT COUNT(*) AS n FROM forwards WHERE mailbox_id = $1";
const INSERT_FORWARD: &str = "INSERT INTO forwards (mailbox_id, destination, created_at) \
     VALUES ($1, $2, $3) RETURNING id";
const REMOVE_FORWARD: &str = "DELETE FROM forwards WHERE id = $1 AND mailbox_id = $2 \
     RETURNING id, destination, created_at";
const SET_SUBADDRESSING: &str = "INSERT INTO mailbox_routing (mailbox_id, subaddressing) \
     VALUES ($1, $2) ON CONFLICT (mailbox_id) DO UPDATE SET subaddressing = excluded.subaddressing";
const SET_BLOCKED_MAIL: &str = "INSERT INTO mailbox_routing (mailbox_id, blocked_mail) \
     VALUES ($1, $2) ON CONFLICT (mailbox_id) DO UPDATE SET blocked_mail = excluded.blocked_mail";
const FILTERS_OF: &str = "SELECT id, list, pattern, created_at FROM sender_filters \
     WHERE mailbox_id = $1 ORDER BY pattern";
const COUNT_FILTERS: &str = "SELECT COUNT(*) AS n FROM sender_filters WHERE mailbox_id = $1";
const INSERT_FILTER: &str = "INSERT INTO sender_filters (mailbox_id, list, pattern, created_at) \
     VALUES ($1, $2, $3, $4) RETURNING id";
const REMOVE_FILTER: &str = "DELETE FROM sender_filters WHERE id = $1 AND mailbox_id = $2 \
     RETURNING id, list, pattern, created_at";
const AUTO_REPLY: &str = "SELECT enabled, subject, body, starts_on, ends_on, interval_days, \
     updated_at FROM auto_replies WHERE mailbox_id = $1";
const SET_AUTO_REPLY: &str = "INSERT INTO auto_replies \
     (mailbox_id, enabled, subject, body, starts_on, ends_on, interval_days, updated_at) \
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (mailbox_id) DO UPDATE SET \
     enabled = excluded.enabled, subject = excluded.subject, body = excluded.body, \
     starts_on = excluded.starts_on, ends_on = excluded.ends_on, \
     interval_days = excluded.interval_days, updated_at = excluded.updated_at";
/// The tab's own answers only: a Sieve vacation's memory is its own.
const FORGET_REPLIED: &str = "DELETE FROM auto_reply_sent WHERE mailbox_id = $1 AND handle = ''";
/// Inserts, or moves an old answer's time to now; a recent one stays and nothing changes.
const CLAIM_REPLY: &str = "INSERT INTO auto_reply_sent (mailbox_id, handle, sender, sent_at) \
     VALUES ($1, $2, $3, $4) ON CONFLICT (mailbox_id, handle, sender) \
     DO UPDATE SET sent_at = excluded.sent_at WHERE auto_reply_sent.sent_at <= $5";
/// Patterns one look-up compares: a message's senders fill a few (an address and its domains).
const MATCH_SLOTS: usize = 8;
const MATCHING: &str = "SELECT DISTINCT list FROM sender_filters WHERE mailbox_id = $1 \
     AND pattern IN ($2, $3, $4, $5, $6, $7, $8, $9)";
/// A mailbox's rules for one message in one statement: each row names its kind, the columns
/// hold what that kind needs (typed in the first branch, as PostgreSQL's UNION asks). The patterns fill the same slots as [`MATCHING`]'s.
const RULES: &str = "\
     SELECT 'list' AS kind, list AS t1, CAST(NULL AS TEXT) AS t2, CAST(NULL AS TEXT) AS t3, \
            CAST(NULL AS TEXT) AS t4, CAST(NULL AS BIGINT) AS n1, CAST(NULL AS BIGINT) AS n2, \
            CAST(NULL AS BIGINT) AS n3 \
       FROM sender_filters WHERE mailbox_id = $1 \
        AND pattern IN ($2, $3, $4, $5, $6, $7, $8, $9) \
     UNION ALL \
     SELECT 'forward', destination, NULL, NULL, NULL, NULL, NULL, NULL \
       FROM forwards WHERE mailbox_id = $1 \
     UNION ALL \
     SELECT 'routing', subaddressing, blocked_mail, NULL, NULL, keep_copy, NULL, NULL \
       FROM mailbox_routing WHERE mailbox_id = $1 \
     UNION ALL \
     SELECT 'reply', subject, body, starts_on, ends_on, enabled, interval_days, updated_at \
       FROM auto_replies WHERE mailbox_id = $1 \
     UNION ALL \
     SELECT 'sieve', source, NULL, NULL, NULL, NULL, NULL, NULL \
       FROM sieve_scripts WHERE mailbox_id = $1 AND active = 1";
/// What deleting a mailbox removes of its routing, before the mailbox row.
const DELETE_OF_MAILBOX: [&str; 8] = [
    "UPDATE domains SET catch_all_mailbox_id = NULL WHERE catch_all_mailbox_id = $1",
    "DELETE FROM addresses WHERE mailbox_id = $1",
    "DELETE FROM mailbox_routing WHERE mailbox_id = $1",
    "DELETE FROM sender_filters WHERE mailbox_id = $1",
    "DELETE FROM forwards WHERE mailbox_id = $1",
    "DELETE FROM auto_replies WHERE mailbox_id = $1",
    "DELETE FROM auto_reply_sent WHERE mailbox_id = $1",
    "DELETE FROM sieve_scripts WHERE mailbox_id = $1",
];

/// Claims a new mailbox's own address in the table of hosted addresses; `Conflict` if an
/// alias has it.
pub(crate) async fn claim_own_address(tx: &mut WriteTx, mailbox: &Mailbox) -> StoreResult<()> {
    sqlx::query(INSERT_ADDRESS)
        .bind(mailbox.address.as_str())
        .bind(mailbox.id.0)
        .bind(mailbox.account_id.0)
        .bind(mailbox.domain_id.0)
        .bind(0_i64)
        .bind(to_micros(mailbox.created_at))
        .fetch_one(&mut **tx)
        .await
        .map_err(conflict(|| {
            format!("{} is in use already", mailbox.address)
        }))?;
    Ok(())
}

/// Removes a mailbox's addresses, settings, lists and catch-alls, ahead of the mailbox.
pub(crate) async fn delete_of_mailbox(conn: &mut AnyConnection, id: MailboxId) -> StoreResult<()> {
    for sql in DELETE_OF_MAILBOX {
        sqlx::query(sql)
            .bind(id.0)
            .execute(&mut *conn)
            .await
            .map_err(db_err)?;
    }
    Ok(())
}

/// A time as a read gives it back: microseconds.
fn as_stored(at: DateTime<Utc>) -> DateTime<Utc> {
    from_micros(to_micros(at))
}

fn alias(row: &AnyRow) -> StoreResult<Alias> {
    Ok(Alias {
        id: AliasId(rows::get(row, "id")?),
        mailbox_id: MailboxId(rows::get(row, "mailbox_id")?),
        address: stored_address(&rows::get::<String>(row, "address")?)?,
        created_at: from_micros(rows::get(row, "created_at")?),
    })
}

fn stored_address(text: &str) -> StoreResult<EmailAddress> {
    EmailAddress::parse(text)
        .map_err(|_| StoreError::Backend(format!("invalid stored address: {text:?}")))
}

fn forward(row: &AnyRow) -> StoreResult<Forward> {
    Ok(Forward {
        id: ForwardId(rows::get(row, "id")?),
        destination: stored_address(&rows::get::<String>(row, "destination")?)?,
        created_at: from_micros(rows::get(row, "created_at")?),
    })
}

/// A mailbox's settings from the columns named (subaddressing, blocked mail, keep a copy).
fn routing_of(row: &AnyRow, [sub, blocked, keep]: [&str; 3]) -> StoreResult<MailboxRouting> {
    let stored = |column: &str| rows::get::<String>(row, column);
    let invalid = |e: String| StoreError::Backend(format!("invalid stored setting: {e}"));
    Ok(MailboxRouting {
        subaddressing: stored(sub)?.parse::<Subaddressing>().map_err(invalid)?,
        blocked: stored(blocked)?.parse::<BlockedMail>().map_err(invalid)?,
        keep_copy: rows::get::<i64>(row, keep)? != 0,
    })
}

/// The columns an auto-reply is read from: enabled, subject, text, start, end, interval,
/// updated.
type ReplyColumns = [&'static str; 7];
const REPLY_COLUMNS: ReplyColumns = [
    "enabled",
    "subject",
    "body",
    "starts_on",
    "ends_on",
    "interval_days",
    "updated_at",
];
const REPLY_IN_RULES: ReplyColumns = ["n1", "t1", "t2", "t3", "t4", "n2", "n3"];

fn auto_reply_of(row: &AnyRow, columns: ReplyColumns) -> StoreResult<AutoReply> {
    let [enabled, subject, text, starts, ends, interval, updated] = columns;
    let days: i64 = rows::get(row, interval)?;
    Ok(AutoReply {
        enabled: rows::get::<i64>(row, enabled)? != 0,
        subject: rows::get(row, subject)?,
        text: rows::get(row, text)?,
        starts_on: date(row, starts)?,
        ends_on: date(row, ends)?,
        interval_days: u32::try_from(days)
            .map_err(|_| StoreError::Backend(format!("invalid stored interval: {days}")))?,
        updated_at: from_micros(rows::get(row, updated)?),
    })
}

fn date(row: &AnyRow, column: &str) -> StoreResult<Option<NaiveDate>> {
    let text: Option<String> = rows::get(row, column)?;
    text.map(|t| {
        t.parse::<NaiveDate>()
            .map_err(|_| StoreError::Backend(format!("invalid stored {column}: {t:?}")))
    })
    .transpose()
}

fn filter_list(text: &str) -> StoreResult<FilterList> {
    FilterList::parse(text)
        .ok_or_else(|| StoreError::Backend(format!("invalid stored sender list: {text:?}")))
}

fn sender_filter(row: &AnyRow) -> StoreResult<SenderFilter> {
    Ok(SenderFilter {
        id: SenderFilterId(rows::get(row, "id")?),
        list: filter_list(&rows::get::<String>(row, "list")?)?,
        pattern: SenderPattern::from_stored(rows::get(row, "pattern")?),
        created_at: from_micros(rows::get(row, "created_at")?),
    })
}

/// The account a row of `sql` (by id) belongs to, if there is one.
async fn account_of(
    tx: &mut WriteTx,
    sql: &'static str,
    id: i64,
) -> StoreResult<Option<AccountId>> {
    let row = sqlx::query(sql)
        .bind(id)
        .fetch_optional(&mut **tx)
        .await
        .map_err(db_err)?;
    row.as_ref()
        .map(|r| rows::get::<i64>(r, "account_id").map(AccountId))
        .transpose()
}

async fn count(tx: &mut WriteTx, sql: &'static str, id: i64) -> StoreResult<i64> {
    let row = sqlx::query(sql)
        .bind(id)
        .fetch_one(&mut **tx)
        .await
        .map_err(db_err)?;
    rows::get(&row, "n")
}

impl SqlStore {
    async fn mailbox_where(&self, sql: &'static str, key: &str) -> StoreResult<Option<Mailbox>> {
        let row = sqlx::query(sql)
            .bind(key)
            .fetch_optional(&self.read)
            .await
            .map_err(db_err)?;
        row.as_ref().map(rows::mailbox).transpose()
    }

    /// The mailbox's rows of one kind.
    async fn all_of<T>(
        &self,
        sql: &'static str,
        mailbox: MailboxId,
        decode: fn(&AnyRow) -> StoreResult<T>,
    ) -> StoreResult<Vec<T>> {
        let rows = sqlx::query(sql)
            .bind(mailbox.0)
            .fetch_all(&self.read)
            .await
            .map_err(db_err)?;
        rows.iter().map(decode).collect()
    }

    /// Deletes one of the mailbox's rows (`sql` takes its id, then the mailbox, and returns
    /// it) with its audit record; `NotFound` if the mailbox has no such row.
    async fn remove_one<T>(
        &self,
        sql: &'static str,
        mailbox: MailboxId,
        id: i64,
        audit: &AuditEvent,
        decode: fn(&AnyRow) -> StoreResult<T>,
    ) -> StoreResult<T> {
        let mut tx = self.write_tx().await?;
        let row = sqlx::query(sql)
            .bind(id)
            .bind(mailbox.0)
            .fetch_optional(&mut *tx)
            .await
            .map_err(db_err)?
            .ok_or(StoreError::NotFound)?;
        let removed = decode(&row)?;
        audit::insert(&mut tx, audit).await?;
        tx.commit().await.map_err(db_err)?;
        Ok(removed)
    }

    /// Writes one setting of a mailbox with its audit record.
    async fn set_setting(
        &self,
        sql: &'static str,
        mailbox: MailboxId,
        value: &str,
        audit: &AuditEvent,
    ) -> StoreResult<()> {
        let mut tx = self.write_tx().await?;
        sqlx::query(sql)
            .bind(mailbox.0)
            .bind(value)
            .execute(&mut *tx)
            .await
            .map_err(conflict(String::new))?;
        audit::insert(&mut tx, audit).await?;
        tx.commit().await.map_err(db_err)
    }
}

#[async_trait::async_trait]
impl RoutingStore for SqlStore {
    async fn mailbox_for_address(&self, address: &EmailAddress) -> StoreResult<Option<Mailbox>> {
        self.mailbox_where(MAILBOX_FOR_ADDRESS, address.as_str())
            .await
    }

    async fn catch_all_of(&self, domain: &str) -> StoreResult<Option<Mailbox>> {
        self.mailbox_where(CATCH_ALL_OF, domain).await
    }

    async fn set_catch_all(
        &self,
        domain: DomainId,
        mailbox: Option<MailboxId>,
        audit: &AuditEvent,
    ) -> StoreResult<()> {
        let mut tx = self.write_tx().await?;
        let query = match mailbox {
            Some(m) => sqlx::query(SET_CATCH_ALL).bind(domain.0).bind(m.0),
            None => sqlx::query(CLEAR_CATCH_ALL).bind(domain.0),
        };
        let done = query.execute(&mut *tx).await.map_err(db_err)?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound);
        }
        audit::insert(&mut tx, audit).await?;
        tx.commit().await.map_err(db_err)
    }

    async fn aliases_of(&self, mailbox: MailboxId) -> StoreResult<Vec<Alias>> {
        self.all_of(ALIASES_OF, mailbox, alias).await
    }

    async fn add_alias(
        &self,
        new: &NewAlias,
        limits: &PlanLimits,
        audit: &AuditEvent,
    ) -> StoreResult<Alias> {
        let mut tx = self.write_tx().await?;
        lock_account(&mut tx, new.account_id).await?;
        let mailbox_owner = account_of(&mut tx, OWNER_OF_MAILBOX, new.mailbox_id.0).await?;
        let domain_owner = account_of(&mut tx, OWNER_OF_DOMAIN, new.domain_id.0).await?;
        if mailbox_owner != Some(new.account_id) || domain_owner != Some(new.account_id) {
            return Err(StoreError::NotFound);
        }
        if count(&mut tx, COUNT_ALIASES, new.account_id.0).await? >= i64::from(limits.max_aliases) {
            return Err(StoreError::LimitReached(format!(
                "this plan allows {} alias(es) in all",
                limits.max_aliases
            )));
        }
        let row = sqlx::query(INSERT_ADDRESS)
            .bind(new.address.as_str())
            .bind(new.mailbox_id.0)
            .bind(new.account_id.0)
            .bind(new.domain_id.0)
            .bind(1_i64)
            .bind(to_micros(new.created_at))
            .fetch_one(&mut *tx)
            .await
            .map_err(conflict(|| format!("{} is in use already", new.address)))?;
        let id = AliasId(rows::get(&row, "id")?);
        audit::insert(&mut tx, audit).await?;
        tx.commit().await.map_err(db_err)?;
        Ok(Alias {
            id,
            mailbox_id: new.mailbox_id,
            address: new.address.clone(),
            created_at: as_stored(new.created_at),
        })
    }

    async fn remove_alias(
        &self,
        mailbox: MailboxId,
        id: AliasId,
        audit: &AuditEvent,
    ) -> StoreResult<Alias> {
        self.remove_one(REMOVE_ALIAS, mailbox, id.0, audit, alias)
            .await
    }

    async fn routing(&self, mailbox: MailboxId) -> StoreResult<MailboxRouting> {
        let row = sqlx::query(ROUTING)
            .bind(mailbox.0)
            .fetch_optional(&self.read)
            .await
            .map_err(db_err)?;
        match row {
            Some(row) => routing_of(&row, ["subaddressing", "blocked_mail", "keep_copy"]),
            None => Ok(MailboxRouting::default()),
        }
    }

    async fn rules_for(
        &self,
        mailbox: MailboxId,
        patterns: &[String],
    ) -> StoreResult<MailboxRules> {
        let mut chunks = patterns.chunks(MATCH_SLOTS);
        let first = chunks.next().unwrap_or_default();
        let mut query = sqlx::query(RULES).bind(mailbox.0);
        for slot in 0..MATCH_SLOTS {
            query = query.bind(first.get(slot).map_or("", String::as_str));
        }
        let mut rules = MailboxRules {
            lists: Vec::new(),
            routing: MailboxRouting::default(),
            auto_reply: None,
            forwards: Vec::new(),
            sieve: None,
        };
        for row in query.fetch_all(&self.read).await.map_err(db_err)? {
            let kind: String = rows::get(&row, "kind")?;
            match kind.as_str() {
                "list" => rules
                    .lists
                    .push(filter_list(&rows::get::<String>(&row, "t1")?)?),
                "forward" => rules
                    .forwards
                    .push(stored_address(&rows::get::<String>(&row, "t1")?)?),
                "routing" => rules.routing = routing_of(&row, ["t1", "t2", "n1"])?,
                "sieve" => rules.sieve = Some(rows::get(&row, "t1")?),
                _ => rules.auto_reply = Some(auto_reply_of(&row, REPLY_IN_RULES)?),
            }
        }
        // More senders than one statement's slots: the rest in look-ups of their own.
        let rest: Vec<String> = chunks.flatten().cloned().collect();
        if !rest.is_empty() {
            rules
                .lists
                .extend(self.filter_lists_matching(mailbox, &rest).await?);
        }
        Ok(rules)
    }

    async fn set_subaddressing(
        &self,
        mailbox: MailboxId,
        subaddressing: Subaddressing,
        audit: &AuditEvent,
    ) -> StoreResult<()> {
        self.set_setting(SET_SUBADDRESSING, mailbox, subaddressing.as_str(), audit)
            .await
    }

    async fn set_blocked_mail(
        &self,
        mailbox: MailboxId,
        blocked: BlockedMail,
        audit: &AuditEvent,
    ) -> StoreResult<()> {
        self.set_setting(SET_BLOCKED_MAIL, mailbox, blocked.as_str(), audit)
            .await
    }

    async fn set_keep_copy(
        &self,
        mailbox: MailboxId,
        keep_copy: bool,
        audit: &AuditEvent,
    ) -> StoreResult<()> {
        let mut tx = self.write_tx().await?;
        sqlx::query(SET_KEEP_COPY)
            .bind(mailbox.0)
            .bind(i64::from(keep_copy))
            .execute(&mut *tx)
            .await
            .map_err(conflict(String::new))?;
        audit::insert(&mut tx, audit).await?;
        tx.commit().await.map_err(db_err)
    }

    async fn forwards_of(&self, mailbox: MailboxId) -> StoreResult<Vec<Forward>> {
        self.all_of(FORWARDS_OF, mailbox, forward).await
    }

    /// Locks the mailbox, so the count and the insert are not interleaved with another add.
    async fn add_forward(
        &self,
        mailbox: MailboxId,
        destination: &EmailAddress,
        at: DateTime<Utc>,
        max: u32,
        audit: &AuditEvent,
    ) -> StoreResult<Forward> {
        let mut tx = self.write_tx().await?;
        usage::lock(&mut Conn::Borrowed(&mut tx), mailbox).await?;
        if count(&mut tx, COUNT_FORWARDS, mailbox.0).await? >= i64::from(max) {
            return Err(StoreError::LimitReached(format!(
                "a mailbox forwards to at most {max} addresses"
            )));
        }
        let row = sqlx::query(INSERT_FORWARD)
            .bind(mailbox.0)
            .bind(destination.as_str())
            .bind(to_micros(at))
            .fetch_one(&mut *tx)
            .await
            .map_err(conflict(|| {
                format!("mail is forwarded to {destination} already")
            }))?;
        let id = ForwardId(rows::get(&row, "id")?);
        audit::insert(&mut tx, audit).await?;
        tx.commit().await.map_err(db_err)?;
        Ok(Forward {
            id,
            destination: destination.clone(),
            created_at: as_stored(at),
        })
    }

    async fn remove_forward(
        &self,
        mailbox: MailboxId,
        id: ForwardId,
        audit: &AuditEvent,
    ) -> StoreResult<Forward> {
        self.remove_one(REMOVE_FORWARD, mailbox, id.0, audit, forward)
            .await
    }

    async fn auto_reply(&self, mailbox: MailboxId) -> StoreResult<Option<AutoReply>> {
        let row = sqlx::query(AUTO_REPLY)
            .bind(mailbox.0)
            .fetch_optional(&self.read)
            .await
            .map_err(db_err)?;
        row.as_ref()
            .map(|r| auto_reply_of(r, REPLY_COLUMNS))
            .transpose()
    }

    async fn set_auto_reply(
        &self,
        mailbox: MailboxId,
        reply: &AutoReply,
        audit: &AuditEvent,
    ) -> StoreResult<()> {
        let mut tx = self.write_tx().await?;
        sqlx::query(SET_AUTO_REPLY)
            .bind(mailbox.0)
            .bind(i64::from(reply.enabled))
            .bind(reply.subject.as_str())
            .bind(reply.text.as_str())
            .bind(reply.starts_on.map(|d| d.to_string()))
            .bind(reply.ends_on.map(|d| d.to_string()))
            .bind(i64::from(reply.interval_days))
            .bind(to_micros(reply.updated_at))
            .execute(&mut *tx)
            .await
            .map_err(conflict(String::new))?;
        sqlx::query(FORGET_REPLIED)
            .bind(mailbox.0)
            .execute(&mut *tx)
            .await
            .map_err(db_err)?;
        audit::insert(&mut tx, audit).await?;
        tx.commit().await.map_err(db_err)
    }

    async fn claim_auto_reply(
        &self,
        mailbox: MailboxId,
        handle: &str,
        sender: &str,
        now: DateTime<Utc>,
        since: DateTime<Utc>,
    ) -> StoreResult<bool> {
        let mut tx = self.write_tx().await?;
        let done = sqlx::query(CLAIM_REPLY)
            .bind(mailbox.0)
            .bind(handle)
            .bind(sender.to_ascii_lowercase())
            .bind(to_micros(now))
            .bind(to_micros(since))
            .execute(&mut *tx)
            .await
            .map_err(conflict(String::new))?;
        tx.commit().await.map_err(db_err)?;
        Ok(done.rows_affected() == 1)
    }

    async fn sender_filters(&self, mailbox: MailboxId) -> StoreResult<Vec<SenderFilter>> {
        self.all_of(FILTERS_OF, mailbox, sender_filter).await
    }

    /// Locks the mailbox, so the count and the insert are not interleaved with another add.
    async fn add_sender_filter(
        &self,
        new: &NewSenderFilter,
        max: u32,
        audit: &AuditEvent,
    ) -> StoreResult<SenderFilter> {
        let mut tx = self.write_tx().await?;
        usage::lock(&mut Conn::Borrowed(&mut tx), new.mailbox_id).await?;
        if count(&mut tx, COUNT_FILTERS, new.mailbox_id.0).await? >= i64::from(max) {
            return Err(StoreError::LimitReached(format!(
                "a mailbox has at most {max} allowed and blocked senders"
            )));
        }
        let row = sqlx::query(INSERT_FILTER)
            .bind(new.mailbox_id.0)
            .bind(new.list.as_str())
            .bind(new.pattern.as_str())
            .bind(to_micros(new.created_at))
            .fetch_one(&mut *tx)
            .await
            .map_err(conflict(|| {
                format!("{} is on the lists already", new.pattern)
            }))?;
        let id = SenderFilterId(rows::get(&row, "id")?);
        audit::insert(&mut tx, audit).await?;
        tx.commit().await.map_err(db_err)?;
        Ok(SenderFilter {
            id,
            list: new.list,
            pattern: new.pattern.clone(),
            created_at: as_stored(new.created_at),
        })
    }

    async fn remove_sender_filter(
        &self,
        mailbox: MailboxId,
        id: SenderFilterId,
        audit: &AuditEvent,
    ) -> StoreResult<SenderFilter> {
        self.remove_one(REMOVE_FILTER, mailbox, id.0, audit, sender_filter)
            .await
    }

    async fn filter_lists_matching(
        &self,
        mailbox: MailboxId,
        patterns: &[String],
    ) -> StoreResult<Vec<FilterList>> {
        let mut lists = Vec::new();
        for chunk in patterns.chunks(MATCH_SLOTS) {
            let mut query = sqlx::query(MATCHING).bind(mailbox.0);
            for slot in 0..MATCH_SLOTS {
                // An unused slot binds the empty string, which no stored pattern is.
                query = query.bind(chunk.get(slot).map_or("", String::as_str));
            }
            for row in query.fetch_all(&self.read).await.map_err(db_err)? {
                lists.push(filter_list(&rows::get::<String>(&row, "list")?)?);
            }
        }
        Ok(lists)
    }
}
