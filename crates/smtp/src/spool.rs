//! A message on its way in (DATA or BDAT), kept in a file rather than in memory until it is
//! whole: a client trickling 25 MB on many connections costs disk, not RAM. The file is
//! unlinked as soon as it is open, so it is gone when the spool is dropped (or the process
//! dies): nothing half-received is ever left behind.

use std::io;
use std::path::Path;
use tokio::io::{AsyncReadExt, AsyncSeekExt, AsyncWriteExt, BufWriter};

/// Mail is private: only this user may read a spool file (while it still has a name).
const FILE_MODE: u32 = 0o600;
const DIR_MODE: u32 = 0o700;
/// Bytes gathered before one write to the file.
const BUFFER: usize = 64 * 1024;

/// The bytes of one message so far.
pub(crate) struct Spool {
    file: BufWriter<tokio::fs::File>,
    len: usize,
}

impl Spool {
    /// An empty spool in `dir`, created (0700) if missing.
    pub(crate) async fn create(dir: &Path) -> io::Result<Spool> {
        let mut builder = tokio::fs::DirBuilder::new();
        builder.recursive(true).mode(DIR_MODE);
        builder.create(dir).await?;
        let name = trekmail_core::security::random::hex_token()
            .map_err(|e| io::Error::other(e.to_string()))?;
        let path = dir.join(format!("{name}.eml"));
        let file = tokio::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .create_new(true)
            .mode(FILE_MODE)
            .open(&path)
            .await?;
        tokio::fs::remove_file(&path).await?;
        Ok(Spool {
            file: BufWriter::with_capacity(BUFFER, file),
            len: 0,
        })
    }

    pub(crate) async fn write(&mut self, bytes: &[u8]) -> io::Result<()> {
        self.file.write_all(bytes).await?;
        self.len += bytes.len();
        Ok(())
    }

    /// Bytes written so far.
    pub(crate) fn len(&self) -> usize {
        self.len
    }

    /// Appends the whole message to `into` (which may already hold a `Received:` line), for
    /// delivery.
    pub(crate) async fn read_into(mut self, into: &mut Vec<u8>) -> io::Result<()> {
        self.file.flush().await?;
        let mut file = self.file.into_inner();
        file.rewind().await?;
        into.reserve_exact(self.len);
        file.read_to_end(into).await?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_spool_gives_back_what_was_written_and_leaves_no_file() {
        let dir = std::env::temp_dir().join(format!("trekmail-spool-test-{}", std::process::id()));
        let mut spool = Spool::create(&dir).await.unwrap();
        spool.write(b"Subject: x\r\n\r\n").await.unwrap();
        spool.write(&vec![b'y'; 200_000]).await.unwrap();
        assert_eq!(spool.len(), 200_014);
        assert_eq!(std::fs::read_dir(&dir).unwrap().count(), 0);
        let mut message = b"Received: here\r\n".to_vec();
        spool.read_into(&mut message).await.unwrap();
        assert_eq!(message.len(), 16 + 200_014);
        assert!(message.starts_with(b"Received: here\r\nSubject: x\r\n\r\nyyy"));
        std::fs::remove_dir(&dir).unwrap();
    }
}
