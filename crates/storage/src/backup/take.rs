//! Taking a backup of an embedded node while it runs: its database copy and the bodies the
//! copy names, whatever the server stores and deletes meanwhile.

use super::blob_files::{blob_path, link_or_copy, present, remove_others};
use super::snapshot::{Contents, read_contents, vacuum_into};
use super::{BLOBS_DIR, BackupError, BackupResult, DATABASE_FILE, file_sha256_hex, io_err};
use std::fs::{self, OpenOptions};
use std::io;
use std::os::unix::fs::OpenOptionsExt;
use std::path::Path;

/// How many times the backup starts over when bodies vanish between the snapshot and their
/// copy: each new try needs a body stored and deleted within that one try's window.
const TRIES: u32 = 5;

/// What [`take`] wrote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Taken {
    pub contents: Contents,
    /// The bodies' total size.
    pub blob_bytes: u64,
    /// The SHA-256 (hex) of the database copy.
    pub database_sha256: String,
}

/// Backs up the live database `db` and the bodies it names from the file store at `blobs`
/// into `into` (an empty private directory).
///
/// A body is stored before the row naming it commits and deleted after the last such row
/// goes, so: every body present is linked first, then the snapshot taken; what it names
/// is then all linked already, except bodies stored since, copied now. A body stored after
/// the first step and deleted before the third is missing: the backup starts over.
pub async fn take(db: &Path, blobs: &Path, into: &Path) -> BackupResult<Taken> {
    let copy = into.join(DATABASE_FILE);
    let copied = into.join(BLOBS_DIR);
    let mut missing = 0;
    for attempt in 1..=TRIES {
        for id in present(blobs)? {
            link_or_copy(blobs, &copied, &id)?;
        }
        new_private_file(&copy)?;
        vacuum_into(db, &copy).await?;
        let contents = read_contents(&copy).await?;
        missing = 0;
        for id in &contents.blobs {
            if !link_or_copy(blobs, &copied, id)? {
                missing += 1;
            }
        }
        remove_others(&copied, &contents.blobs)?;
        if missing == 0 {
            let mut blob_bytes = 0;
            for id in &contents.blobs {
                let path = blob_path(&copied, id)?;
                blob_bytes += fs::metadata(&path).map_err(io_err("read", &path))?.len();
            }
            let database_sha256 = file_sha256_hex(&copy).map_err(io_err("read", &copy))?;
            return Ok(Taken {
                contents,
                blob_bytes,
                database_sha256,
            });
        }
        tracing::warn!(
            attempt,
            missing,
            "message bodies were deleted before they were copied; starting over"
        );
    }
    Err(BackupError::Vanished(missing, TRIES))
}

/// Makes `path` a new empty file only this user may read (`VACUUM INTO` writes into an
/// empty file and keeps its mode), replacing the copy of an earlier try.
fn new_private_file(path: &Path) -> BackupResult<()> {
    match fs::remove_file(path) {
        Ok(()) => {}
        Err(e) if e.kind() == io::ErrorKind::NotFound => {}
        Err(e) => return Err(io_err("remove", path)(e)),
    }
    OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
        .map_err(io_err("create", path))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::backup::blob_files::check_blob;
    use crate::backup::snapshot::tests::{add_message, loose, migrated};
    use std::collections::BTreeSet;
    use std::os::unix::fs::PermissionsExt;
    use trekmail_core::mail::BlobId;
    use trekmail_core::store::BlobStore;

    #[tokio::test]
    async fn a_backup_holds_exactly_the_bodies_its_snapshot_names() {
        let (dir, db) = migrated().await;
        let live_blobs = dir.join("blobs");
        let store = crate::FsBlobStore::new(&live_blobs);
        let kept = store.put(b"kept").await.unwrap();
        let shared = store.put(b"shared").await.unwrap();
        // An orphan (its message went, the body not yet): not backed up.
        let orphan = store.put(b"orphan").await.unwrap();
        let mut live = loose(&db).await;
        add_message(&mut live, 1, &kept).await;
        add_message(&mut live, 2, &shared).await;
        add_message(&mut live, 3, &shared).await;
        let into = dir.join("backup");
        fs::create_dir(&into).unwrap();
        let taken = take(&db, &live_blobs, &into).await.unwrap();
        assert_eq!(taken.contents.messages, 3);
        assert_eq!(
            taken.contents.blobs,
            BTreeSet::from([kept.clone(), shared.clone()])
        );
        assert_eq!(taken.blob_bytes, 10);
        let copied = into.join(BLOBS_DIR);
        assert_eq!(present(&copied).unwrap(), taken.contents.blobs);
        assert!(check_blob(&copied, &orphan).is_err());
        assert_eq!(
            taken.database_sha256,
            file_sha256_hex(&into.join(DATABASE_FILE)).unwrap()
        );
        let mode = fs::metadata(into.join(DATABASE_FILE))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
        // The server deletes a body after the backup: the backup's stays whole.
        store.delete(std::slice::from_ref(&kept)).await.unwrap();
        assert_eq!(check_blob(&copied, &kept).unwrap(), 4);
    }

    #[tokio::test]
    async fn a_body_named_but_gone_fails_after_every_try() {
        let (dir, db) = migrated().await;
        let mut live = loose(&db).await;
        add_message(&mut live, 1, &BlobId::of(b"never stored")).await;
        let into = dir.join("backup");
        fs::create_dir(&into).unwrap();
        let err = take(&db, &dir.join("blobs"), &into).await.unwrap_err();
        assert!(matches!(err, BackupError::Vanished(1, TRIES)), "{err}");
    }
}
