//! Where a read runs: on a sqlx connection (PostgreSQL, a transaction, an in-memory SQLite)
//! or, on a SQLite file, in place (`sqlite_in_place.rs`). The hot reads and their decoding
//! are written once, against `Reads`.

use crate::error::db_err;
use crate::rows::Columns;
use crate::sql_store::SqlStore;
use crate::sqlite_in_place::InPlaceConn;
use sqlx::pool::PoolConnection;
use sqlx::{Any, AnyConnection, AnyPool};
use trekmail_core::store::StoreResult;

/// A statement's argument.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Arg<'a> {
    Int(i64),
    Text(&'a str),
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

pub(crate) enum Reads<'c> {
    /// A connection the caller holds, such as its transaction's.
    Borrowed(&'c mut AnyConnection),
    /// One of the read pool's connections.
    Pooled(PoolConnection<Any>),
    /// In place, with the read pool for a read too long to finish there.
    InPlace(InPlaceConn, AnyPool),
}

impl Reads<'_> {
    /// The rows of `sql` with `args` bound as `$1`, `$2`, …, each decoded.
    pub(crate) async fn rows<T>(
        &mut self,
        sql: &'static str,
        args: &[Arg<'_>],
        decode: impl Fn(&dyn Columns) -> StoreResult<T>,
    ) -> StoreResult<Vec<T>> {
        let mut fallback;
        let conn: &mut AnyConnection = match self {
            Reads::InPlace(conn, pool) => match conn.rows(sql, args, &decode)? {
                Some(found) => return Ok(found),
                None => {
                    fallback = pool.acquire().await.map_err(db_err)?;
                    &mut fallback
                }
            },
            Reads::Borrowed(conn) => conn,
            Reads::Pooled(conn) => conn,
        };
        let mut query = sqlx::query(sql);
        for arg in args {
            query = match *arg {
                Arg::Int(value) => query.bind(value),
                Arg::Text(value) => query.bind(value),
            };
        }
        let rows = query.fetch_all(conn).await.map_err(db_err)?;
        rows.iter().map(|row| decode(row)).collect()
    }
}

impl SqlStore {
    /// A reader for a read standing alone: in place on a SQLite file, else a pooled connection.
    pub(crate) async fn reads(&self) -> StoreResult<Reads<'static>> {
        match &self.in_place {
            Some(reads) => Ok(Reads::InPlace(reads.take()?, self.read.clone())),
            None => Ok(Reads::Pooled(self.read.acquire().await.map_err(db_err)?)),
        }
    }
}
