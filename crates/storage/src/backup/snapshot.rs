//! The database side of a backup: a consistent copy of a live SQLite file, and what a copy
//! holds that the backup must carry along (the bodies its messages name).

use super::{BackupError, BackupResult};
use crate::blob_ids;
use crate::error::db_err;
use sqlx::sqlite::{SqliteConnectOptions, SqliteConnection};
use sqlx::{Connection, Row};
use std::collections::BTreeSet;
use std::path::Path;
use trekmail_core::mail::BlobId;

/// Every column that names a body in the blob store. Only messages do (drafts and Sent
/// copies are messages); the outbound queue keeps its bodies in its own table
/// (`outbound_bodies`), inside the database. A test below fails when a migration adds
/// another column with "blob" in its name, so it is not forgotten here.
const REFERENCED: &str = "SELECT DISTINCT blob_id FROM messages ORDER BY blob_id";
const MESSAGES: &str = "SELECT COUNT(*) AS n FROM messages";
const SCHEMA: &str = "SELECT CAST(COALESCE(MAX(version), 0) AS BIGINT) AS v FROM schema_migrations";

/// What a database file holds that a backup must carry along, and its counts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Contents {
    pub messages: u64,
    /// The distinct bodies the messages name.
    pub blobs: BTreeSet<BlobId>,
    /// The newest migration applied to it.
    pub schema_version: i64,
}

/// Copies the live database `db` into `out` (missing or empty) with `VACUUM INTO`, on a
/// connection of its own: one read transaction, so the copy is consistent however the
/// server writes meanwhile (WAL lets it go on writing). The copy is in rollback-journal
/// mode, a single file.
pub(crate) async fn vacuum_into(db: &Path, out: &Path) -> BackupResult<()> {
    let out = out
        .to_str()
        .ok_or_else(|| BackupError::Damaged(format!("the path {} is not UTF-8", out.display())))?;
    // Read-write without create: a read-only connection could not open a WAL file whose
    // shared-memory file is gone (after a crash), and a missing database is an error.
    let options = SqliteConnectOptions::new()
        .filename(db)
        .create_if_missing(false);
    let mut conn = SqliteConnection::connect_with(&options)
        .await
        .map_err(|e| BackupError::Store(db_err(e)))?;
    sqlx::query("VACUUM INTO $1")
        .bind(out)
        .execute(&mut conn)
        .await
        .map_err(|e| BackupError::Store(db_err(e)))?;
    let _ = conn.close().await;
    Ok(())
}

/// Opens a database file read-only and unchanging (a backup's copy), checks it with
/// `PRAGMA integrity_check`, and reads what it holds.
pub(crate) async fn read_contents(db: &Path) -> BackupResult<Contents> {
    let options = SqliteConnectOptions::new()
        .filename(db)
        .read_only(true)
        .immutable(true);
    let mut conn = SqliteConnection::connect_with(&options)
        .await
        .map_err(|e| BackupError::Damaged(format!("cannot open {}: {e}", db.display())))?;
    let contents = read(&mut conn, db).await;
    let _ = conn.close().await;
    contents
}

async fn read(conn: &mut SqliteConnection, db: &Path) -> BackupResult<Contents> {
    let damaged = |e: sqlx::Error| BackupError::Damaged(format!("{}: {e}", db.display()));
    let problems: Vec<String> = sqlx::query_scalar("PRAGMA integrity_check")
        .fetch_all(&mut *conn)
        .await
        .map_err(damaged)?;
    if problems != ["ok"] {
        return Err(BackupError::Damaged(format!(
            "{} fails its integrity check: {}",
            db.display(),
            problems.join("; ")
        )));
    }
    let messages: i64 = sqlx::query(MESSAGES)
        .fetch_one(&mut *conn)
        .await
        .and_then(|row| row.try_get("n"))
        .map_err(damaged)?;
    let schema_version: i64 = sqlx::query(SCHEMA)
        .fetch_one(&mut *conn)
        .await
        .and_then(|row| row.try_get("v"))
        .map_err(damaged)?;
    let mut blobs = BTreeSet::new();
    for row in sqlx::query(REFERENCED)
        .fetch_all(&mut *conn)
        .await
        .map_err(damaged)?
    {
        let id = BlobId(row.try_get("blob_id").map_err(damaged)?);
        blob_ids::checked(&id)?;
        blobs.insert(id);
    }
    Ok(Contents {
        messages: u64::try_from(messages).unwrap_or_default(),
        blobs,
        schema_version,
    })
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::SqlStore;
    use std::path::PathBuf;

    /// A fresh, migrated database file in a scratch dir of its own; the dir and the file.
    pub(crate) async fn migrated() -> (PathBuf, PathBuf) {
        let dir = std::env::temp_dir().join(format!(
            "trekmail-backup-{}",
            BlobId::of(
                format!(
                    "{:?}{:?}",
                    std::time::SystemTime::now(),
                    std::thread::current().id()
                )
                .as_bytes()
            )
            .0
        ));
        std::fs::create_dir_all(&dir).unwrap();
        let db = dir.join("live.db");
        let store = SqlStore::open(&format!("sqlite://{}?mode=rwc", db.display()))
            .await
            .unwrap();
        store.close().await;
        (dir, db)
    }

    /// A connection to `db` that lets rows in without their folders (no foreign keys).
    pub(crate) async fn loose(db: &Path) -> SqliteConnection {
        let options = SqliteConnectOptions::new().filename(db).foreign_keys(false);
        SqliteConnection::connect_with(&options).await.unwrap()
    }

    /// Adds a message naming `blob` to `db`.
    pub(crate) async fn add_message(conn: &mut SqliteConnection, uid: i64, blob: &BlobId) {
        sqlx::query(
            "INSERT INTO messages (folder_id, uid, flags, internal_date, size, blob_id) \
             VALUES (1, $1, '', 0, 1, $2)",
        )
        .bind(uid)
        .bind(blob.0.as_str())
        .execute(&mut *conn)
        .await
        .unwrap();
    }

    #[tokio::test]
    async fn a_snapshot_holds_the_committed_rows_and_lists_their_bodies_once() {
        let (dir, db) = migrated().await;
        let mut live = loose(&db).await;
        let (a, b) = (BlobId::of(b"a"), BlobId::of(b"b"));
        add_message(&mut live, 1, &a).await;
        add_message(&mut live, 2, &a).await;
        add_message(&mut live, 3, &b).await;
        // Uncommitted while the snapshot is taken: not in it.
        let mut tx = live.begin().await.unwrap();
        add_message(&mut tx, 4, &BlobId::of(b"c")).await;
        let out = dir.join("copy.db");
        std::fs::File::create(&out).unwrap();
        vacuum_into(&db, &out).await.unwrap();
        tx.commit().await.unwrap();
        let contents = read_contents(&out).await.unwrap();
        assert_eq!(contents.messages, 3);
        assert_eq!(contents.blobs, BTreeSet::from([a, b]));
        assert_eq!(
            contents.schema_version,
            crate::known_schema_versions().last().copied().unwrap()
        );
        // A single file: no journal or WAL beside it.
        let header = std::fs::read(&out).unwrap();
        assert_eq!(
            (header[18], header[19]),
            (1, 1),
            "not in rollback-journal mode"
        );
    }

    #[tokio::test]
    async fn a_damaged_copy_or_a_bad_id_is_refused() {
        let (dir, db) = migrated().await;
        let mut live = loose(&db).await;
        add_message(&mut live, 1, &BlobId("../../etc/passwd".into())).await;
        let copy = dir.join("copy.db");
        vacuum_into(&db, &copy).await.unwrap();
        let err = read_contents(&copy).await.unwrap_err().to_string();
        assert!(err.contains("invalid blob id"), "{err}");
        let garbage = dir.join("garbage.db");
        std::fs::write(&garbage, vec![7u8; 8192]).unwrap();
        let err = read_contents(&garbage).await.unwrap_err();
        assert!(matches!(err, BackupError::Damaged(_)), "{err}");
    }

    #[tokio::test]
    async fn only_messages_name_bodies() {
        let (_dir, db) = migrated().await;
        let mut conn = loose(&db).await;
        let columns: Vec<(String, String)> = sqlx::query_as(
            "SELECT m.name, p.name FROM sqlite_master m, pragma_table_info(m.name) p \
             WHERE m.type = 'table' AND p.name LIKE '%blob%' ORDER BY 1, 2",
        )
        .fetch_all(&mut conn)
        .await
        .unwrap();
        assert_eq!(
            columns,
            [("messages".to_owned(), "blob_id".to_owned())],
            "a new column names bodies: add it to REFERENCED"
        );
    }
}
