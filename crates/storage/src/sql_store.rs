//! Opening the database: which backend, the two pools, WAL and migrations.

use crate::error::{cannot_connect, db_err, mask_password};
use crate::migrate;
use crate::sqlite_in_place::InPlace;
use sqlx::AnyConnection;
use sqlx::any::AnyPoolOptions;
use sqlx::{Any, AnyPool, Connection, Transaction};
use std::time::Duration;
use trekmail_core::store::{StoreError, StoreResult};

/// A write transaction; dropping it without `commit` rolls it back.
pub(crate) type WriteTx = Transaction<'static, Any>;

/// Which database a URL names. The SQL is shared; only locking and DDL differ.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    /// Reads the scheme of a database URL.
    pub fn of_url(url: &str) -> StoreResult<Backend> {
        if url.starts_with("sqlite:") {
            Ok(Backend::Sqlite)
        } else if url.starts_with("postgres:") || url.starts_with("postgresql:") {
            Ok(Backend::Postgres)
        } else {
            Err(StoreError::Backend(format!(
                "unsupported database URL {}: expected sqlite://PATH or postgres://…",
                mask_password(url)
            )))
        }
    }
}

/// The core's stores on SQLite or PostgreSQL. Cheap to clone: the pools are shared.
///
/// Reads go to `read`, every writing statement and transaction to `write`. On SQLite the write
/// pool is one connection, so writers queue in-process instead of failing with "database is
/// locked"; on PostgreSQL both are the same pool.
#[derive(Debug, Clone)]
pub struct SqlStore {
    pub(crate) read: AnyPool,
    pub(crate) write: AnyPool,
    /// On a SQLite file, the hot reads' readers and the small transactions' writer, called
    /// in place (`conn.rs`).
    pub(crate) in_place: Option<InPlace>,
    backend: Backend,
}

/// Connections for SQLite readers; WAL lets them read while the one writer writes.
const SQLITE_READERS: u32 = 4;
/// Connections to PostgreSQL.
const POSTGRES_CONNECTIONS: u32 = 10;
/// How long a caller waits for a free connection before the call fails.
const ACQUIRE_TIMEOUT: Duration = Duration::from_secs(30);

impl SqlStore {
    /// Connects, switches SQLite to WAL and applies pending migrations. An unreachable
    /// database is a `Backend` error naming the cause; the URL's password is never shown.
    pub async fn open(url: &str) -> StoreResult<SqlStore> {
        sqlx::any::install_default_drivers();
        let backend = Backend::of_url(url)?;
        let memory = backend == Backend::Sqlite && is_sqlite_memory(url);

        // One plain connection first: the pool retries refused connections until it times
        // out and then reports only "timed out", losing the reason.
        let mut probe = AnyConnection::connect(url)
            .await
            .map_err(|e| cannot_connect(url, &e))?;
        if backend == Backend::Sqlite && !memory {
            wal_mode(&mut probe).await?;
        }
        if !memory {
            migrate::run(&mut probe, backend).await?;
        }
        // A failed close only leaks a connection the server will drop.
        let _ = probe.close().await;

        let store = match backend {
            Backend::Postgres => {
                let pool = postgres_pool_options()
                    .connect(url)
                    .await
                    .map_err(|e| cannot_connect(url, &e))?;
                SqlStore {
                    read: pool.clone(),
                    write: pool,
                    in_place: None,
                    backend,
                }
            }
            // Every connection to `:memory:` is a database of its own: keep exactly one.
            Backend::Sqlite if memory => {
                let pool = sqlite_pool_options(1)
                    .min_connections(1)
                    .idle_timeout(None)
                    .max_lifetime(None)
                    .connect(url)
                    .await
                    .map_err(|e| cannot_connect(url, &e))?;
                let mut conn = pool.acquire().await.map_err(db_err)?;
                migrate::run(&mut conn, backend).await?;
                drop(conn);
                SqlStore {
                    read: pool.clone(),
                    write: pool,
                    in_place: None,
                    backend,
                }
            }
            Backend::Sqlite => {
                let write = sqlite_pool_options(1)
                    .connect(url)
                    .await
                    .map_err(|e| cannot_connect(url, &e))?;
                let read = sqlite_pool_options(SQLITE_READERS)
                    .connect(url)
                    .await
                    .map_err(|e| cannot_connect(url, &e))?;
                let options: sqlx::sqlite::SqliteConnectOptions =
                    url.parse().map_err(|e| cannot_connect(url, &e))?;
                SqlStore {
                    read,
                    write,
                    in_place: Some(InPlace::open(options.get_filename())?),
                    backend,
                }
            }
        };
        tracing::debug!(url = %mask_password(url), ?backend, "database open");
        Ok(store)
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// The migration versions applied to this database, in order.
    pub async fn schema_versions(&self) -> StoreResult<Vec<i64>> {
        migrate::applied(&self.read).await
    }

    /// Waits for in-flight queries and closes every connection.
    pub async fn close(&self) {
        self.write.close().await;
        self.read.close().await;
    }

    /// Starts a writing transaction. On SQLite it is `BEGIN IMMEDIATE`, taking the write lock
    /// up front so a transaction that read first can never fail to upgrade (another process,
    /// such as an operator command, may hold the lock).
    pub(crate) async fn write_tx(&self) -> StoreResult<WriteTx> {
        match self.backend {
            Backend::Sqlite => self.write.begin_with("BEGIN IMMEDIATE").await,
            Backend::Postgres => self.write.begin().await,
        }
        .map_err(db_err)
    }
}

fn pool_options(max: u32) -> AnyPoolOptions {
    AnyPoolOptions::new()
        .max_connections(max)
        .acquire_timeout(ACQUIRE_TIMEOUT)
}

/// A PostgreSQL connection can break while it sits idle (the server restarted, a firewall
/// dropped it), so one idle this long is pinged before use and replaced if the ping fails; a
/// connection in steady use is not, since a ping is a round trip before every statement.
const PING_AFTER_IDLE: Duration = Duration::from_secs(5);

fn postgres_pool_options() -> AnyPoolOptions {
    pool_options(POSTGRES_CONNECTIONS)
        .test_before_acquire(false)
        .before_acquire(|conn, meta| {
            Box::pin(async move {
                if meta.idle_for >= PING_AFTER_IDLE {
                    conn.ping().await?;
                }
                Ok(true)
            })
        })
}

/// A SQLite file's connections live in this process and do not break while idle, so they
/// are not pinged before use (each ping is a round trip to the connection's own thread).
fn sqlite_pool_options(max: u32) -> AnyPoolOptions {
    pool_options(max).test_before_acquire(false)
}

fn is_sqlite_memory(url: &str) -> bool {
    url.contains(":memory:") || url.contains("mode=memory")
}

/// Switches SQLite to WAL. The switch needs the file to itself and SQLite does not wait for
/// that (no busy handler), so a node starting while another process migrates or writes tries
/// again for a few seconds instead of failing with "database is locked".
async fn wal_mode(conn: &mut AnyConnection) -> StoreResult<()> {
    const TRIES: u32 = 100;
    let mut tries = 1;
    loop {
        match sqlx::query("PRAGMA journal_mode=WAL")
            .execute(&mut *conn)
            .await
        {
            Ok(_) => return Ok(()),
            Err(e) if tries < TRIES && e.to_string().contains("locked") => {
                tries += 1;
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
            Err(e) => return Err(db_err(e)),
        }
    }
}
