//! Backups of an embedded (SQLite) node: a transaction-consistent copy of the database taken
//! while the server writes, the message bodies that copy refers to, and a manifest that lets a
//! restore check every byte before it copies anything. On PostgreSQL, `pg_dump` is the backup.
//!
//! A backup directory holds [`DATABASE_FILE`], [`KEY_FILE`], [`MANIFEST_FILE`] and the bodies
//! in `blobs/` in the file store's own layout.

mod blob_files;
mod manifest;
mod restore;
mod snapshot;
mod take;
mod verify;

pub use manifest::{DatabaseKind, Manifest};
pub use restore::restore;
pub use snapshot::Contents;
pub use take::{Taken, take};
pub use verify::{Verified, verify};

use std::io;
use std::path::{Path, PathBuf};
use trekmail_core::store::StoreError;

/// The database copy in a backup directory.
pub const DATABASE_FILE: &str = "trekmail.db";
/// The server key in a backup directory.
pub const KEY_FILE: &str = "server.key";
/// The manifest in a backup directory.
pub const MANIFEST_FILE: &str = "manifest.json";
/// The bodies' directory, in a backup as in a data dir.
pub const BLOBS_DIR: &str = "blobs";

/// What can go wrong taking, checking or reading a backup.
#[derive(Debug, thiserror::Error)]
pub enum BackupError {
    #[error("{0}")]
    Store(#[from] StoreError),
    #[error("{what}: {source}")]
    Io {
        what: String,
        #[source]
        source: io::Error,
    },
    /// The backup is not what its manifest says, or not whole: it must not be restored.
    #[error("the backup is damaged: {0}")]
    Damaged(String),
    /// Bodies the snapshot refers to were deleted before they could be copied, every try.
    #[error(
        "{0} message bodies the database snapshot refers to were deleted before they could be copied, {1} times in a row; try again when the server is less busy"
    )]
    Vanished(usize, u32),
}

pub type BackupResult<T> = Result<T, BackupError>;

/// An I/O error naming what was being done to which path.
pub(crate) fn io_err(what: &str, path: &Path) -> impl FnOnce(io::Error) -> BackupError {
    let what = format!("cannot {what} {}", path.display());
    move |source| BackupError::Io { what, source }
}

/// The SHA-256 of `bytes` in hex: the hash that names bodies, also the manifest's.
pub fn sha256_hex(bytes: &[u8]) -> String {
    trekmail_core::mail::BlobId::of(bytes).0
}

/// The SHA-256 of the file at `path` in hex, read a block at a time (a database may be far
/// larger than memory).
pub fn file_sha256_hex(path: &Path) -> io::Result<String> {
    use sha2::Digest;
    use std::io::Read;
    let mut file = std::fs::File::open(path)?;
    let mut hasher = sha2::Sha256::new();
    let mut block = vec![0; 1 << 16];
    loop {
        match file.read(&mut block)? {
            0 => break,
            n => hasher.update(&block[..n]),
        }
    }
    Ok(data_encoding::HEXLOWER.encode(&hasher.finalize()))
}

/// The file of a `sqlite:` URL, without its `?options`; `None` for another database or an
/// in-memory one.
pub fn sqlite_file(url: &str) -> Option<PathBuf> {
    let rest = url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))?;
    let path = rest.split('?').next().unwrap_or_default();
    (!path.is_empty() && path != ":memory:").then(|| PathBuf::from(path))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_file_of_a_sqlite_url() {
        assert_eq!(
            sqlite_file("sqlite:///var/lib/trekmail/trekmail.db?mode=rwc"),
            Some(PathBuf::from("/var/lib/trekmail/trekmail.db"))
        );
        assert_eq!(
            sqlite_file("sqlite:data/t.db"),
            Some(PathBuf::from("data/t.db"))
        );
        assert_eq!(sqlite_file("sqlite::memory:"), None);
        assert_eq!(sqlite_file("postgres://u@h/db"), None);
    }

    #[test]
    #[allow(clippy::unwrap_used)]
    fn a_file_hashed_by_blocks_hashes_like_its_bytes() {
        let dir = std::env::temp_dir().join(format!("trekmail-hash-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("big");
        let bytes: Vec<u8> = (0..200_000u32).map(|i| (i % 251) as u8).collect();
        std::fs::write(&path, &bytes).unwrap();
        assert_eq!(file_sha256_hex(&path).unwrap(), sha256_hex(&bytes));
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
