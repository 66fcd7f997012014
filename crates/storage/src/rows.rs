//! Row → domain decoding. A stored value the domain rejects (an unknown plan, a malformed
//! address) is reported as a `Backend` error naming the column, never a panic.

use crate::error::db_err;
use chrono::{DateTime, Utc};
use sqlx::any::AnyRow;
use sqlx::{Any, Decode, Row, Type};
use std::net::IpAddr;
use trekmail_core::audit::{AuditEvent, AuditKind, Channel};
use trekmail_core::clock::from_micros;
use trekmail_core::domain::{Account, Brand, Domain, EmailAddress, Mailbox, Plan};
use trekmail_core::ids::{AccountId, DomainId, MailboxId, NodeId, Principal, SessionId};
use trekmail_core::mail::{BlobId, Flags, Folder, FolderId, MessageMeta, SpecialUse};
use trekmail_core::store::{
    ApiToken, AuditRecord, Credentials, QueuedMessage, RecoveryStatus, SessionRow, StoreError,
    StoreResult,
};

/// A row of either way of reading (`conn.rs`): the columns the hot reads decode.
pub(crate) trait Columns {
    fn int(&self, column: &str) -> StoreResult<i64>;
    fn text(&self, column: &str) -> StoreResult<String>;
    fn optional_text(&self, column: &str) -> StoreResult<Option<String>>;
}

impl Columns for AnyRow {
    fn int(&self, column: &str) -> StoreResult<i64> {
        get(self, column)
    }

    fn text(&self, column: &str) -> StoreResult<String> {
        get(self, column)
    }

    fn optional_text(&self, column: &str) -> StoreResult<Option<String>> {
        get(self, column)
    }
}

/// One column, typed.
pub(crate) fn get<T>(row: &AnyRow, column: &str) -> StoreResult<T>
where
    T: for<'r> Decode<'r, Any> + Type<Any>,
{
    row.try_get(column).map_err(db_err)
}

fn time(row: &AnyRow, column: &str) -> StoreResult<DateTime<Utc>> {
    Ok(from_micros(get(row, column)?))
}

fn optional_time(row: &AnyRow, column: &str) -> StoreResult<Option<DateTime<Utc>>> {
    Ok(get::<Option<i64>>(row, column)?.map(from_micros))
}

/// A stored BIGINT that IMAP sees as a u32 (UIDs, UIDVALIDITY).
pub(crate) fn u32_column(row: &(impl Columns + ?Sized), column: &str) -> StoreResult<u32> {
    let value = row.int(column)?;
    u32::try_from(value).map_err(|_| invalid(column, &value.to_string()))
}

/// A stored BIGINT that IMAP sees as a u64 (mod-sequences).
pub(crate) fn u64_column(row: &(impl Columns + ?Sized), column: &str) -> StoreResult<u64> {
    let value = row.int(column)?;
    u64::try_from(value).map_err(|_| invalid(column, &value.to_string()))
}

/// A u64 as the BIGINT both databases store (mod-sequences stay far below 2^63).
pub(crate) fn i64_of(value: u64) -> StoreResult<i64> {
    i64::try_from(value).map_err(|_| StoreError::Backend(format!("{value} does not fit a BIGINT")))
}

fn invalid(column: &str, value: &str) -> StoreError {
    StoreError::Backend(format!("invalid stored {column}: {value:?}"))
}

fn address(row: &AnyRow, column: &str) -> StoreResult<EmailAddress> {
    let text: String = get(row, column)?;
    EmailAddress::parse(&text).map_err(|_| invalid(column, &text))
}

fn channel(row: &AnyRow) -> StoreResult<Channel> {
    let text: String = get(row, "channel")?;
    Channel::parse(&text).ok_or_else(|| invalid("channel", &text))
}

fn remote(row: &AnyRow) -> StoreResult<Option<IpAddr>> {
    match get::<Option<String>>(row, "remote_ip")? {
        Some(text) => text
            .parse()
            .map(Some)
            .map_err(|_| invalid("remote_ip", &text)),
        None => Ok(None),
    }
}

/// The owner from `owner_kind`/`owner_id`; both must be present.
pub(crate) fn owner(row: &AnyRow) -> StoreResult<Principal> {
    optional_owner(row)?.ok_or_else(|| invalid("owner", "none"))
}

fn optional_owner(row: &AnyRow) -> StoreResult<Option<Principal>> {
    let kind: Option<String> = get(row, "owner_kind")?;
    let id: Option<i64> = get(row, "owner_id")?;
    match (kind, id) {
        (Some(kind), Some(id)) => Principal::from_parts(&kind, id)
            .map(Some)
            .ok_or_else(|| invalid("owner_kind", &kind)),
        _ => Ok(None),
    }
}

pub(crate) fn account(row: &AnyRow) -> StoreResult<Account> {
    let plan: String = get(row, "plan")?;
    Ok(Account {
        id: AccountId(get(row, "id")?),
        owner_email: address(row, "owner_email")?,
        plan: plan.parse::<Plan>().map_err(|_| invalid("plan", &plan))?,
        time_zone: {
            let zone: String = get(row, "time_zone")?;
            zone.parse::<chrono_tz::Tz>()
                .map_err(|_| invalid("time_zone", &zone))?
        },
        created_at: time(row, "created_at")?,
    })
}

pub(crate) fn domain(row: &AnyRow) -> StoreResult<Domain> {
    Ok(Domain {
        id: DomainId(get(row, "id")?),
        account_id: AccountId(get(row, "account_id")?),
        name: get(row, "name")?,
        catch_all: get::<Option<i64>>(row, "catch_all_mailbox_id")?.map(MailboxId),
        created_at: time(row, "created_at")?,
    })
}

pub(crate) fn mailbox(row: &AnyRow) -> StoreResult<Mailbox> {
    Ok(Mailbox {
        id: MailboxId(get(row, "id")?),
        account_id: AccountId(get(row, "account_id")?),
        domain_id: DomainId(get(row, "domain_id")?),
        address: address(row, "address")?,
        display_name: get(row, "display_name")?,
        quota_bytes: get(row, "quota_bytes")?,
        used_bytes: get(row, "used_bytes")?,
        created_at: time(row, "created_at")?,
    })
}

pub(crate) fn credentials(row: &AnyRow) -> StoreResult<Credentials> {
    Ok(Credentials {
        password_hash: get(row, "password_hash")?,
        epoch: get(row, "epoch")?,
        totp_sealed: get(row, "totp_sealed")?,
        totp_last_step: get(row, "totp_last_step")?,
    })
}

pub(crate) fn recovery_status(row: &AnyRow) -> StoreResult<RecoveryStatus> {
    Ok(RecoveryStatus {
        issued_at: time(row, "issued_at")?,
        used_at: optional_time(row, "used_at")?,
    })
}

pub(crate) fn api_token(row: &AnyRow) -> StoreResult<ApiToken> {
    Ok(ApiToken {
        id: get(row, "id")?,
        account_id: AccountId(get(row, "account_id")?),
        name: get(row, "name")?,
        created_at: time(row, "created_at")?,
        expires_at: optional_time(row, "expires_at")?,
        last_used_at: optional_time(row, "last_used_at")?,
    })
}

pub(crate) fn brand(row: &AnyRow) -> StoreResult<Brand> {
    Ok(Brand {
        account_id: AccountId(get(row, "account_id")?),
        host: get(row, "host")?,
        name: get(row, "name")?,
        colour: get(row, "colour")?,
        updated_at: time(row, "updated_at")?,
    })
}

pub(crate) fn session(row: &AnyRow) -> StoreResult<SessionRow> {
    Ok(SessionRow {
        id: SessionId(get(row, "id")?),
        owner: owner(row)?,
        channel: channel(row)?,
        node: get::<Option<String>>(row, "node_id")?.map(NodeId),
        remote: remote(row)?,
        started_at: time(row, "started_at")?,
        last_seen_at: time(row, "last_seen_at")?,
        epoch: get(row, "epoch")?,
    })
}

pub(crate) fn audit_record(row: &AnyRow) -> StoreResult<AuditRecord> {
    let kind: String = get(row, "kind")?;
    Ok(AuditRecord {
        id: get(row, "id")?,
        event: AuditEvent {
            at: time(row, "at")?,
            kind: AuditKind::parse(&kind).ok_or_else(|| invalid("audit kind", &kind))?,
            account_id: get::<Option<i64>>(row, "account_id")?.map(AccountId),
            principal: optional_owner(row)?,
            subject: get(row, "subject")?,
            channel: channel(row)?,
            remote: remote(row)?,
            detail: get(row, "detail")?,
        },
    })
}

pub(crate) fn folder(row: &(impl Columns + ?Sized)) -> StoreResult<Folder> {
    let special_use = match row.optional_text("special_use")? {
        Some(text) => Some(SpecialUse::parse(&text).ok_or_else(|| invalid("special_use", &text))?),
        None => None,
    };
    Ok(Folder {
        id: FolderId(row.int("id")?),
        mailbox_id: MailboxId(row.int("mailbox_id")?),
        name: row.text("name")?,
        special_use,
        uid_validity: u32_column(row, "uid_validity")?,
        uid_next: u32_column(row, "uid_next")?,
        highest_modseq: u64_column(row, "highest_modseq")?,
        recent_uid: u32_column(row, "recent_uid")?,
    })
}

pub(crate) fn message(row: &(impl Columns + ?Sized)) -> StoreResult<MessageMeta> {
    Ok(MessageMeta {
        folder_id: FolderId(row.int("folder_id")?),
        uid: u32_column(row, "uid")?,
        flags: Flags::from_stored(&row.text("flags")?),
        internal_date: from_micros(row.int("internal_date")?),
        size: row.int("size")?,
        blob: BlobId(row.text("blob_id")?),
        modseq: u64_column(row, "modseq")?,
    })
}

pub(crate) fn queued(row: &AnyRow) -> StoreResult<QueuedMessage> {
    Ok(QueuedMessage {
        id: get(row, "id")?,
        sender: get(row, "sender")?,
        recipient: get(row, "recipient")?,
        size: get(row, "size")?,
        attempts: u32_column(row, "attempts")?,
        created_at: time(row, "created_at")?,
        next_attempt: time(row, "next_attempt")?,
        last_error: get(row, "last_error")?,
    })
}
