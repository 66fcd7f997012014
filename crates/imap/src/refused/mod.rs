//! Commands imap-codec refuses that this server reads itself, before a refused command is
//! answered `BAD`: LIST-EXTENDED (RFC 5258), SEARCH with result options (ESEARCH, RFC 4731)
//! and APPEND of several messages (MULTIAPPEND, RFC 3502). imap-next hands over a refused
//! command's bytes whole, literals included. What imap-codec does parse of such a command (the
//! search keys, each message's flags and date) is cut out and given back to it, so there is
//! one parser of those.

pub(crate) mod append;
mod cursor;
pub(crate) mod list;
pub(crate) mod search;

use append::MultiAppend;
use cursor::Cursor;
use imap_codec::imap_types::secret::Secret;
use imap_next::server::Error as ServerError;
use list::ListCommand;
use search::ExtendedSearch;

/// A command read here.
#[derive(Debug)]
pub(crate) enum Command {
    List(ListCommand),
    Search(ExtendedSearch),
    Append(MultiAppend),
}

/// A command imap-codec refused and this module knows: its tag, and the command or why it is
/// refused here too (the text of its `BAD`).
#[derive(Debug)]
pub(crate) struct Refused {
    pub tag: String,
    pub command: Result<Command, &'static str>,
    /// The command as received: a MULTIAPPEND's messages are ranges of it.
    pub bytes: Secret<Box<[u8]>>,
}

/// The command in a refused one, if it is one read here; the error back if not.
pub(crate) fn read(error: ServerError) -> Result<Refused, ServerError> {
    let ServerError::MalformedMessage { discarded_bytes } = error else {
        return Err(error);
    };
    match parse(discarded_bytes.declassify()) {
        Some((tag, command)) => Ok(Refused {
            tag,
            command,
            bytes: discarded_bytes,
        }),
        None => Err(ServerError::MalformedMessage { discarded_bytes }),
    }
}

/// Reads a whole command as received, `tag SP name …` up to its final CRLF; `None` when it is
/// none of those read here.
fn parse(message: &[u8]) -> Option<(String, Result<Command, &'static str>)> {
    let mut p = Cursor::new(message);
    let tag = p.tag()?;
    if !p.space() {
        return None;
    }
    let name = p.atom()?.to_ascii_uppercase();
    if !p.space() {
        return None;
    }
    let command = match name.as_str() {
        "LIST" => list::parse(&mut p).map(Command::List),
        "SEARCH" => search::parse(&mut p, &tag, false)?.map(Command::Search),
        "UID" if p.keyword("SEARCH") && p.space() => {
            search::parse(&mut p, &tag, true)?.map(Command::Search)
        }
        "APPEND" => append::parse(&mut p, &tag).map(Command::Append),
        _ => return None,
    };
    Some((tag, command))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The command in `line` read here, or why it is refused.
    pub(super) fn read_line(line: &[u8]) -> Result<Command, &'static str> {
        parse(line).unwrap().1
    }

    #[test]
    fn the_tag_is_kept_and_others_are_left_alone() {
        assert_eq!(parse(b"a7 LIST (x) \"\" *\r\n").unwrap().0, "a7");
        assert_eq!(parse(b"b SEARCH RETURN (X) ALL\r\n").unwrap().0, "b");
        assert!(parse(b"a LSUB \"\" *\r\n").is_none());
        assert!(parse(b"a LISTX \"\" *\r\n").is_none());
        assert!(parse(b"a SEARCH FOO\r\n").is_none());
        assert!(parse(b"a UID FETCH 1 (FOO)\r\n").is_none());
        assert!(parse(b"\r\n").is_none());
        assert!(parse(b"a+ LIST \"\" *\r\n").is_none());
    }

    #[test]
    fn other_errors_are_given_back() {
        let error = ServerError::CommandTooLong {
            discarded_bytes: Secret::new(b"a LIST \"\" *\r\n".to_vec().into_boxed_slice()),
        };
        assert!(matches!(
            read(error),
            Err(ServerError::CommandTooLong { .. })
        ));
        let error = ServerError::MalformedMessage {
            discarded_bytes: Secret::new(b"a FOO\r\n".to_vec().into_boxed_slice()),
        };
        assert!(matches!(
            read(error),
            Err(ServerError::MalformedMessage { .. })
        ));
    }
}
