//! The LIST-EXTENDED form of LIST (RFC 5258, with RFC 5819's `RETURN (STATUS …)` and
//! RFC 6154's SPECIAL-USE options), which imap-codec does not parse yet: a command it refuses
//! is read again here from its bytes (literals included), before it is answered `BAD`.

use imap_codec::imap_types::status::StatusDataItemName;
use imap_next::server::Error as ServerError;

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

/// A LIST that imap-codec refused: its tag, and the command or why it is refused here too.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Refused {
    pub tag: String,
    pub list: Result<ListCommand, &'static str>,
}

/// The LIST in a command imap-codec refused, if it is one.
pub(crate) fn refused(error: &ServerError) -> Option<Refused> {
    match error {
        ServerError::MalformedMessage { discarded_bytes } => parse(discarded_bytes.declassify()),
        _ => None,
    }
}

/// Parses a whole command as received, `tag SP LIST …` up to its final CRLF; `None` when it
/// is not a LIST at all.
fn parse(message: &[u8]) -> Option<Refused> {
    let mut p = Parser { rest: message };
    let tag = p.tag()?;
    if !p.space() || !p.keyword("LIST") || !p.space() {
        return None;
    }
    let list = parse_list(&mut p);
    Some(Refused { tag, list })
}

/// What follows `tag LIST `.
fn parse_list(p: &mut Parser<'_>) -> Result<ListCommand, &'static str> {
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
fn return_options(p: &mut Parser<'_>, returns: &mut Returns) -> Result<(), &'static str> {
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

/// A cursor over the command's bytes.
struct Parser<'a> {
    rest: &'a [u8],
}

impl Parser<'_> {
    fn peek(&self) -> Option<u8> {
        self.rest.first().copied()
    }

    fn byte(&mut self, b: u8) -> Option<()> {
        let (&first, rest) = self.rest.split_first()?;
        (first == b).then(|| self.rest = rest)
    }

    fn space(&mut self) -> bool {
        self.byte(b' ').is_some()
    }

    fn crlf(&mut self) -> bool {
        self.rest == b"\r\n"
    }

    fn take_while(&mut self, keep: impl Fn(u8) -> bool) -> &[u8] {
        let n = self.rest.iter().take_while(|b| keep(**b)).count();
        let (taken, rest) = self.rest.split_at(n);
        self.rest = rest;
        taken
    }

    fn keyword(&mut self, word: &str) -> bool {
        let taken = self.take_while(is_atom_char);
        taken.eq_ignore_ascii_case(word.as_bytes())
    }

    fn tag(&mut self) -> Option<String> {
        let taken = self.take_while(|b| is_atom_char(b) && b != b'+');
        (!taken.is_empty()).then(|| String::from_utf8_lossy(taken).into_owned())
    }

    fn atom(&mut self) -> Option<String> {
        let taken = self.take_while(is_atom_char);
        (!taken.is_empty()).then(|| String::from_utf8_lossy(taken).into_owned())
    }

    /// `"(" [atom *(SP atom)] ")"`.
    fn atom_list(&mut self) -> Option<Vec<String>> {
        self.byte(b'(')?;
        let mut words = Vec::new();
        if self.byte(b')').is_some() {
            return Some(words);
        }
        loop {
            words.push(self.atom()?);
            if self.byte(b')').is_some() {
                return Some(words);
            }
            self.byte(b' ')?;
        }
    }

    /// One pattern, or several in parentheses.
    fn patterns(&mut self) -> Option<Vec<String>> {
        if self.byte(b'(').is_none() {
            return Some(vec![self.list_mailbox()?]);
        }
        let mut patterns = Vec::new();
        loop {
            patterns.push(self.list_mailbox()?);
            if self.byte(b')').is_some() {
                return Some(patterns);
            }
            self.byte(b' ')?;
        }
    }

    /// `1*list-char / string`: an atom that may hold `%`, `*` and `]`.
    fn list_mailbox(&mut self) -> Option<String> {
        match self.peek()? {
            b'"' | b'{' | b'~' => self.string(),
            _ => {
                let taken = self.take_while(|b| is_atom_char(b) || b"%*]".contains(&b));
                (!taken.is_empty()).then(|| String::from_utf8_lossy(taken).into_owned())
            }
        }
    }

    fn astring(&mut self) -> Option<String> {
        match self.peek()? {
            b'"' | b'{' | b'~' => self.string(),
            _ => {
                let taken = self.take_while(|b| is_atom_char(b) || b == b']');
                (!taken.is_empty()).then(|| String::from_utf8_lossy(taken).into_owned())
            }
        }
    }

    /// A quoted string or a literal (`{n}`, `{n+}`, RFC 7888; `~{n}` of RFC 3516 too).
    fn string(&mut self) -> Option<String> {
        if self.byte(b'"').is_some() {
            let mut out = Vec::new();
            loop {
                let (&b, rest) = self.rest.split_first()?;
                self.rest = rest;
                match b {
                    b'"' => return Some(String::from_utf8_lossy(&out).into_owned()),
                    b'\\' => {
                        let (&escaped, rest) = self.rest.split_first()?;
                        self.rest = rest;
                        out.push(escaped);
                    }
                    b'\r' | b'\n' => return None,
                    _ => out.push(b),
                }
            }
        }
        let _ = self.byte(b'~');
        self.byte(b'{')?;
        let digits = self.take_while(|b| b.is_ascii_digit());
        let length: usize = std::str::from_utf8(digits).ok()?.parse().ok()?;
        let _ = self.byte(b'+');
        self.byte(b'}')?;
        self.byte(b'\r')?;
        self.byte(b'\n')?;
        let (bytes, rest) = self.rest.split_at_checked(length)?;
        self.rest = rest;
        Some(String::from_utf8_lossy(bytes).into_owned())
    }
}

/// `ATOM-CHAR` of RFC 3501: any CHAR but specials.
fn is_atom_char(b: u8) -> bool {
    b.is_ascii() && !b.is_ascii_control() && !b"(){ %*\"\\]".contains(&b)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(line: &str) -> ListCommand {
        parse(line.as_bytes()).unwrap().list.unwrap()
    }

    fn bad(line: &str) -> &'static str {
        parse(line.as_bytes()).unwrap().list.unwrap_err()
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
            bad("a LIST (imaptest) \"\" \"\"\r\n"),
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
            bad("a LIST \"\" \"\" return (imaptest)\r\n"),
            "Unknown return option"
        );
        assert_eq!(bad("a LIST \"\" (\"\r\n"), "Bad pattern");
        assert_eq!(
            bad("a LIST \"\" * RETURN (STATUS (BOGUS))\r\n"),
            "Unknown STATUS item"
        );
        assert_eq!(bad("a LIST \"\" {5}\r\nab\r\n"), "Bad pattern");
        assert_eq!(bad("a LIST \"\" * extra\r\n"), "Expected RETURN");
        assert_eq!(parse(b"a LIST (x) \"\" *\r\n").unwrap().tag, "a");
    }

    #[test]
    fn other_commands_are_not_lists() {
        assert_eq!(parse(b"a LSUB \"\" *\r\n"), None);
        assert_eq!(parse(b"a LISTX \"\" *\r\n"), None);
        assert_eq!(parse(b"\r\n"), None);
    }
}
