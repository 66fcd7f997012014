//! Framing and parsing, apart from any session rule: command lines read with a length limit
//! (never buffered beyond it) and bare-LF and bare-CR detection, then parsed by smtp-proto.

use smtp_proto::{Error as ProtoError, Request};
use tokio::io::{AsyncBufRead, AsyncBufReadExt};

/// RFC 5321 4.5.3.1.4: a command line is at most 512 octets with its CRLF; AUTH responses
/// (RFC 4954) may be longer, so lines up to this are taken.
pub(crate) const MAX_COMMAND_LINE: usize = 12 * 1024;

/// One line from the peer.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Line {
    /// The line without its CRLF.
    Text(Vec<u8>),
    /// Ended in LF alone.
    BareLf,
    /// Ended in CRLF but held a CR not followed by LF, which a next hop may read as a line
    /// end (SMTP smuggling).
    BareCr,
    /// Longer than the limit; it was read to its end and dropped.
    TooLong,
    /// The peer closed the connection.
    Closed,
}

/// Reads one line of at most `max` bytes (CRLF included) into `buf`.
pub(crate) async fn read_line<R>(
    reader: &mut R,
    max: usize,
    buf: &mut Vec<u8>,
) -> std::io::Result<Line>
where
    R: AsyncBufRead + Unpin,
{
    buf.clear();
    let mut too_long = false;
    loop {
        let available = reader.fill_buf().await?;
        if available.is_empty() {
            return Ok(Line::Closed);
        }
        let (chunk, ends) = match available.iter().position(|b| *b == b'\n') {
            Some(at) => (&available[..=at], true),
            None => (available, false),
        };
        let taken = chunk.len();
        if !too_long && buf.len() + taken <= max {
            buf.extend_from_slice(chunk);
        } else {
            too_long = true;
            buf.clear();
        }
        reader.consume(taken);
        if ends {
            break;
        }
    }
    if too_long {
        return Ok(Line::TooLong);
    }
    if !buf.ends_with(b"\r\n") {
        return Ok(Line::BareLf);
    }
    buf.truncate(buf.len() - 2);
    if buf.contains(&b'\r') {
        return Ok(Line::BareCr);
    }
    Ok(Line::Text(std::mem::take(buf)))
}

/// Why a command line was not understood.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum BadCommand {
    Unknown,
    Syntax,
    /// MAIL or RCPT with an address that does not parse.
    Address,
    /// MAIL or RCPT with a parameter this server does not know (RFC 5321 4.1.1.11).
    Parameter,
}

/// Parses a command line (without its CRLF).
pub(crate) fn parse(line: &[u8]) -> Result<Request<String>, BadCommand> {
    let mut framed = Vec::with_capacity(line.len() + 2);
    framed.extend_from_slice(line);
    framed.extend_from_slice(b"\r\n");
    match Request::parse(&mut framed.iter()) {
        Ok(request) => Ok(request.into_owned()),
        Err(ProtoError::UnknownCommand) => Err(BadCommand::Unknown),
        Err(ProtoError::InvalidSenderAddress | ProtoError::InvalidRecipientAddress) => {
            Err(BadCommand::Address)
        }
        Err(ProtoError::UnsupportedParameter { .. }) => Err(BadCommand::Parameter),
        Err(_) => Err(BadCommand::Syntax),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn lines(input: &[u8], max: usize) -> Vec<Line> {
        let mut reader = tokio::io::BufReader::with_capacity(8, input);
        let mut buf = Vec::new();
        let mut out = Vec::new();
        loop {
            let line = read_line(&mut reader, max, &mut buf).await.unwrap();
            let closed = line == Line::Closed;
            out.push(line);
            if closed {
                return out;
            }
        }
    }

    #[tokio::test]
    async fn lines_are_framed_limited_and_bare_lf_and_cr_are_told_apart() {
        let got = lines(
            b"EHLO a\r\nNOOP\nxxxxxxxxxxxxxxxxxxxxxxxx\r\nNO\rOP\r\nNOOP\r\r\nQUIT\r\npartial",
            16,
        )
        .await;
        assert_eq!(
            got,
            [
                Line::Text(b"EHLO a".to_vec()),
                Line::BareLf,
                Line::TooLong,
                Line::BareCr,
                Line::BareCr,
                Line::Text(b"QUIT".to_vec()),
                Line::Closed,
            ]
        );
    }

    #[test]
    fn commands_parse_through_smtp_proto() {
        assert!(
            matches!(parse(b"EHLO client.example"), Ok(Request::Ehlo { host }) if host == "client.example")
        );
        match parse(b"MAIL FROM:<ann@example.com> SIZE=100") {
            Ok(Request::Mail { from }) => {
                assert_eq!((from.address.as_str(), from.size), ("ann@example.com", 100));
            }
            other => panic!("{other:?}"),
        }
        assert!(
            matches!(parse(b"MAIL FROM:<>"), Ok(Request::Mail { from }) if from.address.is_empty())
        );
        assert_eq!(parse(b"FROB x").err(), Some(BadCommand::Unknown));
        assert!(parse(b"RCPT TO:bob").is_err());
        assert_eq!(
            parse(b"MAIL FROM:<a@b.c> FROBNICATE=1").err(),
            Some(BadCommand::Parameter)
        );
        assert!(matches!(parse(b"data"), Ok(Request::Data)));
    }
}
