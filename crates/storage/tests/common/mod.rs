//! Shared test helpers: every store test runs on a fresh SQLite file and a fresh PostgreSQL
//! database (from `TREKMAIL_TEST_PG_URL`, which `scripts/test` sets).
#![allow(dead_code)]

use chrono::{DateTime, Utc};
use sqlx::{AnyConnection, AssertSqlSafe, Connection};
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use trekmail_core::audit::{AuditEvent, AuditKind, Channel};
use trekmail_core::domain::{Account, Domain, EmailAddress, Mailbox, Plan, PlanLimits, Plans};
use trekmail_core::ids::{AccountId, DomainId, MailboxId};
use trekmail_core::mail::{BlobId, Flags, Folder, HeaderSummary, NewMessage};
use trekmail_core::store::{AccountStore, MailboxStore, MessageStore, NewAccount, NewMailbox};
use trekmail_storage::{Backend, SqlStore};

/// One fresh database with its store.
pub struct TestDb {
    pub label: &'static str,
    pub url: String,
    pub store: SqlStore,
    file: Option<PathBuf>,
}

impl TestDb {
    /// Runs a script on a connection of its own (to add test triggers and the like).
    pub async fn raw(&self, sql: &'static str) {
        let mut conn = AnyConnection::connect(&self.url).await.expect("connect");
        sqlx::raw_sql(sql).execute(&mut conn).await.expect(sql);
        conn.close().await.expect("close");
    }

    /// A number a query returns, read on a connection of its own.
    pub async fn count(&self, sql: &'static str) -> i64 {
        let mut conn = AnyConnection::connect(&self.url).await.expect("connect");
        let n: i64 = sqlx::query_scalar(sql)
            .fetch_one(&mut conn)
            .await
            .expect(sql);
        conn.close().await.expect("close");
        n
    }

    pub fn backend(&self) -> Backend {
        self.store.backend()
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        if let Some(file) = &self.file {
            for suffix in ["", "-wal", "-shm"] {
                let mut name = file.clone().into_os_string();
                name.push(suffix);
                let _ = std::fs::remove_file(name);
            }
        }
    }
}

/// A SQLite and a PostgreSQL store, both empty and migrated.
pub async fn both() -> Vec<TestDb> {
    vec![sqlite().await, postgres().await]
}

pub async fn sqlite() -> TestDb {
    let (url, file) = fresh_sqlite_url();
    let store = SqlStore::open(&url).await.expect("open sqlite");
    TestDb {
        label: "sqlite",
        url,
        store,
        file: Some(file),
    }
}

pub async fn postgres() -> TestDb {
    let url = fresh_pg_url().await;
    let store = SqlStore::open(&url).await.expect("open postgres");
    // A message row must name a body in `blobs` there: stand-ins for `blob(1..=999)`.
    let mut conn = AnyConnection::connect(&url).await.expect("connect");
    sqlx::raw_sql(
        "INSERT INTO blobs (id, bytes) \
         SELECT lpad(to_hex(n), 64, '0'), '\\x00'::bytea FROM generate_series(1, 999) AS n",
    )
    .execute(&mut conn)
    .await
    .expect("stand-in bodies");
    conn.close().await.expect("close");
    TestDb {
        label: "postgres",
        url,
        store,
        file: None,
    }
}

/// A unique name for this process and call.
pub fn unique(prefix: &str) -> String {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    format!(
        "{prefix}{}_{nanos:x}_{}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed)
    )
}

/// The URL of a SQLite file that does not exist yet, and the file.
pub fn fresh_sqlite_url() -> (String, PathBuf) {
    let file = std::env::temp_dir().join(format!("{}.db", unique("trekmail_test_")));
    (format!("sqlite://{}?mode=rwc", file.display()), file)
}

/// The administrative PostgreSQL URL; the test fails without it.
pub fn pg_admin_url() -> String {
    match std::env::var("TREKMAIL_TEST_PG_URL") {
        Ok(url) if !url.is_empty() => url,
        _ => panic!(
            "TREKMAIL_TEST_PG_URL is not set: run the tests with scripts/test, which starts a \
             throwaway PostgreSQL and sets it (e.g. scripts/test -p trekmail-storage)"
        ),
    }
}

/// Creates an empty PostgreSQL database and returns its URL.
pub async fn fresh_pg_url() -> String {
    sqlx::any::install_default_drivers();
    let admin = pg_admin_url();
    let name = unique("t_");
    let mut conn = AnyConnection::connect(&admin)
        .await
        .unwrap_or_else(|e| panic!("cannot connect to {admin}: {e}"));
    sqlx::raw_sql(AssertSqlSafe(format!("CREATE DATABASE {name}")))
        .execute(&mut conn)
        .await
        .expect("create database");
    conn.close().await.expect("close");
    with_database(&admin, &name)
}

/// `url` with its database name replaced.
fn with_database(url: &str, name: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((b, q)) => (b, format!("?{q}")),
        None => (url, String::new()),
    };
    let host_start = base.find("://").map_or(0, |i| i + 3);
    let host_end = base[host_start..]
        .find('/')
        .map_or(base.len(), |i| host_start + i);
    format!("{}/{name}{query}", &base[..host_start.max(host_end)])
}

/// Seconds since the epoch as a time.
pub fn t(seconds: i64) -> DateTime<Utc> {
    DateTime::from_timestamp(seconds, 0).expect("time")
}

pub fn ev(kind: AuditKind, at: i64) -> AuditEvent {
    AuditEvent::new(t(at), kind, Channel::Cli, "test")
}

pub fn email(s: &str) -> EmailAddress {
    EmailAddress::parse(s).expect("address")
}

pub fn limits(plan: Plan) -> PlanLimits {
    Plans::default().limits(plan)
}

pub const MB: i64 = 1024 * 1024;

pub async fn account(store: &SqlStore, owner: &str) -> Account {
    store
        .create_account(
            &NewAccount {
                owner_email: email(owner),
                plan: Plan::Pro,
                password_hash: "hash-0".into(),
                created_at: t(1_000),
            },
            &ev(AuditKind::AccountCreated, 1_000),
        )
        .await
        .expect("create account")
}

pub async fn domain(store: &SqlStore, account: AccountId, name: &str) -> Domain {
    store
        .add_domain(account, name, 100, &[], &ev(AuditKind::DomainAdded, 1_001))
        .await
        .expect("add domain")
}

pub fn new_mailbox(account: AccountId, domain: DomainId, address: &str, quota: i64) -> NewMailbox {
    NewMailbox {
        account_id: account,
        domain_id: domain,
        address: email(address),
        display_name: address.split('@').next().unwrap_or_default().to_owned(),
        quota_bytes: quota,
        password_hash: "mailbox-hash-0".into(),
        created_at: t(2_000),
    }
}

/// An account with one domain (`example.com`-like, unique per call) and one mailbox.
pub async fn mailbox_fixture(store: &SqlStore) -> (Account, Domain, Mailbox) {
    let a = account(store, &format!("{}@owner.test", unique("o"))).await;
    let d = domain(
        store,
        a.id,
        &format!("{}.test", unique("d").replace('_', "-")),
    )
    .await;
    let m = store
        .create_mailbox(
            &new_mailbox(a.id, d.id, &format!("alice@{}", d.name), 100 * MB),
            &limits(Plan::Pro),
            &ev(AuditKind::MailboxCreated, 2_000),
        )
        .await
        .expect("create mailbox");
    (a, d, m)
}

/// A mailbox with this quota, on an account and domain of its own.
pub async fn mailbox_with_quota(store: &SqlStore, quota: i64) -> Mailbox {
    let (a, d, _) = mailbox_fixture(store).await;
    store
        .create_mailbox(
            &new_mailbox(a.id, d.id, &format!("q@{}", d.name), quota),
            &limits(Plan::Pro),
            &ev(AuditKind::MailboxCreated, 2_000),
        )
        .await
        .expect("create mailbox")
}

/// A well-formed blob id, distinct for each `n` (no body needs to exist for the store).
pub fn blob(n: u64) -> BlobId {
    BlobId(format!("{n:064x}"))
}

/// A message with body `blob(n)`, `size` bytes, these flags and date `t(1_000_000 + n)`.
pub fn message(n: u64, size: i64, flags: &[&str]) -> NewMessage {
    NewMessage {
        blob: blob(n),
        size,
        flags: Flags::new(flags.iter().copied()),
        internal_date: t(1_000_000 + n as i64),
        summary: HeaderSummary::default(),
    }
}

/// The mailbox's folder of this name; it must exist.
pub async fn folder(store: &SqlStore, mailbox: MailboxId, name: &str) -> Folder {
    store
        .folder(mailbox, name)
        .await
        .expect("folder")
        .unwrap_or_else(|| panic!("no folder {name}"))
}
