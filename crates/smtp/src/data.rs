//! The DATA phase: lines up to `<CRLF>.<CRLF>`, dot-unstuffed, held to the size limit and
//! RFC 5321's line rules. A message with a bad line or over the limit is read to its end (so
//! the session stays in step) but kept nowhere: it is refused whole, never half-stored.

use crate::parser::{Line, read_line};
use std::time::Duration;
use tokio::io::AsyncBufRead;

/// RFC 5321 4.5.3.1.6: a text line is at most 1000 octets with its CRLF.
const MAX_TEXT_LINE: usize = 1000;

/// How the DATA phase ended.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Data {
    /// The message, each line ending in CRLF.
    Message(Vec<u8>),
    TooBig,
    BareLf,
    BareCr,
    LineTooLong,
    /// The peer closed the connection or went quiet for `timeout`.
    Gone,
}

/// Reads the message after `354`.
pub(crate) async fn read<R>(reader: &mut R, max_size: usize, timeout: Duration) -> Data
where
    R: AsyncBufRead + Unpin,
{
    let mut message = Vec::new();
    let mut line = Vec::new();
    let mut refused: Option<Data> = None;
    loop {
        let read = tokio::time::timeout(timeout, read_line(reader, MAX_TEXT_LINE, &mut line));
        let text = match read.await {
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
            return refused.unwrap_or(Data::Message(message));
        }
        if refused.is_some() {
            continue;
        }
        let unstuffed = text.strip_prefix(b".").unwrap_or(&text);
        if message.len() + unstuffed.len() + 2 > max_size {
            refused = Some(Data::TooBig);
            message = Vec::new();
            continue;
        }
        message.extend_from_slice(unstuffed);
        message.extend_from_slice(b"\r\n");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn data(input: &[u8], max: usize) -> (Data, Vec<u8>) {
        let mut reader = tokio::io::BufReader::with_capacity(16, input);
        let got = read(&mut reader, max, Duration::from_secs(5)).await;
        let mut rest = Vec::new();
        tokio::io::AsyncReadExt::read_to_end(&mut reader, &mut rest)
            .await
            .unwrap();
        (got, rest)
    }

    #[tokio::test]
    async fn messages_end_at_a_lone_dot_and_are_unstuffed() {
        let (got, rest) = data(b"Subject: x\r\n\r\n..dot\r\nbody\r\n.\r\nQUIT\r\n", 1000).await;
        assert_eq!(
            got,
            Data::Message(b"Subject: x\r\n\r\n.dot\r\nbody\r\n".to_vec())
        );
        assert_eq!(rest, b"QUIT\r\n");
    }

    #[tokio::test]
    async fn bad_lines_refuse_the_whole_message_and_keep_the_session_in_step() {
        // A dot before a bare LF does not end the message (no smuggling past the end).
        let (got, rest) = data(b"a\r\nb\n.\nQUIT\r\n.\r\nNOOP\r\n", 1000).await;
        assert_eq!((got, rest.as_slice()), (Data::BareLf, &b"NOOP\r\n"[..]));
        // Nor does a dot after a bare CR, nor one with a CR of its own.
        let (got, rest) = data(b"a\r\nb\r.\r\n.\r\r\nQUIT\r\n.\r\nNOOP\r\n", 1000).await;
        assert_eq!((got, rest.as_slice()), (Data::BareCr, &b"NOOP\r\n"[..]));
        let long = [vec![b'x'; 1200], b"\r\n.\r\n".to_vec()].concat();
        assert_eq!(data(&long, 10_000).await.0, Data::LineTooLong);
        assert_eq!(data(b"0123456789\r\n.\r\n", 8).await.0, Data::TooBig);
        assert_eq!(data(b"no end\r\n", 100).await.0, Data::Gone);
    }
}
