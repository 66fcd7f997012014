//! Checking a backup directory before trusting it: after it is written, and again before a
//! restore copies anything from it.

use super::blob_files::check_blob;
use super::manifest::{DatabaseKind, Manifest};
use super::snapshot::{Contents, read_contents};
use super::{
    BLOBS_DIR, BackupError, BackupResult, DATABASE_FILE, KEY_FILE, MANIFEST_FILE, file_sha256_hex,
    io_err, sha256_hex,
};
use std::fs;
use std::io;
use std::path::Path;

/// A backup that checked out: its manifest and what its database copy holds.
#[derive(Debug, Clone)]
pub struct Verified {
    pub manifest: Manifest,
    /// `None` for a PostgreSQL node's backup, which holds only the server key.
    pub contents: Option<Contents>,
    pub blob_bytes: u64,
}

/// Checks `dir` against its manifest: the server key's hash; on SQLite the database copy's
/// hash and integrity, and every body it names present and matching its name (SHA-256),
/// with the counts the manifest gives.
pub async fn verify(dir: &Path) -> BackupResult<Verified> {
    let path = dir.join(MANIFEST_FILE);
    let text = match fs::read_to_string(&path) {
        Ok(text) => text,
        Err(e) if e.kind() == io::ErrorKind::NotFound => {
            return Err(BackupError::Damaged(format!(
                "{} has no {MANIFEST_FILE}: not a TrekMail backup, or not a whole one",
                dir.display()
            )));
        }
        Err(e) => return Err(io_err("read", &path)(e)),
    };
    let manifest = Manifest::parse(&text)?;
    if sha256_hex(&read(&dir.join(KEY_FILE))?) != manifest.key_sha256 {
        return Err(BackupError::Damaged(format!(
            "{KEY_FILE} does not match the manifest's hash"
        )));
    }
    if manifest.database == DatabaseKind::Postgres {
        return Ok(Verified {
            manifest,
            contents: None,
            blob_bytes: 0,
        });
    }
    let db = dir.join(DATABASE_FILE);
    let hash = file_sha256_hex(&db).map_err(|e| unreadable(&db, e))?;
    if manifest.database_sha256.as_deref() != Some(hash.as_str()) {
        return Err(BackupError::Damaged(format!(
            "{DATABASE_FILE} does not match the manifest's hash (changed or corrupted)"
        )));
    }
    let contents = read_contents(&db).await?;
    let blobs = dir.join(BLOBS_DIR);
    let mut blob_bytes = 0;
    for id in &contents.blobs {
        blob_bytes += check_blob(&blobs, id)?;
    }
    let counted = (
        Some(contents.messages),
        Some(contents.blobs.len() as u64),
        Some(blob_bytes),
    );
    if counted != (manifest.messages, manifest.blobs, manifest.blob_bytes) {
        return Err(BackupError::Damaged(format!(
            "the manifest counts {:?} messages, {:?} bodies and {:?} bytes; the backup holds {}, {} and {}",
            manifest.messages,
            manifest.blobs,
            manifest.blob_bytes,
            contents.messages,
            contents.blobs.len(),
            blob_bytes
        )));
    }
    Ok(Verified {
        manifest,
        contents: Some(contents),
        blob_bytes,
    })
}

/// A file of the backup, which must be there.
fn read(path: &Path) -> BackupResult<Vec<u8>> {
    fs::read(path).map_err(|e| unreadable(path, e))
}

/// A file of the backup that is missing (damage) or cannot be read.
fn unreadable(path: &Path, e: io::Error) -> BackupError {
    match e.kind() {
        io::ErrorKind::NotFound => BackupError::Damaged(format!("{} is missing", path.display())),
        _ => io_err("read", path)(e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::backup::blob_files::blob_path;
    use crate::backup::snapshot::tests::{add_message, loose, migrated};
    use crate::backup::take::take;
    use trekmail_core::store::BlobStore;

    /// A backup of a database with one message, with its key and manifest.
    async fn backup() -> std::path::PathBuf {
        let (dir, db) = migrated().await;
        let store = crate::FsBlobStore::new(dir.join("blobs"));
        let body = store.put(b"Subject: hi\r\n\r\nhello\r\n").await.unwrap();
        add_message(&mut loose(&db).await, 1, &body).await;
        let into = dir.join("backup");
        fs::create_dir(&into).unwrap();
        let taken = take(&db, &dir.join("blobs"), &into).await.unwrap();
        fs::write(into.join(KEY_FILE), b"key").unwrap();
        let manifest = Manifest {
            created_at: chrono::Utc::now(),
            trekmail_version: "test".into(),
            database: DatabaseKind::Sqlite,
            schema_version: Some(taken.contents.schema_version),
            messages: Some(taken.contents.messages),
            blobs: Some(taken.contents.blobs.len() as u64),
            blob_bytes: Some(taken.blob_bytes),
            database_sha256: Some(taken.database_sha256),
            key_sha256: sha256_hex(b"key"),
        };
        fs::write(into.join(MANIFEST_FILE), manifest.to_json()).unwrap();
        into
    }

    #[tokio::test]
    async fn a_whole_backup_verifies_and_a_flipped_byte_anywhere_does_not() {
        let into = backup().await;
        let verified = verify(&into).await.unwrap();
        let contents = verified.contents.unwrap();
        assert_eq!((contents.messages, verified.blob_bytes), (1, 22));
        let body = blob_path(&into.join(BLOBS_DIR), contents.blobs.first().unwrap()).unwrap();
        for (file, why) in [
            (body, "does not match its SHA-256"),
            (
                into.join(DATABASE_FILE),
                "does not match the manifest's hash",
            ),
            (into.join(KEY_FILE), "does not match the manifest's hash"),
        ] {
            let good = fs::read(&file).unwrap();
            let mut bad = good.clone();
            bad[good.len() / 2] ^= 1;
            fs::write(&file, &bad).unwrap();
            let err = verify(&into).await.unwrap_err();
            assert!(matches!(err, BackupError::Damaged(_)), "{err}");
            assert!(err.to_string().contains(why), "{err}");
            fs::write(&file, &good).unwrap();
            fs::remove_file(&file).unwrap();
            let err = verify(&into).await.unwrap_err().to_string();
            assert!(err.contains("missing"), "{err}");
            fs::write(&file, &good).unwrap();
        }
        fs::remove_file(into.join(MANIFEST_FILE)).unwrap();
        let err = verify(&into).await.unwrap_err().to_string();
        assert!(err.contains("not a TrekMail backup"), "{err}");
    }
}
