//! APPEND of several messages (MULTIAPPEND, RFC 3502), which imap-codec does not parse: the
//! messages are found here, and imap-codec reads the mailbox name and each message's flags and
//! date, from the single APPEND each would be with a one-octet stand-in for its message.

use super::cursor::Cursor;
use imap_codec::CommandCodec;
use imap_codec::decode::Decoder;
use imap_codec::imap_types::command::CommandBody;
use imap_codec::imap_types::core::Literal;
use imap_codec::imap_types::datetime::DateTime;
use imap_codec::imap_types::flag::Flag;
use imap_codec::imap_types::mailbox::Mailbox;
use std::ops::Range;

/// An APPEND of one or more messages.
#[derive(Debug)]
pub(crate) struct MultiAppend {
    pub mailbox: Mailbox<'static>,
    pub messages: Vec<Message>,
}

/// One message of it: its bytes are `body` of the command's.
#[derive(Debug)]
pub(crate) struct Message {
    pub flags: Vec<Flag<'static>>,
    pub date: Option<DateTime>,
    pub body: Range<usize>,
}

/// What follows `tag APPEND `: `mailbox 1*(SP [flag-list SP] [date-time SP] literal)`.
pub(super) fn parse(p: &mut Cursor<'_>, tag: &str) -> Result<MultiAppend, &'static str> {
    let start = p.offset();
    p.astring().ok_or("Bad mailbox name")?;
    let (mailbox, _, _) = stand_in(tag, p.slice(start..p.offset()), b"", "Bad mailbox name")?;
    let mut messages = Vec::new();
    loop {
        if !p.space() {
            return Err("Expected a message");
        }
        let start = p.offset();
        if p.peek() == Some(b'(') {
            p.skip_list().ok_or("Bad flag list")?;
            if !p.space() {
                return Err("Expected a message after the flags");
            }
        }
        if p.peek() == Some(b'"') {
            p.string().ok_or("Bad date")?;
            if !p.space() {
                return Err("Expected a message after the date");
            }
        }
        let options = p.slice(start..p.offset());
        let literal = p.literal().ok_or("Expected a message literal")?;
        if !literal.literal8 && Literal::validate(p.slice(literal.data.clone())).is_err() {
            return Err("A message with NUL octets must be sent as literal8 (~{n})");
        }
        let (_, flags, date) = stand_in(tag, b"INBOX", options, "Bad flags or date")?;
        messages.push(Message {
            flags,
            date,
            body: literal.data,
        });
        if p.crlf() {
            return Ok(MultiAppend { mailbox, messages });
        }
    }
}

/// Reads `tag APPEND <mailbox> <options>{1} x` with imap-codec: `options` are a message's
/// flags and date, each followed by its space; `bad` is the refusal if it cannot.
fn stand_in(
    tag: &str,
    mailbox: &[u8],
    options: &[u8],
    bad: &'static str,
) -> Result<(Mailbox<'static>, Vec<Flag<'static>>, Option<DateTime>), &'static str> {
    let line = [
        tag.as_bytes(),
        b" APPEND ",
        mailbox,
        b" ",
        options,
        b"{1}\r\nx\r\n",
    ]
    .concat();
    let (rest, command) = CommandCodec::default()
        .decode_static(&line)
        .map_err(|_| bad)?;
    match command.body {
        CommandBody::Append {
            mailbox,
            flags,
            date,
            ..
        } if rest.is_empty() => Ok((mailbox, flags, date)),
        _ => Err(bad),
    }
}

#[cfg(test)]
mod tests {
    use super::super::{Command, tests::read_line};
    use super::*;

    fn ok(line: &[u8]) -> MultiAppend {
        match read_line(line) {
            Ok(Command::Append(append)) => append,
            other => panic!("{other:?}"),
        }
    }

    fn bad(line: &[u8]) -> &'static str {
        read_line(line).unwrap_err()
    }

    #[test]
    fn messages_with_their_own_flags_and_dates() {
        let line: &[u8] = b"a APPEND {4}\r\nWork (\\Seen $Done) \"05-Mar-2025 10:00:00 +0100\" {3}\r\none {3+}\r\ntwo (\\Flagged) ~{5}\r\nth\0ee\r\n";
        let append = ok(line);
        assert_eq!(crate::names::folder_name(&append.mailbox).unwrap(), "Work");
        let bodies: Vec<&[u8]> = append
            .messages
            .iter()
            .map(|m| &line[m.body.clone()])
            .collect();
        assert_eq!(bodies, [&b"one"[..], b"two", b"th\0ee"]);
        let [first, second, third] = &append.messages[..] else {
            panic!("{append:?}");
        };
        assert_eq!(first.flags.len(), 2);
        assert!(first.date.is_some());
        assert!(second.flags.is_empty() && second.date.is_none());
        assert_eq!(third.flags, [Flag::Flagged]);
        // A zero-length message is read; the command answers it NO (RFC 3502 §6.3.11).
        assert_eq!(ok(b"b APPEND INBOX {0}\r\n\r\n").messages[0].body, 20..20);
    }

    #[test]
    fn malformed_appends_are_named() {
        assert_eq!(bad(b"a APPEND INBOX\r\n"), "Expected a message");
        assert_eq!(
            bad(b"a APPEND INBOX {1}\r\nx \r\n"),
            "Expected a message literal"
        );
        assert_eq!(bad(b"a APPEND INBOX {1}\r\nx\r\n "), "Expected a message");
        assert_eq!(
            bad(b"a APPEND INBOX {1}\r\nx (\\Seen {1}\r\ny\r\n"),
            "Bad flag list"
        );
        assert_eq!(
            bad(b"a APPEND INBOX {1}\r\nx (\\Seen)\"1-Jan-2025 00:00:00 +0000\" {1}\r\ny\r\n"),
            "Expected a message after the flags"
        );
        assert_eq!(
            bad(b"a APPEND INBOX {1}\r\nx \"not a date\" {1}\r\ny\r\n"),
            "Bad flags or date"
        );
        assert_eq!(
            bad(b"a APPEND INBOX {1}\r\nx (\\Bogus\") {1}\r\ny\r\n"),
            "Bad flags or date"
        );
        assert_eq!(
            bad(b"a APPEND INBOX {1}\r\nx {3}\r\na\0b\r\n"),
            "A message with NUL octets must be sent as literal8 (~{n})"
        );
        assert_eq!(bad(b"a APPEND \"Wo\rk\" {1}\r\nx\r\n"), "Bad mailbox name");
        assert_eq!(
            bad(b"a APPEND INBOX {9}\r\nshort\r\n"),
            "Expected a message literal"
        );
    }
}
