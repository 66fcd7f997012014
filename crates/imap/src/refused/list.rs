//! The LIST-EXTENDED form of LIST (RFC 5258, with RFC 5819's `RETURN (STATUS …)` and
//! RFC 6154's SPECIAL-USE options), which imap-codec does not parse yet.

use super::cursor::Cursor;
use imap_codec::imap_types::status::StatusDataItemName;

/// Which folders a LIST selects.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Selection {
    pub subscribed: bool,
    pub special_use: bool,
    /// Parents of subscribed folders that the patterns miss are listed with CHILDINFO.
    pub recursive_match: bool,
}

/// What a LIST says of each folder beyond its name.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Returns {
    pub subscribed: bool,
    pub children: bool,
    /// `STATUS (…)`: a `* STATUS` after each selectable folder's `* LIST`.
    pub status: Option<Vec<StatusDataItemName>>,
}

/// A parsed LIST command, extended or not.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ListCommand {
    pub selection: Selection,
    pub reference: String,
    pub patterns: Vec<String>,
    pub returns: Returns,
}

/// What follows `tag LIST `.
pub(super) fn parse(p: &mut Cursor<'_>) -> Result<ListCommand, &'static str> {
    let mut selection = Selection::default();
    if p.peek() == Some(b'(') {
        let words = p.atom_list().ok_or("Bad selection options")?;
        for word in words {
            match word.to_ascii_uppercase().as_str() {
                "SUBSCRIBED" => selection.subscribed = true,
                "SPECIAL-USE" => selection.special_use = true,
                "RECURSIVEMATCH" => selection.recursive_match = true,
                // Every folder is local: nothing more to list.
                "REMOTE" => {}
                _ => return Err("Unknown selection option"),
            }
        }
        if !p.space() {
            return Err("Expected a reference");
        }
    }
    // RECURSIVEMATCH modifies a base option, and SUBSCRIBED is the only one (RFC 5258 §6;
    // SPECIAL-USE is independent, RFC 6154 §6).
    if selection.recursive_match && !selection.subscribed {
        return Err("RECURSIVEMATCH needs SUBSCRIBED");
    }
    let reference = p.astring().ok_or("Bad reference")?;
    if !p.space() {
        return Err("Expected a pattern");
    }
    let patterns = p.patterns().ok_or("Bad pattern")?;
    let mut returns = Returns {
        // SUBSCRIBED selects by subscription and says so (RFC 5258 §3).
        subscribed: selection.subscribed,
        ..Returns::default()
    };
    if p.space() {
        if !p.keyword("RETURN") || !p.space() {
            return Err("Expected RETURN");
        }
        return_options(p, &mut returns)?;
    }
    if !p.crlf() {
        return Err("Unexpected text after the command");
    }
    Ok(ListCommand {
        selection,
        reference,
        patterns,
        returns,
    })
}

/// `"(" [return-option *(SP return-option)] ")"`.
fn return_options(p: &mut Cursor<'_>, returns: &mut Returns) -> Result<(), &'static str> {
    const MALFORMED: &str = "Bad return options";
    p.byte(b'(').ok_or(MALFORMED)?;
    if p.byte(b')').is_some() {
        return Ok(());
    }
    loop {
        let word = p.atom().ok_or(MALFORMED)?;
        match word.to_ascii_uppercase().as_str() {
            "SUBSCRIBED" => returns.subscribed = true,
            "CHILDREN" => returns.children = true,
            // Special-use attributes are in every LIST answer already.
            "SPECIAL-USE" => {}
            "STATUS" => {
                p.byte(b' ').ok_or(MALFORMED)?;
                let names = p.atom_list().ok_or(MALFORMED)?;
                let items: Option<Vec<_>> = names.iter().map(|n| status_item(n)).collect();
                returns.status = Some(items.ok_or("Unknown STATUS item")?);
            }
            _ => return Err("Unknown return option"),
        }
        if p.byte(b')').is_some() {
            return Ok(());
        }
        p.byte(b' ').ok_or(MALFORMED)?;
    }
}

fn status_item(name: &str) -> Option<StatusDataItemName> {
    Some(match name.to_ascii_uppercase().as_str() {
        "MESSAGES" => StatusDataItemName::Messages,
        "RECENT" => StatusDataItemName::Recent,
        "UIDNEXT" => StatusDataItemName::UidNext,
        "UIDVALIDITY" => StatusDataItemName::UidValidity,
        "UNSEEN" => StatusDataItemName::Unseen,
        "DELETED" => StatusDataItemName::Deleted,
        "DELETED-STORAGE" => StatusDataItemName::DeletedStorage,
        "SIZE" => StatusDataItemName::Size,
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::super::{Command, tests::read_line};
    use super::*;

    fn ok(line: &str) -> ListCommand {
        match read_line(line.as_bytes()) {
            Ok(Command::List(list)) => list,
            other => panic!("{other:?}"),
        }
    }

    fn bad(line: &str) -> &'static str {
        read_line(line.as_bytes()).unwrap_err()
    }

    #[test]
    fn selection_patterns_and_return_options() {
        let c = ok(
            "a1 list (Subscribed RecursiveMatch REMOTE) \"\" (INBOX \"Work/%\" {3}\r\nx*y) RETURN (children STATUS (MESSAGES size))\r\n",
        );
        assert_eq!(
            c.selection,
            Selection {
                subscribed: true,
                special_use: false,
                recursive_match: true
            }
        );
        assert_eq!(c.reference, "");
        assert_eq!(c.patterns, ["INBOX", "Work/%", "x*y"]);
        assert_eq!(
            c.returns,
            Returns {
                subscribed: true,
                children: true,
                status: Some(vec![StatusDataItemName::Messages, StatusDataItemName::Size]),
            }
        );
        let plain = ok("b LIST Work/ % RETURN ()\r\n");
        assert_eq!(plain.reference, "Work/");
        assert_eq!(plain.patterns, ["%"]);
        assert_eq!(plain.returns, Returns::default());
        assert_eq!(ok("c LIST () \"\" \"a\\\"b\"\r\n").patterns, ["a\"b"]);
        assert!(
            ok("d LIST (special-use) \"\" * RETURN (SPECIAL-USE)\r\n")
                .selection
                .special_use
        );
    }

    #[test]
    fn refusals_keep_the_tag() {
        assert_eq!(
            bad("a LIST (no-such-option) \"\" \"\"\r\n"),
            "Unknown selection option"
        );
        assert_eq!(
            bad("a LIST (recursivematch) \"\" \"\"\r\n"),
            "RECURSIVEMATCH needs SUBSCRIBED"
        );
        assert_eq!(
            bad("a LIST (recursivematch remote) \"\" %\r\n"),
            "RECURSIVEMATCH needs SUBSCRIBED"
        );
        assert_eq!(
            bad("a LIST (special-use recursivematch) \"\" %\r\n"),
            "RECURSIVEMATCH needs SUBSCRIBED"
        );
        assert_eq!(
            bad("a LIST \"\" \"\" return (no-such-option)\r\n"),
            "Unknown return option"
        );
        assert_eq!(bad("a LIST \"\" (\"\r\n"), "Bad pattern");
        assert_eq!(
            bad("a LIST \"\" * RETURN (STATUS (BOGUS))\r\n"),
            "Unknown STATUS item"
        );
        assert_eq!(bad("a LIST \"\" {5}\r\nab\r\n"), "Bad pattern");
        assert_eq!(bad("a LIST \"\" * extra\r\n"), "Expected RETURN");
    }
}
