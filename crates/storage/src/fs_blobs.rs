//! Message bodies as files, `dir/ab/cd/<id>`: written to a temporary file, fsync'd, renamed
//! into place and the directory fsync'd, so a body is either whole and durable or absent.

use crate::blob_ids;
use std::fs::{self, DirBuilder, File, OpenOptions};
use std::io::{self, Write};
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use trekmail_core::mail::BlobId;
use trekmail_core::store::{BlobStore, StoreError, StoreResult};

/// Bodies are private mail: only this user may read them.
const FILE_MODE: u32 = 0o600;
const DIR_MODE: u32 = 0o700;

/// A [`BlobStore`] in a directory of the local file system. Cheap to clone.
#[derive(Debug, Clone)]
pub struct FsBlobStore {
    dir: PathBuf,
}

impl FsBlobStore {
    /// Bodies go below `dir`, which is created on the first `put` if missing.
    pub fn new(dir: impl Into<PathBuf>) -> FsBlobStore {
        FsBlobStore { dir: dir.into() }
    }

    /// Where the blob lives; `id` is checked to be hex, so it cannot leave `dir`.
    fn path_of(&self, id: &BlobId) -> StoreResult<PathBuf> {
        let hex = blob_ids::checked(id)?;
        Ok(self.dir.join(&hex[..2]).join(&hex[2..4]).join(hex))
    }
}

#[async_trait::async_trait]
impl BlobStore for FsBlobStore {
    /// Idempotent: a body stored already is kept as it is.
    async fn put(&self, bytes: &[u8]) -> StoreResult<BlobId> {
        let store = self.clone();
        let bytes = bytes.to_vec();
        blocking(move || {
            let id = BlobId::of(&bytes);
            let path = store.path_of(&id)?;
            write_durably(&store.dir, &path, &bytes).map_err(|e| {
                StoreError::Backend(format!(
                    "cannot store a message body in {}: {e}",
                    store.dir.display()
                ))
            })?;
            Ok(id)
        })
        .await
    }

    async fn get(&self, id: &BlobId) -> StoreResult<Option<Vec<u8>>> {
        self.read(id, None).await
    }

    async fn head(&self, id: &BlobId, max: usize) -> StoreResult<Option<Vec<u8>>> {
        self.read(id, Some(max)).await
    }

    /// A body that comes back after a crash is only garbage, so no fsync here.
    async fn delete(&self, ids: &[BlobId]) -> StoreResult<()> {
        let paths = ids
            .iter()
            .map(|id| self.path_of(id))
            .collect::<StoreResult<Vec<_>>>()?;
        if paths.is_empty() {
            return Ok(());
        }
        blocking(move || {
            for path in paths {
                match fs::remove_file(&path) {
                    Ok(()) => {}
                    Err(e) if e.kind() == io::ErrorKind::NotFound => {}
                    Err(e) => {
                        return Err(StoreError::Backend(format!(
                            "cannot delete {}: {e}",
                            path.display()
                        )));
                    }
                }
            }
            Ok(())
        })
        .await
    }
}

impl FsBlobStore {
    /// The body, or its first `max` bytes. A small read is done in place: from the page cache
    /// it takes microseconds, less than the hand-over to the blocking pool and back (about
    /// 35 µs); a larger one goes there.
    async fn read(&self, id: &BlobId, max: Option<usize>) -> StoreResult<Option<Vec<u8>>> {
        let path = self.path_of(id)?;
        let file = match File::open(&path) {
            Ok(file) => file,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(read_error(&path, &e)),
        };
        let len = file.metadata().map_err(|e| read_error(&path, &e))?.len();
        let len = max.map_or(len, |max| len.min(max as u64));
        if len <= READ_IN_PLACE {
            return read_up_to(file, len, &path).map(Some);
        }
        blocking(move || read_up_to(file, len, &path).map(Some)).await
    }
}

/// Reads done in place, on the caller's thread, are at most this long.
const READ_IN_PLACE: u64 = 64 * 1024;

/// The file's first `len` bytes (fewer if it is shorter now).
fn read_up_to(file: File, len: u64, path: &Path) -> StoreResult<Vec<u8>> {
    let mut bytes = Vec::with_capacity(usize::try_from(len).unwrap_or(0));
    io::Read::read_to_end(&mut io::Read::take(file, len), &mut bytes)
        .map_err(|e| read_error(path, &e))?;
    Ok(bytes)
}

fn read_error(path: &Path, e: &io::Error) -> StoreError {
    StoreError::Backend(format!("cannot read {}: {e}", path.display()))
}

/// Runs file I/O on the blocking pool, off the runtime's threads.
async fn blocking<T: Send + 'static>(
    work: impl FnOnce() -> StoreResult<T> + Send + 'static,
) -> StoreResult<T> {
    tokio::task::spawn_blocking(work)
        .await
        .map_err(|e| StoreError::Backend(format!("blob store task failed: {e}")))?
}

/// Writes `bytes` at `path` (below `root`) unless a file is there already.
fn write_durably(root: &Path, path: &Path, bytes: &[u8]) -> io::Result<()> {
    if fs::symlink_metadata(path).is_ok() {
        return Ok(());
    }
    let dir = path
        .parent()
        .ok_or_else(|| io::Error::other("a blob path has no directory"))?;
    make_dirs(root, dir)?;
    let temp = dir.join(temp_name());
    let written = write_file(&temp, bytes)
        .and_then(|()| fs::rename(&temp, path))
        .and_then(|()| sync_dir(dir));
    if written.is_err() {
        let _ = fs::remove_file(&temp);
    }
    written
}

fn write_file(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let mut file = OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(FILE_MODE)
        .open(path)?;
    file.write_all(bytes)?;
    file.sync_all()
}

/// Creates `dir` and the missing directories between it and `root`, fsyncing the parent of
/// each new one so its entry survives a crash too.
fn make_dirs(root: &Path, dir: &Path) -> io::Result<()> {
    if dir.is_dir() {
        return Ok(());
    }
    if !root.is_dir() {
        DirBuilder::new()
            .recursive(true)
            .mode(DIR_MODE)
            .create(root)?;
        if let Some(parent) = root.parent().filter(|p| !p.as_os_str().is_empty()) {
            sync_dir(parent)?;
        }
    }
    let below = dir.strip_prefix(root).map_err(io::Error::other)?;
    let mut current = root.to_path_buf();
    for part in below.components() {
        let parent = current.clone();
        current.push(part);
        match DirBuilder::new().mode(DIR_MODE).create(&current) {
            // Also when another put made it at the same moment: it may not have fsync'd yet.
            Ok(()) => sync_dir(&parent)?,
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => sync_dir(&parent)?,
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

fn sync_dir(dir: &Path) -> io::Result<()> {
    File::open(dir)?.sync_all()
}

/// A name no other writer (thread or process) uses at the same time; the dot keeps it
/// apart from blob names, which are bare hex.
fn temp_name() -> String {
    static NEXT: AtomicU64 = AtomicU64::new(0);
    format!(
        ".tmp-{}-{}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    )
}
