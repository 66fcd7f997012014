//! RFC 3030 CHUNKING: the message comes in BDAT chunks of stated sizes, read as bytes (there is
//! no end-of-data line to smuggle a second message past) into a spool file, held to the size
//! limit and to the same line rules as DATA, and delivered on `BDAT … LAST`. A chunk that cannot
//! be kept is still read to its end, so the session stays in step.

use crate::reply::{self as r, Reply};
use crate::spool::Spool;
use std::path::Path;
use std::time::Duration;
use tokio::io::{AsyncBufRead, AsyncBufReadExt};

/// RFC 5321 4.5.3.1.6, as in DATA: a text line is at most 1000 octets with its CRLF.
const MAX_TEXT_LINE: usize = 1000;

/// A message arriving in chunks.
pub(crate) struct Chunks {
    /// `None` once it could not be made or written: the transaction fails with `451`.
    pub(crate) spool: Option<Spool>,
    /// Bytes received so far.
    pub(crate) len: usize,
    /// Past the size limit: the rest is read and dropped.
    pub(crate) too_big: bool,
    pub(crate) rules: LineRules,
}

impl Chunks {
    pub(crate) async fn new(spool_dir: &Path) -> Chunks {
        let spool = match Spool::create(spool_dir).await {
            Ok(spool) => Some(spool),
            Err(e) => {
                tracing::error!(error = %e, dir = %spool_dir.display(), "SMTP cannot spool a message");
                None
            }
        };
        Chunks {
            spool,
            len: 0,
            too_big: false,
            rules: LineRules::default(),
        }
    }

    async fn push(&mut self, bytes: &[u8]) {
        self.rules.feed(bytes);
        self.len += bytes.len();
        if let Some(spool) = self.spool.as_mut()
            && let Err(e) = spool.write(bytes).await
        {
            tracing::error!(error = %e, "SMTP cannot spool a message");
            self.spool = None;
        }
    }
}

/// The peer left or went quiet in the middle of a chunk.
#[derive(Debug)]
pub(crate) struct Gone;

/// Reads exactly `size` bytes, appending them to `into` or, without it, dropping them.
pub(crate) async fn read_chunk<R>(
    reader: &mut R,
    mut size: usize,
    mut into: Option<&mut Chunks>,
    timeout: Duration,
) -> Result<(), Gone>
where
    R: AsyncBufRead + Unpin,
{
    while size > 0 {
        let available = match tokio::time::timeout(timeout, reader.fill_buf()).await {
            Ok(Ok(bytes)) if !bytes.is_empty() => bytes,
            _ => return Err(Gone),
        };
        let taken = available.len().min(size);
        if let Some(chunks) = into.as_deref_mut() {
            chunks.push(&available[..taken]).await;
        }
        reader.consume(taken);
        size -= taken;
    }
    Ok(())
}

/// The line rules DATA enforces, checked on the bytes as they come (a line may span chunks):
/// CRLF line ends only, no CR or LF alone, no line over 1000 octets. The first fault is kept.
#[derive(Debug, Default)]
pub(crate) struct LineRules {
    /// Octets of the current line so far, its CR and LF included.
    line: usize,
    after_cr: bool,
    fault: Option<Reply>,
}

impl LineRules {
    pub(crate) fn feed(&mut self, bytes: &[u8]) {
        for byte in bytes {
            if self.fault.is_some() {
                return;
            }
            self.line += 1;
            match (*byte, self.after_cr) {
                (b'\n', false) => self.fault = Some(r::BAD_DATA_LF),
                (b'\n', true) if self.line > MAX_TEXT_LINE => self.fault = Some(r::BAD_DATA_LONG),
                (b'\n', true) => self.line = 0,
                (_, true) => self.fault = Some(r::BAD_DATA_CR),
                _ => {}
            }
            self.after_cr = *byte == b'\r';
        }
    }

    /// The fault, if any, once the message is whole.
    pub(crate) fn finish(&self) -> Option<Reply> {
        match &self.fault {
            Some(fault) => Some(fault.clone()),
            None if self.after_cr => Some(r::BAD_DATA_CR),
            None => (self.line > MAX_TEXT_LINE).then_some(r::BAD_DATA_LONG),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn chunks_are_read_to_the_byte_kept_or_dropped() {
        let input: &[u8] = b"0123456789QUIT\r\n";
        let mut reader = tokio::io::BufReader::with_capacity(4, input);
        let mut chunks = Chunks::new(&std::env::temp_dir().join("trekmail-bdat-test")).await;
        let wait = Duration::from_secs(5);
        read_chunk(&mut reader, 6, Some(&mut chunks), wait)
            .await
            .unwrap();
        read_chunk(&mut reader, 4, None, wait).await.unwrap();
        let mut body = Vec::new();
        chunks.spool.unwrap().read_into(&mut body).await.unwrap();
        assert_eq!((body.as_slice(), chunks.len), (&b"012345"[..], 6));
        let mut rest = Vec::new();
        reader.read_until(b'\n', &mut rest).await.unwrap();
        assert_eq!(rest, b"QUIT\r\n");
        assert!(read_chunk(&mut reader, 1, None, wait).await.is_err());
    }

    /// The rules on `body` fed in pieces of `step` bytes.
    fn line_rules(body: &[u8], step: usize) -> Option<Reply> {
        let mut rules = LineRules::default();
        body.chunks(step).for_each(|c| rules.feed(c));
        rules.finish()
    }

    #[test]
    fn line_rules_match_data_across_chunk_edges() {
        for step in [1, 2, 3, 1000, 5000] {
            let rules = |body: &[u8]| line_rules(body, step);
            assert_eq!(rules(b"Subject: x\r\n\r\nhi\r\n"), None);
            assert_eq!(rules(b"no end"), None);
            assert_eq!(rules(b"a\nb\r\n"), Some(r::BAD_DATA_LF));
            assert_eq!(rules(b"\n"), Some(r::BAD_DATA_LF));
            assert_eq!(rules(b"a\rb\r\n"), Some(r::BAD_DATA_CR));
            assert_eq!(rules(b"a\r\r\n"), Some(r::BAD_DATA_CR));
            assert_eq!(rules(b"ends in CR\r"), Some(r::BAD_DATA_CR));
            let long = [vec![b'x'; 999], b"\r\n".to_vec()].concat();
            assert_eq!(rules(&long), Some(r::BAD_DATA_LONG));
            assert_eq!(rules(&long[1..]), None);
            assert_eq!(rules(&vec![b'x'; 1001]), Some(r::BAD_DATA_LONG));
        }
    }
}
