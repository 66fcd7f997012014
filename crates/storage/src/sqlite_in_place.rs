//! SQLite reads called in place, on the caller's thread. sqlx runs each SQLite connection on
//! a thread of its own and hands every statement and its rows over channels; for a read of a
//! few cached rows by index the two thread wake-ups cost far more than SQLite does (about
//! 87 µs against a few). The hot reads of IMAP sessions (message rows by UID, a folder's
//! changes since a mod-sequence) come here; each touches only the rows it answers with, so
//! the thread is held for less than the hand-over would take. Whole-folder reads stay on
//! sqlx's threads, and so does any read that turns out to pass a thousand rows.

use crate::reads::Arg;
use crate::rows::Columns;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use trekmail_core::store::{StoreError, StoreResult};

/// Rows one read takes in place (a FETCH reads 256 at a time): a read that passes them, such
/// as a QRESYNC from mod-sequence 0 on a large folder, holds the thread no longer than that
/// and is done again on sqlx's threads.
pub(crate) const MAX_ROWS: usize = 1_000;
/// Connections kept open between reads; more are opened when more readers run at once.
const MAX_IDLE: usize = 8;
/// Statements each connection keeps prepared.
const STATEMENTS: usize = 32;
/// A reader waits this long for a lock SQLite holds briefly (WAL recovery), not forever.
const BUSY: Duration = Duration::from_secs(5);

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
        let mut statement = conn.prepare_cached(sql).map_err(sqlite_err)?;
        let mut rows = statement
            .query(rusqlite::params_from_iter(args.iter()))
            .map_err(sqlite_err)?;
        let mut found = Vec::new();
        while let Some(row) = rows.next().map_err(sqlite_err)? {
            if found.len() == MAX_ROWS {
                return Ok(None);
            }
            found.push(decode(row)?);
        }
        Ok(Some(found))
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

impl rusqlite::ToSql for Arg<'_> {
    fn to_sql(&self) -> rusqlite::Result<rusqlite::types::ToSqlOutput<'_>> {
        match self {
            Arg::Int(value) => value.to_sql(),
            Arg::Text(value) => value.to_sql(),
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
