//! RFC 3030 CHUNKING: the message comes in BDAT chunks of stated sizes, read as bytes (there is
//! no end-of-data line to smuggle a second message past), held to the size limit and to the
//! same line rules as DATA, and delivered on `BDAT … LAST`. A chunk that cannot be kept is still
//! read to its end, so the session stays in step.

use crate::reply::{self as r, Reply};
use std::time::Duration;
use tokio::io::{AsyncBufRead, AsyncBufReadExt};

/// RFC 5321 4.5.3.1.6, as in DATA: a text line is at most 1000 octets with its CRLF.
const MAX_TEXT_LINE: usize = 1000;

/// A message arriving in chunks.
#[derive(Default)]
pub(crate) struct Chunks {
    pub(crate) body: Vec<u8>,
    /// Past the size limit: the rest is read and dropped.
    pub(crate) too_big: bool,
}

/// The peer left or went quiet in the middle of a chunk.
#[derive(Debug)]
pub(crate) struct Gone;

/// Reads exactly `size` bytes, appending them to `into` or, without it, dropping them.
pub(crate) async fn read_chunk<R>(
    reader: &mut R,
    mut size: usize,
    mut into: Option<&mut Vec<u8>>,
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
        if let Some(body) = into.as_deref_mut() {
            body.extend_from_slice(&available[..taken]);
        }
        reader.consume(taken);
        size -= taken;
    }
    Ok(())
}

/// The line rules DATA enforces, checked on the whole message: CRLF line ends only, no line
/// over 1000 octets.
pub(crate) fn line_rules(body: &[u8]) -> Option<Reply> {
    let mut start = 0;
    for (at, byte) in body.iter().enumerate() {
        if *byte != b'\n' {
            continue;
        }
        if at == 0 || body[at - 1] != b'\r' {
            return Some(r::BAD_DATA_LF);
        }
        if at + 1 - start > MAX_TEXT_LINE {
            return Some(r::BAD_DATA_LONG);
        }
        start = at + 1;
    }
    (body.len() - start > MAX_TEXT_LINE).then_some(r::BAD_DATA_LONG)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn chunks_are_read_to_the_byte_kept_or_dropped() {
        let input: &[u8] = b"0123456789QUIT\r\n";
        let mut reader = tokio::io::BufReader::with_capacity(4, input);
        let mut body = Vec::new();
        let wait = Duration::from_secs(5);
        read_chunk(&mut reader, 6, Some(&mut body), wait)
            .await
            .unwrap();
        read_chunk(&mut reader, 4, None, wait).await.unwrap();
        assert_eq!(body, b"012345");
        let mut rest = Vec::new();
        reader.read_until(b'\n', &mut rest).await.unwrap();
        assert_eq!(rest, b"QUIT\r\n");
        assert!(read_chunk(&mut reader, 1, None, wait).await.is_err());
    }

    #[test]
    fn line_rules_match_data() {
        assert_eq!(line_rules(b"Subject: x\r\n\r\nhi\r\n"), None);
        assert_eq!(line_rules(b"no end"), None);
        assert_eq!(line_rules(b"a\nb\r\n"), Some(r::BAD_DATA_LF));
        assert_eq!(line_rules(b"\n"), Some(r::BAD_DATA_LF));
        let long = [vec![b'x'; 999], b"\r\n".to_vec()].concat();
        assert_eq!(line_rules(&long), Some(r::BAD_DATA_LONG));
        assert_eq!(line_rules(&long[1..]), None);
        assert_eq!(line_rules(&vec![b'x'; 1001]), Some(r::BAD_DATA_LONG));
    }
}
