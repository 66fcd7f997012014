//! Message body files in a directory laid out as the file store lays them out
//! (`dir/ab/cd/<id>`, see `fs_blobs.rs`): listing, hard-linking or copying, checking.

use super::{BackupError, BackupResult, io_err};
use crate::blob_ids;
use std::collections::BTreeSet;
use std::fs::{self, DirBuilder, File, OpenOptions};
use std::io;
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt};
use std::path::{Path, PathBuf};
use trekmail_core::mail::BlobId;

/// Only this user may read mail, in a backup as in the data dir.
const FILE_MODE: u32 = 0o600;
const DIR_MODE: u32 = 0o700;

/// Where body `id` lives below `dir`; `id` is checked to be hex, so it cannot leave `dir`.
pub(crate) fn blob_path(dir: &Path, id: &BlobId) -> BackupResult<PathBuf> {
    let hex = blob_ids::checked(id)?;
    Ok(dir.join(&hex[..2]).join(&hex[2..4]).join(hex))
}

/// The bodies present below `dir` (none when it does not exist). Anything else there, such as
/// a half-written temporary file, is not a body and is left out.
pub(crate) fn present(dir: &Path) -> BackupResult<BTreeSet<BlobId>> {
    let mut found = BTreeSet::new();
    for first in entries(dir)? {
        for second in entries(&first)? {
            for file in entries(&second)? {
                let Some(name) = file.file_name().and_then(|n| n.to_str()) else {
                    continue;
                };
                let id = BlobId(name.to_owned());
                if blob_ids::checked(&id).is_ok() && blob_path(dir, &id)? == file {
                    found.insert(id);
                }
            }
        }
    }
    Ok(found)
}

/// The entries of `dir`; none if it is missing (or was just removed).
fn entries(dir: &Path) -> BackupResult<Vec<PathBuf>> {
    let list = match fs::read_dir(dir) {
        Ok(list) => list,
        Err(e)
            if matches!(
                e.kind(),
                io::ErrorKind::NotFound | io::ErrorKind::NotADirectory
            ) =>
        {
            return Ok(Vec::new());
        }
        Err(e) => return Err(io_err("read", dir)(e)),
    };
    list.map(|entry| entry.map(|e| e.path()).map_err(io_err("read", dir)))
        .collect()
}

/// Puts body `id` from the store at `from` into `to`: a hard link (bodies never change, and
/// the link keeps the body even if the server deletes its own name), or a copy where links
/// cannot go (another file system). `false` when the body is gone from `from`.
pub(crate) fn link_or_copy(from: &Path, to: &Path, id: &BlobId) -> BackupResult<bool> {
    let source = blob_path(from, id)?;
    let target = blob_path(to, id)?;
    if fs::symlink_metadata(&target).is_ok() {
        return Ok(true);
    }
    if let Some(parent) = target.parent() {
        DirBuilder::new()
            .recursive(true)
            .mode(DIR_MODE)
            .create(parent)
            .map_err(io_err("create", parent))?;
    }
    match fs::hard_link(&source, &target) {
        Ok(()) => return Ok(true),
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(false),
        Err(e) => tracing::debug!(error = %e, "cannot hard-link a body; copying it"),
    }
    let mut input = match File::open(&source) {
        Ok(file) => file,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(false),
        Err(e) => return Err(io_err("read", &source)(e)),
    };
    copy_private(&mut input, &target)?;
    Ok(true)
}

/// Copies `input` into a new file at `target`, readable by this user only, and syncs it.
pub(crate) fn copy_private(input: &mut impl io::Read, target: &Path) -> BackupResult<u64> {
    let mut output = OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(FILE_MODE)
        .open(target)
        .map_err(io_err("create", target))?;
    let bytes = io::copy(input, &mut output).map_err(io_err("write", target))?;
    output.sync_all().map_err(io_err("write", target))?;
    Ok(bytes)
}

/// Removes the bodies below `dir` that are not in `keep`.
pub(crate) fn remove_others(dir: &Path, keep: &BTreeSet<BlobId>) -> BackupResult<()> {
    for id in present(dir)?.difference(keep) {
        let path = blob_path(dir, id)?;
        fs::remove_file(&path).map_err(io_err("remove", &path))?;
    }
    Ok(())
}

/// Checks that body `id` is below `dir` and is what its name says (its SHA-256); its size.
pub(crate) fn check_blob(dir: &Path, id: &BlobId) -> BackupResult<u64> {
    let path = blob_path(dir, id)?;
    let bytes = match fs::read(&path) {
        Ok(bytes) => bytes,
        Err(e) if e.kind() == io::ErrorKind::NotFound => {
            return Err(BackupError::Damaged(format!(
                "message body {} is missing ({})",
                id.0,
                path.display()
            )));
        }
        Err(e) => return Err(io_err("read", &path)(e)),
    };
    if BlobId::of(&bytes) != *id {
        return Err(BackupError::Damaged(format!(
            "message body {} does not match its SHA-256: {} was changed or corrupted",
            id.0,
            path.display()
        )));
    }
    Ok(bytes.len() as u64)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scratch() -> PathBuf {
        let dir = std::env::temp_dir().join(format!(
            "trekmail-blob-files-{}-{}",
            std::process::id(),
            BlobId::of(format!("{:?}", std::time::Instant::now()).as_bytes()).0
        ));
        fs::create_dir_all(&dir).unwrap();
        dir
    }

    fn put(dir: &Path, bytes: &[u8]) -> BlobId {
        let id = BlobId::of(bytes);
        let path = blob_path(dir, &id).unwrap();
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(path, bytes).unwrap();
        id
    }

    #[test]
    fn bodies_are_listed_linked_pruned_and_checked() {
        let (from, to) = (scratch(), scratch());
        let a = put(&from, b"body a");
        let b = put(&from, b"body b");
        fs::write(
            blob_path(&from, &a).unwrap().with_file_name(".tmp-1-0"),
            b"x",
        )
        .unwrap();
        assert_eq!(
            present(&from).unwrap(),
            BTreeSet::from([a.clone(), b.clone()])
        );
        assert!(link_or_copy(&from, &to, &a).unwrap());
        assert!(link_or_copy(&from, &to, &b).unwrap());
        assert!(!link_or_copy(&from, &to, &BlobId::of(b"never stored")).unwrap());
        remove_others(&to, &BTreeSet::from([a.clone()])).unwrap();
        assert_eq!(present(&to).unwrap(), BTreeSet::from([a.clone()]));
        assert_eq!(check_blob(&to, &a).unwrap(), 6);
        assert!(matches!(check_blob(&to, &b), Err(BackupError::Damaged(_))));
        fs::write(blob_path(&to, &a).unwrap(), b"body A").unwrap();
        let err = check_blob(&to, &a).unwrap_err().to_string();
        assert!(err.contains("does not match its SHA-256"), "{err}");
        assert!(present(&from.join("missing")).unwrap().is_empty());
    }
}
