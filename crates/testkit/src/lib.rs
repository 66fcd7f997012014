//! A test kit: real cores on a fresh SQLite file or a fresh PostgreSQL database, seeded with an
//! account, a domain and a mailbox. Test code: it panics with a clear message on set-up failure.
#![allow(clippy::panic, clippy::expect_used, clippy::unwrap_used)]

use std::path::PathBuf;
use std::sync::{Arc, OnceLock};
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;
use trekmail_core::access::{MailboxAccess, Operator};
use trekmail_core::audit::AuditKind;
use trekmail_core::auth::ThrottlePolicy;
use trekmail_core::clock::{Clock, SystemClock};
use trekmail_core::cluster::{ClusterLink, Inbound, NoLink};
use trekmail_core::domain::{Mailbox, Plan};
use trekmail_core::ids::{AccountId, MailboxId, Principal};
use trekmail_core::security::password_hasher::{HashCost, PasswordHasher};
use trekmail_core::security::random;
use trekmail_core::security::secret_box::SecretBox;
use trekmail_core::services::{Actor, Manager, NewMailboxRequest};
use trekmail_core::sessions::RegistryTimings;
use trekmail_core::store::{BlobStore, QueuedMessage, Store};
use trekmail_core::{Core, CoreConfig};
use trekmail_storage::{FsBlobStore, PgLink, SqlStore};

/// Which database a test runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

pub const BACKENDS: [Backend; 2] = [Backend::Sqlite, Backend::Postgres];

/// The password every seeded mailbox starts with.
pub const PASSWORD: &str = "Initial-pass-2026";
/// The seeded account owner's password.
pub const OWNER_PASSWORD: &str = "Owner-pass-2026x";

/// A fresh, empty database of `backend`: its URL.
pub async fn fresh_database(backend: Backend) -> String {
    match backend {
        Backend::Sqlite => {
            let dir = scratch_dir();
            format!("sqlite://{}?mode=rwc", dir.join("trekmail.db").display())
        }
        Backend::Postgres => {
            let admin = std::env::var("TREKMAIL_TEST_PG_URL").unwrap_or_else(|_| {
                panic!("TREKMAIL_TEST_PG_URL is not set: run the tests with scripts/test, which starts PostgreSQL")
            });
            sqlx::any::install_default_drivers();
            let name = format!("t_{}", random::hex_token().unwrap());
            let pool = sqlx::AnyPool::connect(&admin)
                .await
                .unwrap_or_else(|e| panic!("cannot reach the test PostgreSQL at {admin}: {e}"));
            let create = format!("CREATE DATABASE {name}");
            sqlx::raw_sql(sqlx::AssertSqlSafe(create))
                .execute(&pool)
                .await
                .expect("create test database");
            pool.close().await;
            let base = admin.rsplit_once('/').map_or(admin.as_str(), |(b, _)| b);
            format!("{base}/{name}")
        }
    }
}

/// A new empty directory under the system temp dir.
pub fn scratch_dir() -> PathBuf {
    let dir = std::env::temp_dir().join(format!("trekmail-test-{}", random::hex_token().unwrap()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// The operator's own host names on every test node: no account may brand them.
pub const RESERVED_HOSTS: [&str; 2] = ["webmail.operator.test", "dashboard.operator.test"];

/// How a test node is built.
#[derive(Clone)]
pub struct NodeOptions {
    pub throttle: ThrottlePolicy,
    pub timings: RegistryTimings,
    pub cost: HashCost,
    pub clock: Arc<dyn Clock>,
    /// Link the node to others on the same PostgreSQL.
    pub linked: bool,
    /// The DNS server to ask; `None` for the system's.
    pub nameserver: Option<std::net::SocketAddr>,
    /// Whether the node keeps metrics.
    pub metrics: bool,
}

impl Default for NodeOptions {
    fn default() -> NodeOptions {
        NodeOptions {
            // Fast enough for tests, growing all the same.
            throttle: ThrottlePolicy {
                first_delay_ms: 20,
                ..ThrottlePolicy::default()
            },
            timings: RegistryTimings::default(),
            cost: HashCost::default(),
            clock: Arc::new(SystemClock),
            linked: false,
            nameserver: None,
            metrics: false,
        }
    }
}

/// The operator's authority of the first node a test started; it is not tied to one core, so
/// it serves every node of the test process.
static OPERATOR: OnceLock<Operator> = OnceLock::new();

/// The operator, for tests that act without signing in: start a [`TestNode`] first.
pub fn operator() -> &'static Operator {
    OPERATOR.get().expect("no TestNode started yet")
}

/// A running core, stopped when dropped.
pub struct TestNode {
    pub core: Arc<Core>,
    pub store: Arc<SqlStore>,
    pub blobs: Arc<dyn BlobStore>,
    /// The hasher the core uses, shared, so tests can count the work a sign-in cost.
    pub hasher: PasswordHasher,
    pub url: String,
    shutdown: CancellationToken,
}

impl Drop for TestNode {
    fn drop(&mut self) {
        self.shutdown.cancel();
    }
}

/// The same server key for every node of a test, as a cluster must share one.
fn test_secrets() -> SecretBox {
    SecretBox::from_key(&[42; 32]).unwrap()
}

impl TestNode {
    pub async fn start(url: &str, options: NodeOptions) -> TestNode {
        let store = Arc::new(
            SqlStore::open(url)
                .await
                .unwrap_or_else(|e| panic!("cannot open {url}: {e}")),
        );
        let (link, inbound): (Arc<dyn ClusterLink>, mpsc::Receiver<Inbound>) = if options.linked {
            let (link, inbound) = PgLink::connect(url, 1024).await.expect("pg link");
            (Arc::new(link), inbound)
        } else {
            (Arc::new(NoLink), mpsc::channel(1).1)
        };
        let config = CoreConfig {
            throttle: options.throttle,
            timings: options.timings,
            issuer: "TrekMail".into(),
            reserved_hosts: RESERVED_HOSTS.map(str::to_owned).to_vec(),
            nameserver: options.nameserver,
            metrics: options.metrics,
            ..CoreConfig::default()
        };
        let dyn_store: Arc<dyn Store> = store.clone();
        let blobs: Arc<dyn BlobStore> = match url.strip_prefix("sqlite://") {
            Some(path) => {
                let db = PathBuf::from(path.split('?').next().unwrap_or(path));
                Arc::new(FsBlobStore::new(db.with_file_name("blobs")))
            }
            None => store.clone(),
        };
        let hasher = PasswordHasher::new(options.cost, 2);
        let (core, operator) = Core::new(
            config,
            dyn_store,
            blobs.clone(),
            link,
            test_secrets(),
            hasher.clone(),
            options.clock.clone(),
        )
        .unwrap();
        let _ = OPERATOR.set(operator);
        let shutdown = CancellationToken::new();
        core.start(inbound, shutdown.clone());
        TestNode {
            core,
            store,
            blobs,
            hasher,
            url: url.to_owned(),
            shutdown,
        }
    }

    /// A mailbox's access made by the operator, for tests that read or change its mail.
    pub fn access(&self, mailbox: MailboxId) -> MailboxAccess {
        operator().mailbox(mailbox)
    }

    /// A node on a fresh database of `backend` with default options.
    pub async fn fresh(backend: Backend) -> TestNode {
        TestNode::start(&fresh_database(backend).await, NodeOptions::default()).await
    }
}

/// An account on Pro with the domain example.com.
pub async fn seed_account(core: &Core, owner: &str) -> AccountId {
    let actor = Actor::operator();
    let account = core
        .create_account(owner, Plan::Pro, OWNER_PASSWORD, &actor)
        .await
        .unwrap();
    let domain = owner.rsplit_once('@').unwrap().1;
    core.add_domain(operator().scope(), account.id, domain, &actor)
        .await
        .unwrap();
    account.id
}

/// A mailbox with [`PASSWORD`].
pub async fn seed_mailbox(core: &Core, account: AccountId, address: &str) -> Mailbox {
    let request = NewMailboxRequest {
        account,
        address,
        display_name: "Test box",
        quota_mb: 100,
        password: PASSWORD,
    };
    core.create_mailbox(operator().scope(), &request, &Actor::operator())
        .await
        .unwrap()
}

/// A fresh node with the account owner@example.com (Pro, domain example.com) and the mailbox
/// ann@example.com, the set-up most tests start from.
pub struct Seeded {
    pub node: TestNode,
    pub account: AccountId,
    pub mailbox: Mailbox,
}

impl Seeded {
    pub async fn new(backend: Backend) -> Seeded {
        Seeded::on(TestNode::fresh(backend).await).await
    }

    /// As [`Seeded::new`], on a node whose time is `clock`: for tests that move time.
    pub async fn on_clock(backend: Backend, clock: Arc<dyn Clock>) -> Seeded {
        let options = NodeOptions {
            clock,
            ..NodeOptions::default()
        };
        Seeded::on(TestNode::start(&fresh_database(backend).await, options).await).await
    }

    pub async fn on(node: TestNode) -> Seeded {
        let account = seed_account(&node.core, "owner@example.com").await;
        let mailbox = seed_mailbox(&node.core, account, "ann@example.com").await;
        Seeded {
            node,
            account,
            mailbox,
        }
    }
}

impl Seeded {
    /// The seeded account's admin, managing ann.
    pub fn admin(&self) -> Manager<'static> {
        Manager::Admin(operator().as_account(self.account), self.mailbox.id)
    }

    /// Whether ann's audit holds a `mail_kept` event (a rule that could not run, the message
    /// kept) whose detail contains `why`.
    pub async fn kept_because(&self, why: &str) -> bool {
        let scope = operator().as_account(self.account);
        let audit = self
            .node
            .core
            .audit_of(scope, Principal::Mailbox(self.mailbox.id), 20)
            .await
            .unwrap();
        audit
            .iter()
            .any(|r| r.event.kind == AuditKind::MailKept && r.event.detail.contains(why))
    }
}

/// The one message in the outbound queue: a forward to `recipient` from an SRS sender,
/// marked as delivered to `via`.
pub async fn queued_forward(core: &Core, recipient: &str, via: &str) -> QueuedMessage {
    let mut queued = core.outbound_queue().await.unwrap();
    assert_eq!(queued.len(), 1, "{queued:?}");
    let forward = queued.remove(0);
    assert_eq!(forward.recipient, recipient);
    assert!(forward.sender.starts_with("SRS0="), "{}", forward.sender);
    let body = core.outbound_body(forward.id).await.unwrap();
    let via_domain = via.rsplit_once('@').unwrap().1;
    let delivered_to = format!("Delivered-To: {via}\r\n");
    assert!(dkim_signed(&body, via_domain).starts_with(delivered_to.as_bytes()));
    forward
}

/// `message` after the DKIM signatures the queue put on top, which must be there, made for
/// `domain` with both of its keys.
pub fn dkim_signed<'a>(message: &'a [u8], domain: &str) -> &'a [u8] {
    let mut rest = message;
    let mut signatures = 0;
    while rest.starts_with(b"DKIM-Signature:") {
        let mut end = 0;
        while let Some(at) = rest[end..].windows(2).position(|w| w == b"\r\n") {
            end += at + 2;
            if !rest[end..].starts_with(b"\t") && !rest[end..].starts_with(b" ") {
                break;
            }
        }
        let field = String::from_utf8_lossy(&rest[..end]);
        assert!(field.contains(&format!("d={domain};")), "{field}");
        signatures += 1;
        rest = &rest[end..];
    }
    assert_eq!(signatures, 2, "{}", String::from_utf8_lossy(message));
    rest
}

/// Messages in the outbound queue from the null sender: auto-replies, vacation answers,
/// bounces.
pub async fn automatic_answers(core: &Core) -> usize {
    let queued = core.outbound_queue().await.unwrap();
    queued.iter().filter(|q| q.sender.is_empty()).count()
}
