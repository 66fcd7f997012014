//! The DATA phase: lines up to `<CRLF>.<CRLF>`, dot-unstuffed into a spool file, held to the
//! size limit and RFC 5321's line rules. A message with a bad line or over the limit is read to
//! its end (so the session stays in step) but kept nowhere: it is refused whole, never
//! half-stored.

use crate::parser::{Line, read_line};
use crate::spool::Spool;
use std::time::Duration;
use tokio::io::AsyncBufRead;

/// RFC 5321 4.5.3.1.6: a text line is at most 1000 octets with its CRLF.
const MAX_TEXT_LINE: usize = 1000;

/// How the DATA phase ended.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Data {
    /// The message is in the spool, each line ending in CRLF.
    Message,
    TooBig,
    /// The spool could not be written.
    Failed,
    BareLf,
    BareCr,
    LineTooLong,
    /// The peer closed the connection or went quiet for `timeout`.
    Gone,
}

/// Reads the message after `354` into `spool`.
pub(crate) async fn read<R>(
    reader: &mut R,
    spool: &mut Spool,
    max_size: usize,
    timeout: Duration,
) -> Data
where
    R: AsyncBufRead + Unpin,
{
    let mut line = Vec::new();
    let mut refused: Option<Data> = None;
    loop {
        let read = tokio::time::timeout(timeout, read_line(reader, MAX_TEXT_LINE, &mut line));
        let mut text = match read.await {
            Ok(Ok(Line::Text(text))) => text,
            Ok(Ok(Line::BareLf)) => {
                refused.get_or_insert(Data::BareLf);
                continue;
            }
            Ok(Ok(Line::BareCr)) => {
                refused.get_or_insert(Data::BareCr);
                continue;
            }
            Ok(Ok(Line::TooLong)) => {
                refused.get_or_insert(Data::LineTooLong);
                continue;
            }
            Ok(Ok(Line::Closed) | Err(_)) | Err(_) => return Data::Gone,
        };
        if text == b"." {
            return refused.unwrap_or(Data::Message);
        }
        if refused.is_some() {
            continue;
        }
        let stuffed = usize::from(text.starts_with(b"."));
        if spool.len() + text.len() - stuffed + 2 > max_size {
            refused = Some(Data::TooBig);
            continue;
        }
        text.extend_from_slice(b"\r\n");
        if spool.write(&text[stuffed..]).await.is_err() {
            refused = Some(Data::Failed);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The outcome, the message as spooled, and what is left to read.
    async fn data(input: &[u8], max: usize) -> (Data, Vec<u8>, Vec<u8>) {
        let mut reader = tokio::io::BufReader::with_capacity(16, input);
        let mut spool = Spool::create(&std::env::temp_dir().join("trekmail-data-test"))
            .await
            .unwrap();
        let got = read(&mut reader, &mut spool, max, Duration::from_secs(5)).await;
        let mut rest = Vec::new();
        tokio::io::AsyncReadExt::read_to_end(&mut reader, &mut rest)
            .await
            .unwrap();
        let mut message = Vec::new();
        spool.read_into(&mut message).await.unwrap();
        (got, message, rest)
    }

    #[tokio::test]
    async fn messages_end_at_a_lone_dot_and_are_unstuffed() {
        let (got, message, rest) =
            data(b"Subject: x\r\n\r\n..dot\r\nbody\r\n.\r\nQUIT\r\n", 1000).await;
        assert_eq!(got, Data::Message);
        assert_eq!(message, b"Subject: x\r\n\r\n.dot\r\nbody\r\n");
        assert_eq!(rest, b"QUIT\r\n");
    }

    #[tokio::test]
    async fn bad_lines_refuse_the_whole_message_and_keep_the_session_in_step() {
        // A dot before a bare LF does not end the message (no smuggling past the end).
        let (got, _, rest) = data(b"a\r\nb\n.\nQUIT\r\n.\r\nNOOP\r\n", 1000).await;
        assert_eq!((got, rest.as_slice()), (Data::BareLf, &b"NOOP\r\n"[..]));
        // Nor does a dot after a bare CR, nor one with a CR of its own.
        let (got, _, rest) = data(b"a\r\nb\r.\r\n.\r\r\nQUIT\r\n.\r\nNOOP\r\n", 1000).await;
        assert_eq!((got, rest.as_slice()), (Data::BareCr, &b"NOOP\r\n"[..]));
        let long = [vec![b'x'; 1200], b"\r\n.\r\n".to_vec()].concat();
        assert_eq!(data(&long, 10_000).await.0, Data::LineTooLong);
        // Past the limit: refused, and the spool stops growing.
        let (got, message, _) = data(b"0123\r\n0123456789\r\n.\r\n", 8).await;
        assert_eq!((got, message.as_slice()), (Data::TooBig, &b"0123\r\n"[..]));
        assert_eq!(data(b"no end\r\n", 100).await.0, Data::Gone);
    }
}
