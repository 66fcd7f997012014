//! Message bodies: in files (FsBlobStore) and in the database (SqlStore, on both).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: failing loudly is the point

mod common;

use common::*;
use std::path::{Path, PathBuf};
use trekmail_core::mail::{BlobId, INBOX};
use trekmail_core::store::{BlobStore, MessageStore, StoreError};
use trekmail_storage::FsBlobStore;

/// "hello\n" hashed by `sha256sum`.
const HELLO: &str = "5891b5b522d5df086d0ff0b110fbd9d21bb4fc7163af34d08286a2e846f6be03";

/// A directory that does not exist yet, removed when dropped.
struct TempDir(PathBuf);

impl TempDir {
    fn new() -> TempDir {
        TempDir(std::env::temp_dir().join(unique("trekmail_blobs_")))
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn files_below(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            out.extend(files_below(&path));
        } else {
            out.push(path);
        }
    }
    out
}

/// What every blob store must do.
async fn behaves_as_a_blob_store(store: &dyn BlobStore, label: &str) {
    let id = store.put(b"hello\n").await.unwrap();
    assert_eq!(id, BlobId(HELLO.into()), "{label}");
    assert_eq!(
        store.get(&id).await.unwrap().as_deref(),
        Some(&b"hello\n"[..])
    );
    // Same bytes, same id, stored once.
    assert_eq!(store.put(b"hello\n").await.unwrap(), id, "{label}");
    let big: Vec<u8> = (0..3_000_000u32).map(|i| (i % 251) as u8).collect();
    let big_id = store.put(&big).await.unwrap();
    assert_ne!(big_id, id);
    assert_eq!(
        store.head(&big_id, 1000).await.unwrap().as_deref(),
        Some(&big[..1000]),
        "{label}"
    );
    // Past the size read in place: its first 100,000 bytes, read off the runtime's threads.
    assert_eq!(
        store.head(&big_id, 100_000).await.unwrap().as_deref(),
        Some(&big[..100_000]),
        "{label}"
    );
    assert_eq!(
        store.head(&id, 1000).await.unwrap().as_deref(),
        Some(&b"hello\n"[..]),
        "{label}"
    );
    assert_eq!(store.get(&big_id).await.unwrap(), Some(big), "{label}");
    let empty = store.put(b"").await.unwrap();
    assert_eq!(store.get(&empty).await.unwrap(), Some(vec![]), "{label}");

    let absent = BlobId("0".repeat(64));
    assert_eq!(store.get(&absent).await, Ok(None), "{label}");
    store.delete(&[id.clone(), absent.clone()]).await.unwrap();
    assert_eq!(store.get(&id).await, Ok(None), "{label}");
    assert!(store.get(&big_id).await.unwrap().is_some());
    store.delete(std::slice::from_ref(&id)).await.unwrap();
    store.delete(&[]).await.unwrap();

    for bad in ["../../etc/passwd", "", &HELLO.to_uppercase(), &HELLO[1..]] {
        let bad = BlobId(bad.to_owned());
        assert!(
            matches!(store.get(&bad).await, Err(StoreError::Backend(_))),
            "{label}: {bad:?}"
        );
        assert!(matches!(
            store.delete(std::slice::from_ref(&bad)).await,
            Err(StoreError::Backend(_))
        ));
    }
}

#[tokio::test]
async fn fs_blob_store_stores_and_deletes() {
    let dir = TempDir::new();
    let store = FsBlobStore::new(&dir.0);
    behaves_as_a_blob_store(&store, "fs").await;
}

#[tokio::test]
async fn fs_blobs_are_whole_files_where_expected() {
    let dir = TempDir::new();
    let store = FsBlobStore::new(dir.0.join("nested/blobs"));
    let id = store.put(b"hello\n").await.unwrap();
    let path = dir
        .0
        .join("nested/blobs")
        .join(&HELLO[..2])
        .join(&HELLO[2..4])
        .join(HELLO);
    assert_eq!(std::fs::read(&path).unwrap(), b"hello\n");
    // No temporary file is left behind, and nothing else was written.
    assert_eq!(files_below(&dir.0), vec![path.clone()]);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&path).unwrap().permissions().mode();
        assert_eq!(mode & 0o077, 0, "private: {mode:o}");
    }

    // An existing file is kept, not rewritten.
    let before = std::fs::metadata(&path).unwrap().modified().unwrap();
    std::thread::sleep(std::time::Duration::from_millis(20));
    assert_eq!(store.put(b"hello\n").await.unwrap(), id);
    assert_eq!(
        std::fs::metadata(&path).unwrap().modified().unwrap(),
        before
    );

    // Deleting a file someone else removed is no error.
    std::fs::remove_file(&path).unwrap();
    store.delete(std::slice::from_ref(&id)).await.unwrap();
    assert_eq!(store.get(&id).await, Ok(None));
}

#[tokio::test]
async fn fs_blob_store_puts_concurrently() {
    let dir = TempDir::new();
    let store = FsBlobStore::new(&dir.0);
    let tasks: Vec<_> = (0..16)
        .map(|i| {
            let store = store.clone();
            // Half of them the same body.
            let body = if i % 2 == 0 {
                b"same".to_vec()
            } else {
                format!("body {i}").into_bytes()
            };
            tokio::spawn(async move { (store.put(&body).await.unwrap(), body) })
        })
        .collect();
    for task in tasks {
        let (id, body) = task.await.unwrap();
        assert_eq!(store.get(&id).await.unwrap(), Some(body));
    }
    assert_eq!(files_below(&dir.0).len(), 9);
}

#[tokio::test]
async fn sql_blob_store_on_both_databases() {
    for db in both().await {
        behaves_as_a_blob_store(&db.store, db.label).await;
    }
}

/// The database store keeps a body a message still refers to, whatever the caller asks.
#[tokio::test]
async fn sql_blob_store_keeps_referenced_bodies() {
    for db in both().await {
        let s = &db.store;
        let (_, _, m) = mailbox_fixture(s).await;
        let id = s.put(b"a message").await.unwrap();
        let inbox = folder(s, m.id, INBOX).await;
        let mut new = message(1, 9, &[]);
        new.blob = id.clone();
        s.append(inbox.id, &new).await.unwrap();
        s.delete(std::slice::from_ref(&id)).await.unwrap();
        assert_eq!(
            s.get(&id).await.unwrap().as_deref(),
            Some(&b"a message"[..]),
            "{}",
            db.label
        );
    }
}
