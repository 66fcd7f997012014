//! SEARCH and UID SEARCH with result options (ESEARCH, RFC 4731), which imap-codec does not
//! parse: `RETURN (…)` is read here, and the search keys after it by imap-codec, as the plain
//! SEARCH the command is without its options.

use super::cursor::Cursor;
use imap_codec::CommandCodec;
use imap_codec::decode::Decoder;
use imap_codec::imap_types::command::CommandBody;
use imap_codec::imap_types::core::{Charset, Vec1};
use imap_codec::imap_types::search::SearchKey;

/// What the ESEARCH response holds.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Returns {
    pub min: bool,
    pub max: bool,
    pub count: bool,
    pub all: bool,
}

/// A SEARCH with result options.
#[derive(Debug)]
pub(crate) struct ExtendedSearch {
    pub uid: bool,
    pub returns: Returns,
    pub charset: Option<Charset<'static>>,
    pub criteria: Vec1<SearchKey<'static>>,
}

/// What follows `tag SEARCH ` (or `tag UID SEARCH `); `None` without `RETURN`: a plain SEARCH
/// that imap-codec refused is not one to read again.
pub(super) fn parse(
    p: &mut Cursor<'_>,
    tag: &str,
    uid: bool,
) -> Option<Result<ExtendedSearch, &'static str>> {
    if !p.keyword("RETURN") {
        return None;
    }
    Some(parse_returns(p).and_then(|returns| keys(p, tag, uid, returns)))
}

/// `SP "(" [option *(SP option)] ")" SP`; `()` asks for ALL (RFC 4731 §3.1).
fn parse_returns(p: &mut Cursor<'_>) -> Result<Returns, &'static str> {
    if !p.space() {
        return Err("Expected result options after RETURN");
    }
    let words = p
        .atom_list()
        .ok_or("Bad result options: expected a list such as (MIN MAX COUNT ALL)")?;
    let mut returns = Returns::default();
    for word in words {
        match word.to_ascii_uppercase().as_str() {
            "MIN" => returns.min = true,
            "MAX" => returns.max = true,
            "COUNT" => returns.count = true,
            "ALL" => returns.all = true,
            _ => return Err("Unknown result option: MIN, MAX, COUNT and ALL are known"),
        }
    }
    if returns == Returns::default() {
        returns.all = true;
    }
    if !p.space() {
        return Err("Expected search keys after the result options");
    }
    Ok(returns)
}

/// The rest of the command, read by imap-codec as `tag [UID] SEARCH <rest>`.
fn keys(
    p: &Cursor<'_>,
    tag: &str,
    uid: bool,
    returns: Returns,
) -> Result<ExtendedSearch, &'static str> {
    const BAD_KEYS: &str = "Bad search keys";
    let name: &[u8] = if uid { b" UID SEARCH " } else { b" SEARCH " };
    let plain = [tag.as_bytes(), name, p.rest()].concat();
    let (rest, command) = CommandCodec::default()
        .decode_static(&plain)
        .map_err(|_| BAD_KEYS)?;
    match command.body {
        CommandBody::Search {
            charset, criteria, ..
        } if rest.is_empty() => Ok(ExtendedSearch {
            uid,
            returns,
            charset,
            criteria,
        }),
        _ => Err(BAD_KEYS),
    }
}

#[cfg(test)]
mod tests {
    use super::super::{Command, tests::read_line};
    use super::*;

    fn ok(line: &str) -> ExtendedSearch {
        match read_line(line.as_bytes()) {
            Ok(Command::Search(search)) => search,
            other => panic!("{other:?}"),
        }
    }

    fn bad(line: &str) -> &'static str {
        read_line(line.as_bytes()).unwrap_err()
    }

    const ALL: Returns = Returns {
        min: false,
        max: false,
        count: false,
        all: true,
    };

    #[test]
    fn options_then_the_keys_imap_codec_reads() {
        let s =
            ok("a SEARCH RETURN (MIN max Count) FLAGGED SINCE 1-Feb-1994 NOT FROM \"Smith\"\r\n");
        assert!(!s.uid);
        assert_eq!(
            s.returns,
            Returns {
                min: true,
                max: true,
                count: true,
                all: false
            }
        );
        assert_eq!(s.criteria.as_ref().len(), 3);
        assert_eq!(s.criteria.as_ref()[0], SearchKey::Flagged);
        assert!(s.charset.is_none());

        let s = ok("b uid search return () CHARSET UTF-8 SUBJECT {5}\r\ncaf\u{e9}\r\n");
        assert!(s.uid);
        assert_eq!(s.returns, ALL);
        assert!(s.charset.is_some());
        assert!(matches!(&s.criteria.as_ref()[0], SearchKey::Subject(_)));

        assert_eq!(ok("c SEARCH RETURN (ALL) 1:* MODSEQ 5\r\n").returns, ALL);
    }

    #[test]
    fn malformed_options_and_keys_are_named() {
        assert_eq!(
            bad("a SEARCH RETURN (MIN BOGUS) ALL\r\n"),
            "Unknown result option: MIN, MAX, COUNT and ALL are known"
        );
        // SAVE (RFC 5182) is not offered.
        assert_eq!(
            bad("a SEARCH RETURN (SAVE) ALL\r\n"),
            "Unknown result option: MIN, MAX, COUNT and ALL are known"
        );
        assert_eq!(
            bad("a SEARCH RETURN MIN ALL\r\n"),
            "Bad result options: expected a list such as (MIN MAX COUNT ALL)"
        );
        assert_eq!(
            bad("a SEARCH RETURN (MIN\r\n"),
            "Bad result options: expected a list such as (MIN MAX COUNT ALL)"
        );
        assert_eq!(
            bad("a UID SEARCH RETURN\r\n"),
            "Expected result options after RETURN"
        );
        assert_eq!(
            bad("a SEARCH RETURN (MIN)\r\n"),
            "Expected search keys after the result options"
        );
        assert_eq!(bad("a SEARCH RETURN (MIN) BOGUS\r\n"), "Bad search keys");
        assert_eq!(
            bad("a SEARCH RETURN (MIN) ALL extra)\r\n"),
            "Bad search keys"
        );
        assert_eq!(
            bad("a SEARCH RETURN (COUNT) SUBJECT {9}\r\nshort\r\n"),
            "Bad search keys"
        );
    }
}
