//! SQLite called in place, on the caller's thread. sqlx runs each SQLite connection on a
//! thread of its own and hands every statement and its rows over channels; for a statement
//! on a few cached rows by index the two thread wake-ups cost far more than SQLite does
//! (about 87 µs against a few). The hot reads of IMAP sessions (message rows by UID, a
//! folder's changes since a mod-sequence) and their small write transactions (STORE, APPEND,
//! COPY, EXPUNGE of given UIDs) come here; each touches only the rows it answers with, so the
//! thread is held for less than the hand-over would take. Whole-folder reads stay on sqlx's
//! threads, and so does any read that turns out to pass a thousand rows. A commit, which
//! waits for the disk, is handed to a blocking thread.

use crate::conn::{Arg, Flush};
use crate::rows::Columns;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::{Mutex as AsyncMutex, OwnedMutexGuard};
use trekmail_core::store::{StoreError, StoreResult};

/// Rows one read takes in place (a FETCH reads 256 at a time): a read that passes them, such
/// as a QRESYNC from mod-sequence 0 on a large folder, holds the thread no longer than that
/// and is done again on sqlx's threads. A write transaction of more rows runs on sqlx's.
pub(crate) const MAX_ROWS: usize = 1_000;
/// Connections kept open between reads; more are opened when more readers run at once.
const MAX_IDLE: usize = 8;
/// Statements each connection keeps prepared.
const STATEMENTS: usize = 32;
/// A reader waits this long for a lock SQLite holds briefly (WAL recovery), not forever.
const BUSY: Duration = Duration::from_secs(5);
/// SQLite's steps one statement of a write transaction may take in place, about as long as a
/// read of [`MAX_ROWS`] (a row looked through costs about seven): past them, such as an
/// EXPUNGE looking for `\Deleted` through a large folder, the statement is cut short and the
/// transaction done again on sqlx's writer.
const MAX_STEPS: i32 = 20_000;

/// Readers and the writer of one SQLite file, beside sqlx's pools on it.
#[derive(Debug, Clone)]
pub(crate) struct InPlace {
    pub(crate) reads: Arc<InPlaceReads>,
    pub(crate) writer: InPlaceWriter,
}

impl InPlace {
    /// Opens a reader and the writer now, so a file that cannot be used fails here.
    pub(crate) fn open(path: &Path) -> StoreResult<InPlace> {
        Ok(InPlace {
            reads: InPlaceReads::open(path)?,
            writer: InPlaceWriter::open(path)?,
        })
    }
}

/// Read-only connections to one SQLite file.
pub(crate) struct InPlaceReads {
    path: PathBuf,
    idle: Mutex<Vec<rusqlite::Connection>>,
}

impl std::fmt::Debug for InPlaceReads {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("InPlaceReads")
            .field("path", &self.path)
            .finish_non_exhaustive()
    }
}

impl InPlaceReads {
    /// Readers of the file at `path`, one opened now so a file that cannot be read fails here.
    pub(crate) fn open(path: &Path) -> StoreResult<Arc<InPlaceReads>> {
        let reads = Arc::new(InPlaceReads {
            path: path.to_path_buf(),
            idle: Mutex::new(Vec::new()),
        });
        let first = reads.connect()?;
        reads.lock().push(first);
        Ok(reads)
    }

    /// A connection of its own for the caller, back among the idle ones when dropped.
    pub(crate) fn take(self: &Arc<Self>) -> StoreResult<InPlaceConn> {
        let idle = self.lock().pop();
        let conn = match idle {
            Some(conn) => conn,
            None => self.connect()?,
        };
        Ok(InPlaceConn {
            conn: Some(conn),
            reads: self.clone(),
        })
    }

    fn connect(&self) -> StoreResult<rusqlite::Connection> {
        use rusqlite::OpenFlags;
        let flags = OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        let conn = rusqlite::Connection::open_with_flags(&self.path, flags).map_err(sqlite_err)?;
        conn.busy_timeout(BUSY).map_err(sqlite_err)?;
        conn.set_prepared_statement_cache_capacity(STATEMENTS);
        Ok(conn)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<rusqlite::Connection>> {
        self.idle.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// One reader's connection. It is owned (not borrowed), so a task holding it stays `Send`.
pub(crate) struct InPlaceConn {
    conn: Option<rusqlite::Connection>,
    reads: Arc<InPlaceReads>,
}

impl InPlaceConn {
    /// The rows of `sql` with `args` bound as `$1`, `$2`, …, each decoded; `None` once they
    /// pass [`MAX_ROWS`], for the caller to read again off the runtime's threads.
    pub(crate) fn rows<T>(
        &mut self,
        sql: &str,
        args: &[Arg<'_>],
        decode: &impl Fn(&dyn Columns) -> StoreResult<T>,
    ) -> StoreResult<Option<Vec<T>>> {
        let conn = self
            .conn
            .as_ref()
            .ok_or_else(|| StoreError::Backend("in-place reader already returned".into()))?;
        capped_rows(conn, sql, args, decode, MAX_ROWS)
    }
}

impl Drop for InPlaceConn {
    fn drop(&mut self) {
        let Some(conn) = self.conn.take() else {
            return;
        };
        let mut idle = self.reads.lock();
        if idle.len() < MAX_IDLE {
            idle.push(conn);
        }
    }
}

/// The one read-write connection called in place. Its writers queue on an async lock, as
/// they would for sqlx's one writer; a writer that finds SQLite's write lock taken by another
/// connection (sqlx's writer, another process) goes to sqlx's writer instead of waiting here.
#[derive(Clone)]
pub(crate) struct InPlaceWriter {
    conn: Arc<AsyncMutex<rusqlite::Connection>>,
    /// Set when a statement passed [`MAX_STEPS`]; cleared as each transaction begins.
    cut_short: Arc<AtomicBool>,
}

impl std::fmt::Debug for InPlaceWriter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("InPlaceWriter").finish_non_exhaustive()
    }
}

impl InPlaceWriter {
    fn open(path: &Path) -> StoreResult<InPlaceWriter> {
        use rusqlite::OpenFlags;
        let flags = OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        let conn = rusqlite::Connection::open_with_flags(path, flags).map_err(sqlite_err)?;
        // As sqlx's connections have it; no busy wait: `begin` does not block the thread.
        conn.pragma_update(None, "foreign_keys", "ON")
            .map_err(sqlite_err)?;
        conn.busy_timeout(Duration::ZERO).map_err(sqlite_err)?;
        conn.set_prepared_statement_cache_capacity(STATEMENTS);
        let cut_short = Arc::new(AtomicBool::new(false));
        let flag = cut_short.clone();
        let stop = move || {
            flag.store(true, Ordering::Relaxed);
            true
        };
        conn.progress_handler(MAX_STEPS, Some(stop))
            .map_err(sqlite_err)?;
        Ok(InPlaceWriter {
            conn: Arc::new(AsyncMutex::new(conn)),
            cut_short,
        })
    }

    /// Begins a transaction holding SQLite's write lock; `None` if another connection holds it.
    pub(crate) async fn begin(&self, flush: Flush) -> StoreResult<Option<InPlaceTx>> {
        let conn = self.conn.clone().lock_owned().await;
        self.cut_short.store(false, Ordering::Relaxed);
        // In WAL mode NORMAL writes the commit without waiting for the disk; a later FULL
        // commit or checkpoint flushes it. It can be set only between transactions.
        let synchronous = match flush {
            Flush::Now => "PRAGMA synchronous = FULL",
            Flush::Later => "PRAGMA synchronous = NORMAL",
        };
        run(&conn, synchronous, &[]).map_err(sqlite_err)?;
        match run(&conn, "BEGIN IMMEDIATE", &[]) {
            Ok(_) => Ok(Some(InPlaceTx {
                conn,
                cut_short: self.cut_short.clone(),
            })),
            Err(e) if e.sqlite_error_code() == Some(rusqlite::ErrorCode::DatabaseBusy) => Ok(None),
            Err(e) => Err(sqlite_err(e)),
        }
    }
}

/// A write transaction in place; dropped without `commit`, it is rolled back.
pub(crate) struct InPlaceTx {
    conn: OwnedMutexGuard<rusqlite::Connection>,
    cut_short: Arc<AtomicBool>,
}

impl InPlaceTx {
    /// Borrowed mutably, so that a task holding it stays `Send` (the connection is not `Sync`).
    pub(crate) fn conn(&mut self) -> &mut rusqlite::Connection {
        &mut self.conn
    }

    /// Whether a statement of this transaction took too long for in place and was stopped.
    pub(crate) fn cut_short(&self) -> bool {
        self.cut_short.load(Ordering::Relaxed)
    }

    /// Commits on a blocking thread, since a commit waits for the disk. The transaction goes
    /// with it, so a caller that stops waiting still leaves it ended.
    pub(crate) async fn commit(self) -> StoreResult<()> {
        tokio::task::spawn_blocking(move || {
            run(&self.conn, "COMMIT", &[]).map(drop).map_err(sqlite_err)
        })
        .await
        .map_err(|e| StoreError::Backend(format!("the commit's thread failed: {e}")))?
    }
}

impl Drop for InPlaceTx {
    fn drop(&mut self) {
        if !self.conn.is_autocommit() {
            // Nothing of it reached the disk; a failed rollback leaves the next `begin` to fail.
            let _ = run(&self.conn, "ROLLBACK", &[]);
        }
    }
}

/// Every row of `sql`, decoded: inside a write transaction, whose size its caller bounded.
pub(crate) fn all_rows<T>(
    conn: &rusqlite::Connection,
    sql: &str,
    args: &[Arg<'_>],
    decode: &impl Fn(&dyn Columns) -> StoreResult<T>,
) -> StoreResult<Vec<T>> {
    Ok(capped_rows(conn, sql, args, decode, usize::MAX)?.unwrap_or_default())
}

/// The rows of `sql`, decoded; `None` once they pass `cap`.
fn capped_rows<T>(
    conn: &rusqlite::Connection,
    sql: &str,
    args: &[Arg<'_>],
    decode: &impl Fn(&dyn Columns) -> StoreResult<T>,
    cap: usize,
) -> StoreResult<Option<Vec<T>>> {
    let mut statement = conn.prepare_cached(sql).map_err(sqlite_err)?;
    bind(&mut statement, args).map_err(sqlite_err)?;
    let mut rows = statement.raw_query();
    let mut found = Vec::new();
    while let Some(row) = rows.next().map_err(sqlite_err)? {
        if found.len() == cap {
            return Ok(None);
        }
        found.push(decode(row)?);
    }
    Ok(Some(found))
}

/// Runs a writing statement; returns how many rows it changed.
pub(crate) fn execute(
    conn: &rusqlite::Connection,
    sql: &str,
    args: &[Arg<'_>],
) -> StoreResult<u64> {
    let changed = run(conn, sql, args).map_err(sqlite_err)?;
    Ok(changed as u64)
}

/// Runs an INSERT, with the errors `error::conflict` gives on sqlx.
pub(crate) fn insert(
    conn: &rusqlite::Connection,
    sql: &str,
    args: &[Arg<'_>],
    exists: impl FnOnce() -> String,
) -> StoreResult<()> {
    use rusqlite::ffi;
    match run(conn, sql, args) {
        Ok(_) => Ok(()),
        Err(e) => Err(match e.sqlite_error().map(|e| e.extended_code) {
            Some(ffi::SQLITE_CONSTRAINT_UNIQUE | ffi::SQLITE_CONSTRAINT_PRIMARYKEY) => {
                StoreError::Conflict(exists())
            }
            Some(ffi::SQLITE_CONSTRAINT_FOREIGNKEY) => StoreError::NotFound,
            _ => sqlite_err(e),
        }),
    }
}

/// Runs a statement prepared once (`BEGIN` and `COMMIT` too: parsing them each time costs more
/// than running them).
fn run(conn: &rusqlite::Connection, sql: &str, args: &[Arg<'_>]) -> rusqlite::Result<usize> {
    let mut statement = conn.prepare_cached(sql)?;
    bind(&mut statement, args)?;
    statement.raw_execute()
}

/// Binds `$n` to `args[n - 1]`. SQLite numbers `$n` parameters in the order they first
/// appear, not by `n` (`SET x = $2 WHERE id = $1` has `$2` first), so each goes by its name.
/// Also restarts the statement's count of steps, which [`MAX_STEPS`] bounds: SQLite counts
/// them for as long as a prepared statement lives, across runs.
fn bind(statement: &mut rusqlite::Statement<'_>, args: &[Arg<'_>]) -> rusqlite::Result<()> {
    statement.reset_status(rusqlite::StatementStatus::VmStep);
    for index in 1..=statement.parameter_count() {
        let arg = statement
            .parameter_name(index)
            .and_then(|name| name.strip_prefix('$')?.parse::<usize>().ok())
            .and_then(|n| args.get(n.checked_sub(1)?))
            .ok_or(rusqlite::Error::InvalidParameterCount(index, args.len()))?;
        statement.raw_bind_parameter(index, arg)?;
    }
    Ok(())
}

impl rusqlite::ToSql for Arg<'_> {
    fn to_sql(&self) -> rusqlite::Result<rusqlite::types::ToSqlOutput<'_>> {
        match self {
            Arg::Int(value) => value.to_sql(),
            Arg::Text(value) => value.to_sql(),
            Arg::OptionalInt(value) => value.to_sql(),
            Arg::OptionalText(value) => value.to_sql(),
        }
    }
}

impl Columns for rusqlite::Row<'_> {
    fn int(&self, column: &str) -> StoreResult<i64> {
        self.get(column).map_err(sqlite_err)
    }

    fn text(&self, column: &str) -> StoreResult<String> {
        self.get(column).map_err(sqlite_err)
    }

    fn optional_text(&self, column: &str) -> StoreResult<Option<String>> {
        self.get(column).map_err(sqlite_err)
    }
}

fn sqlite_err(e: rusqlite::Error) -> StoreError {
    StoreError::Backend(format!("SQLite: {e}"))
}
