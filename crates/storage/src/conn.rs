//! Where a statement runs: on a sqlx connection (PostgreSQL, an in-memory SQLite, a
//! transaction begun with `write_tx`) or, on a SQLite file, in place (`sqlite_in_place.rs`).
//! The hot reads and write transactions of IMAP sessions and their decoding are written
//! once, against `Conn`, and run on either.

use crate::error::{conflict, db_err};
use crate::rows::Columns;
use crate::sql_store::{SqlStore, WriteTx};
use crate::sqlite_in_place::{self, InPlaceConn, InPlaceTx};
use sqlx::pool::PoolConnection;
use sqlx::{Any, AnyConnection, AnyPool};
use trekmail_core::store::{StoreError, StoreResult};

/// A statement's argument.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Arg<'a> {
    Int(i64),
    Text(&'a str),
    OptionalInt(Option<i64>),
    OptionalText(Option<&'a str>),
}

impl From<i64> for Arg<'_> {
    fn from(value: i64) -> Self {
        Arg::Int(value)
    }
}

impl<'a> From<&'a str> for Arg<'a> {
    fn from(value: &'a str) -> Self {
        Arg::Text(value)
    }
}

impl From<Option<i64>> for Arg<'_> {
    fn from(value: Option<i64>) -> Self {
        Arg::OptionalInt(value)
    }
}

impl<'a> From<Option<&'a str>> for Arg<'a> {
    fn from(value: Option<&'a str>) -> Self {
        Arg::OptionalText(value)
    }
}

pub(crate) enum Conn<'c> {
    /// A connection the caller holds, such as its sqlx transaction's.
    Borrowed(&'c mut AnyConnection),
    /// One of the read pool's connections.
    Pooled(PoolConnection<Any>),
    /// Reading in place, with the read pool for a read too long to finish there.
    InPlace(InPlaceConn, AnyPool),
    /// Inside a write transaction run in place.
    InPlaceTx(&'c mut rusqlite::Connection),
}

impl Conn<'_> {
    /// The rows of `sql` with `args` bound as `$1`, `$2`, …, each decoded.
    pub(crate) async fn rows<T>(
        &mut self,
        sql: &'static str,
        args: &[Arg<'_>],
        decode: impl Fn(&dyn Columns) -> StoreResult<T>,
    ) -> StoreResult<Vec<T>> {
        let mut fallback;
        let conn: &mut AnyConnection = match self {
            Conn::InPlace(conn, pool) => match conn.rows(sql, args, &decode)? {
                Some(found) => return Ok(found),
                None => {
                    fallback = pool.acquire().await.map_err(db_err)?;
                    &mut fallback
                }
            },
            Conn::InPlaceTx(conn) => return sqlite_in_place::all_rows(conn, sql, args, &decode),
            Conn::Borrowed(conn) => conn,
            Conn::Pooled(conn) => conn,
        };
        let rows = query(sql, args).fetch_all(conn).await.map_err(db_err)?;
        rows.iter().map(|row| decode(row)).collect()
    }

    /// The first row of `sql`, decoded, if there is one.
    pub(crate) async fn first<T>(
        &mut self,
        sql: &'static str,
        args: &[Arg<'_>],
        decode: impl Fn(&dyn Columns) -> StoreResult<T>,
    ) -> StoreResult<Option<T>> {
        Ok(self.rows(sql, args, decode).await?.into_iter().next())
    }

    /// Runs a writing statement; returns how many rows it changed.
    pub(crate) async fn execute(
        &mut self,
        sql: &'static str,
        args: &[Arg<'_>],
    ) -> StoreResult<u64> {
        match self.writer()? {
            Writer::InPlace(conn) => sqlite_in_place::execute(conn, sql, args),
            Writer::Sqlx(conn) => Ok(query(sql, args)
                .execute(conn)
                .await
                .map_err(db_err)?
                .rows_affected()),
        }
    }

    /// Runs an INSERT: a row with its key taken is `Conflict(exists())`, one that refers to a
    /// row that is gone `NotFound`.
    pub(crate) async fn insert(
        &mut self,
        sql: &'static str,
        args: &[Arg<'_>],
        exists: impl FnOnce() -> String,
    ) -> StoreResult<()> {
        match self.writer()? {
            Writer::InPlace(conn) => sqlite_in_place::insert(conn, sql, args, exists),
            Writer::Sqlx(conn) => query(sql, args)
                .execute(conn)
                .await
                .map(drop)
                .map_err(conflict(exists)),
        }
    }

    fn writer(&mut self) -> StoreResult<Writer<'_>> {
        match self {
            Conn::InPlaceTx(conn) => Ok(Writer::InPlace(conn)),
            Conn::Borrowed(conn) => Ok(Writer::Sqlx(conn)),
            Conn::Pooled(conn) => Ok(Writer::Sqlx(conn)),
            Conn::InPlace(..) => Err(StoreError::Backend(
                "a write was sent to a read-only connection".into(),
            )),
        }
    }
}

enum Writer<'c> {
    InPlace(&'c mut rusqlite::Connection),
    Sqlx(&'c mut AnyConnection),
}

/// `sql` with `args` bound, for sqlx.
fn query<'q>(
    sql: &'static str,
    args: &[Arg<'q>],
) -> sqlx::query::Query<'q, Any, sqlx::any::AnyArguments> {
    let mut query = sqlx::query(sql);
    for arg in args {
        query = match *arg {
            Arg::Int(value) => query.bind(value),
            Arg::Text(value) => query.bind(value),
            Arg::OptionalInt(value) => query.bind(value),
            Arg::OptionalText(value) => query.bind(value),
        };
    }
    query
}

/// When a write transaction's commit reaches the disk, on a SQLite file in place.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Flush {
    /// Before the commit returns: what the mailbox holds (messages in, out or moved).
    Now,
    /// With the next commit flushed or the next checkpoint: flags and `\Recent` claims,
    /// which a power cut may take back to a moment before, as Dovecot's index does; never a
    /// message. PostgreSQL and the write pool flush every commit.
    Later,
}

/// A write transaction whose statements go through [`Conn`]; dropping it without `commit`
/// rolls it back.
pub(crate) enum Tx {
    Sqlx(WriteTx),
    InPlace(InPlaceTx),
}

impl Tx {
    /// Where this transaction's statements run.
    pub(crate) fn conn(&mut self) -> Conn<'_> {
        match self {
            Tx::Sqlx(tx) => Conn::Borrowed(tx),
            Tx::InPlace(tx) => Conn::InPlaceTx(tx.conn()),
        }
    }

    pub(crate) async fn commit(self) -> StoreResult<()> {
        match self {
            Tx::Sqlx(tx) => tx.commit().await.map_err(db_err),
            Tx::InPlace(tx) => tx.commit().await,
        }
    }

    /// Whether a statement run in place took too long and was stopped: the transaction must
    /// be dropped and done again on the write pool.
    pub(crate) fn cut_short(&self) -> bool {
        matches!(self, Tx::InPlace(tx) if tx.cut_short())
    }
}

/// Runs `$body`, an expression awaiting with `$conn: &mut Conn`, in a write transaction of
/// about `$rows` rows flushed as `$flush` (`SqlStore::tx`) and commits it if the body succeeds. A transaction in
/// place that was cut short is rolled back and done again on the write pool.
macro_rules! transaction {
    ($store:expr, $rows:expr, $flush:expr, |$conn:ident| $body:expr) => {{
        let store: &$crate::sql_store::SqlStore = $store;
        let mut tx = store.tx($rows, $flush).await?;
        let mut done = {
            let $conn = &mut tx.conn();
            $body.await
        };
        if tx.cut_short() {
            tracing::debug!("a write transaction too long for in place is done on the pool");
            // Let go of the write lock before the write pool's connection asks for it.
            drop(tx);
            tx = $crate::conn::Tx::Sqlx(store.write_tx().await?);
            done = {
                let $conn = &mut tx.conn();
                $body.await
            };
        }
        let value = done?;
        tx.commit().await?;
        Ok(value)
    }};
}
pub(crate) use transaction;

impl SqlStore {
    /// A reader for a read standing alone: in place on a SQLite file, else a pooled connection.
    pub(crate) async fn reads(&self) -> StoreResult<Conn<'static>> {
        match &self.in_place {
            Some(in_place) => Ok(Conn::InPlace(in_place.reads.take()?, self.read.clone())),
            None => Ok(Conn::Pooled(self.read.acquire().await.map_err(db_err)?)),
        }
    }

    /// A write transaction that touches about `rows` rows. On a SQLite file with few rows it
    /// runs in place (one hand-over, for the commit), unless another connection holds the
    /// write lock; else on the write pool, as `write_tx`.
    pub(crate) async fn tx(&self, rows: usize, flush: Flush) -> StoreResult<Tx> {
        if let Some(in_place) = &self.in_place
            && rows <= sqlite_in_place::MAX_ROWS
            && let Some(tx) = in_place.writer.begin(flush).await?
        {
            return Ok(Tx::InPlace(tx));
        }
        Ok(Tx::Sqlx(self.write_tx().await?))
    }
}
