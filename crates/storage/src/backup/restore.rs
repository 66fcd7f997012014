//! Copying a checked backup into an empty data dir, each body written as the file store
//! writes its own (durable, private), the database last.

use super::blob_files::{blob_path, copy_private};
use super::snapshot::Contents;
use super::{BLOBS_DIR, BackupError, BackupResult, DATABASE_FILE, io_err};
use crate::FsBlobStore;
use std::fs::{self, File};
use std::path::Path;
use trekmail_core::store::BlobStore;

/// Copies the bodies `contents` names from the backup `dir` into the file store at `blobs`,
/// then the database copy to `db` (which must not exist). `contents` is what
/// [`super::verify`] found; a body that changed since is refused all the same.
pub async fn restore(dir: &Path, contents: &Contents, db: &Path, blobs: &Path) -> BackupResult<()> {
    let store = FsBlobStore::new(blobs);
    let from = dir.join(BLOBS_DIR);
    for id in &contents.blobs {
        let path = blob_path(&from, id)?;
        let bytes = fs::read(&path).map_err(io_err("read", &path))?;
        if store.put(&bytes).await? != *id {
            return Err(BackupError::Damaged(format!(
                "message body {} changed while it was restored",
                id.0
            )));
        }
    }
    let source = dir.join(DATABASE_FILE);
    let mut input = File::open(&source).map_err(io_err("read", &source))?;
    copy_private(&mut input, db)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::backup::blob_files::check_blob;
    use crate::backup::snapshot::read_contents;
    use crate::backup::snapshot::tests::{add_message, loose, migrated};
    use crate::backup::take::take;
    use std::os::unix::fs::PermissionsExt;

    #[tokio::test]
    async fn a_restore_puts_the_database_and_bodies_in_the_stores_layout() {
        let (dir, db) = migrated().await;
        let live = FsBlobStore::new(dir.join("blobs"));
        let body = live.put(b"a body").await.unwrap();
        add_message(&mut loose(&db).await, 1, &body).await;
        let into = dir.join("backup");
        fs::create_dir(&into).unwrap();
        let taken = take(&db, &dir.join("blobs"), &into).await.unwrap();
        let data = dir.join("restored");
        let restored_db = data.join("trekmail.db");
        fs::create_dir(&data).unwrap();
        restore(&into, &taken.contents, &restored_db, &data.join("blobs"))
            .await
            .unwrap();
        assert_eq!(read_contents(&restored_db).await.unwrap(), taken.contents);
        let restored = FsBlobStore::new(data.join("blobs"));
        assert_eq!(restored.get(&body).await.unwrap().unwrap(), b"a body");
        assert_eq!(check_blob(&data.join("blobs"), &body).unwrap(), 6);
        let mode = fs::metadata(&restored_db).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
        // Never over an existing database.
        let again = restore(&into, &taken.contents, &restored_db, &data.join("blobs")).await;
        assert!(again.is_err());
    }
}
