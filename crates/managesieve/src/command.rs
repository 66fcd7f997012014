//! Reading RFC 5804 commands off the wire, bounded: a command is words (atoms, quoted strings,
//! literals) over one or more lines. Input is taken as it arrives and never buffered past the
//! limits: a line longer than allowed ends the connection, and a literal larger than a script
//! may be is dropped as it comes, its command refused, so a client cannot make the server hold
//! more than one script's worth. Before sign-in a whole command is small.

/// Before sign-in a command, its lines and literals together, may be this long: plenty for
/// AUTHENTICATE PLAIN, too little for a client that never signs in to hold memory.
pub(crate) const PRE_AUTH_MAX_COMMAND: usize = 8 * 1024;

/// One word of a command.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Word {
    Atom(String),
    /// A quoted string or a literal: the protocol treats them alike.
    Str(Vec<u8>),
}

impl Word {
    /// A string's text, when it is one and UTF-8 (RFC 5804 strings are).
    pub(crate) fn text(&self) -> Option<&str> {
        match self {
            Word::Str(bytes) => std::str::from_utf8(bytes).ok(),
            Word::Atom(_) => None,
        }
    }
}

/// What the reader has for the connection.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Input {
    Command(Vec<Word>),
    /// A command read whole but not taken: answer `NO` and go on.
    Refused(Refusal),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Refusal {
    Syntax(&'static str),
    /// A literal over the limit, dropped unread.
    TooLarge,
}

/// Input over a hard limit: the connection ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub(crate) enum TooMuch {
    #[error("a command line is longer than {0} bytes")]
    Line(usize),
    #[error("a command before sign-in is longer than {PRE_AUTH_MAX_COMMAND} bytes")]
    BeforeSignIn,
}

/// The literal being read: its bytes still to come, kept or dropped.
#[derive(Debug)]
struct Literal {
    left: u64,
    keep: bool,
    data: Vec<u8>,
}

#[derive(Debug)]
pub(crate) struct Reader {
    max_line: usize,
    max_literal: usize,
    /// Input not looked at yet.
    buf: Vec<u8>,
    /// The words of the command so far.
    words: Vec<Word>,
    literal: Option<Literal>,
    /// Why the command being read will be refused, decided before its end.
    refused: Option<Refusal>,
    /// Bytes of the command held so far, lines and kept literals.
    held: usize,
    signed_in: bool,
}

impl Reader {
    /// `max_literal` is the largest literal kept: a script's limit.
    pub(crate) fn new(max_line: usize, max_literal: usize) -> Reader {
        Reader {
            max_line,
            max_literal,
            buf: Vec::new(),
            words: Vec::new(),
            literal: None,
            refused: None,
            held: 0,
            signed_in: false,
        }
    }

    /// The full limits apply from now on.
    pub(crate) fn signed_in(&mut self) {
        self.signed_in = true;
    }

    /// Drops everything read and not taken (the plaintext sent after STARTTLS).
    pub(crate) fn clear(&mut self) {
        *self = Reader {
            signed_in: self.signed_in,
            ..Reader::new(self.max_line, self.max_literal)
        };
    }

    pub(crate) fn feed(&mut self, bytes: &[u8]) {
        self.buf.extend_from_slice(bytes);
    }

    /// The next whole command, `None` until more input comes.
    pub(crate) fn next(&mut self) -> Result<Option<Input>, TooMuch> {
        loop {
            if let Some(literal) = &mut self.literal {
                let take = usize::try_from(literal.left)
                    .unwrap_or(usize::MAX)
                    .min(self.buf.len());
                if literal.keep {
                    literal
                        .data
                        .extend_from_slice(self.buf.get(..take).unwrap_or_default());
                }
                self.buf.drain(..take);
                literal.left -= take as u64;
                if literal.left > 0 {
                    return Ok(None);
                }
                if let Some(literal) = self.literal.take()
                    && literal.keep
                {
                    self.words.push(Word::Str(literal.data));
                }
                continue;
            }
            let Some(end) = self.buf.iter().position(|b| *b == b'\n') else {
                if self.buf.len() > self.max_line {
                    return Err(TooMuch::Line(self.max_line));
                }
                self.check_pre_auth(self.buf.len())?;
                return Ok(None);
            };
            if end > self.max_line {
                return Err(TooMuch::Line(self.max_line));
            }
            let mut line: Vec<u8> = self.buf.drain(..=end).collect();
            line.pop();
            if line.last() == Some(&b'\r') {
                line.pop();
            }
            self.held = self.held.saturating_add(line.len() + 2);
            self.check_pre_auth(0)?;
            let (words, announced) = split_literal(&line);
            if self.refused.is_none()
                && let Err(why) = words_of(words, &mut self.words)
            {
                self.refused = Some(Refusal::Syntax(why));
            }
            if let Some(size) = announced {
                self.start_literal(size)?;
                continue;
            }
            let words = std::mem::take(&mut self.words);
            self.held = 0;
            if let Some(refusal) = self.refused.take() {
                return Ok(Some(Input::Refused(refusal)));
            }
            if words.is_empty() {
                // A blank line is no command.
                continue;
            }
            return Ok(Some(Input::Command(words)));
        }
    }

    fn start_literal(&mut self, size: u64) -> Result<(), TooMuch> {
        let size_held = usize::try_from(size).unwrap_or(usize::MAX);
        self.check_pre_auth(size_held)?;
        // A command holds at most one script and one line besides.
        let room = self
            .max_literal
            .saturating_add(self.max_line)
            .saturating_sub(self.held);
        let keep = self.refused.is_none() && size_held <= self.max_literal && size_held <= room;
        if keep {
            self.held = self.held.saturating_add(size_held);
        } else if self.refused.is_none() {
            self.refused = Some(Refusal::TooLarge);
        }
        self.literal = Some(Literal {
            left: size,
            keep,
            data: Vec::with_capacity(if keep { size_held } else { 0 }),
        });
        Ok(())
    }

    /// Before sign-in: the command so far and `more` bytes of it must stay small.
    fn check_pre_auth(&self, more: usize) -> Result<(), TooMuch> {
        if !self.signed_in && self.held.saturating_add(more) > PRE_AUTH_MAX_COMMAND {
            return Err(TooMuch::BeforeSignIn);
        }
        Ok(())
    }
}

/// A line's words, and the size of the literal it announces at its end (`{N+}` or `{N}`: RFC
/// 5804 clients send the first; the server asks nothing before either).
fn split_literal(line: &[u8]) -> (&[u8], Option<u64>) {
    let Some(inner) = line.strip_suffix(b"}") else {
        return (line, None);
    };
    let Some(open) = inner.iter().rposition(|b| *b == b'{') else {
        return (line, None);
    };
    let (before, digits) = (&inner[..open], &inner[open + 1..]);
    let digits = digits.strip_suffix(b"+").unwrap_or(digits);
    if digits.is_empty() || !digits.iter().all(u8::is_ascii_digit) {
        return (line, None);
    }
    if !(before.is_empty() || before.ends_with(b" ")) {
        return (line, None);
    }
    // A number too large to count is as good as endless: its bytes are dropped.
    let size = digits.iter().fold(0u64, |n, d| {
        n.saturating_mul(10).saturating_add(u64::from(d - b'0'))
    });
    (before, Some(size))
}

/// Reads atoms and quoted strings separated by spaces into `words`.
fn words_of(mut rest: &[u8], words: &mut Vec<Word>) -> Result<(), &'static str> {
    loop {
        while let Some(after) = rest.strip_prefix(b" ") {
            rest = after;
        }
        let Some(&first) = rest.first() else {
            return Ok(());
        };
        if first == b'"' {
            let (string, after) = quoted(&rest[1..])?;
            words.push(Word::Str(string));
            rest = after;
            if !(rest.is_empty() || rest.starts_with(b" ")) {
                return Err("Put a space after a quoted string");
            }
            continue;
        }
        let end = rest.iter().position(|b| *b == b' ').unwrap_or(rest.len());
        let atom = &rest[..end];
        if atom
            .iter()
            .any(|b| b.is_ascii_control() || matches!(b, b'"' | b'{' | b'}' | b'(' | b')'))
        {
            return Err("Could not read the command");
        }
        let atom = std::str::from_utf8(atom).map_err(|_| "Atoms are ASCII")?;
        words.push(Word::Atom(atom.to_owned()));
        rest = &rest[end..];
    }
}

/// A quoted string's content up to its closing quote (RFC 5804: `\"` and `\\` are the only
/// escapes), and what follows it.
fn quoted(mut rest: &[u8]) -> Result<(Vec<u8>, &[u8]), &'static str> {
    let mut string = Vec::new();
    loop {
        match rest {
            [b'"', after @ ..] => return Ok((string, after)),
            [b'\\', c @ (b'"' | b'\\'), after @ ..] => {
                string.push(*c);
                rest = after;
            }
            [b'\\', ..] => return Err("Only \\\" and \\\\ are escapes in a quoted string"),
            [b'\0', ..] => return Err("No NUL in a quoted string"),
            [c, after @ ..] => {
                string.push(*c);
                rest = after;
            }
            [] => return Err("A quoted string is not closed"),
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
    use super::*;

    fn atom(s: &str) -> Word {
        Word::Atom(s.into())
    }
    fn string(s: &str) -> Word {
        Word::Str(s.into())
    }

    fn signed_in(max_line: usize, max_literal: usize) -> Reader {
        let mut reader = Reader::new(max_line, max_literal);
        reader.signed_in();
        reader
    }

    #[test]
    fn atoms_quoted_strings_and_escapes() {
        let mut r = Reader::new(100, 100);
        r.feed(b"putscript \"a \\\"b\\\" \\\\c\" \"\"\r\nNOOP\r\n");
        assert_eq!(
            r.next().unwrap(),
            Some(Input::Command(vec![
                atom("putscript"),
                string("a \"b\" \\c"),
                string("")
            ]))
        );
        assert_eq!(r.next().unwrap(), Some(Input::Command(vec![atom("NOOP")])));
        assert_eq!(r.next().unwrap(), None);
    }

    #[test]
    fn literals_of_both_kinds_in_any_chunking() {
        let mut r = signed_in(100, 100);
        let wire = b"PUTSCRIPT {4+}\r\nname {7}\r\nkeep;\r\n\r\nCAPABILITY\r\n";
        let mut got = Vec::new();
        for byte in wire {
            r.feed(&[*byte]);
            while let Some(input) = r.next().unwrap() {
                got.push(input);
            }
        }
        assert_eq!(
            got,
            [
                Input::Command(vec![atom("PUTSCRIPT"), string("name"), string("keep;\r\n")]),
                Input::Command(vec![atom("CAPABILITY")]),
            ]
        );
    }

    #[test]
    fn a_literal_over_the_limit_is_dropped_and_its_command_refused() {
        let mut r = signed_in(100, 10);
        r.feed(b"PUTSCRIPT \"x\" {50+}\r\n");
        assert_eq!(r.next().unwrap(), None);
        r.feed(&[b'y'; 50]);
        assert_eq!(r.next().unwrap(), None);
        assert!(r.literal.is_none() && r.words.len() == 2 && r.buf.is_empty());
        r.feed(b"\r\nNOOP\r\n");
        assert_eq!(r.next().unwrap(), Some(Input::Refused(Refusal::TooLarge)));
        assert_eq!(r.next().unwrap(), Some(Input::Command(vec![atom("NOOP")])));
    }

    #[test]
    fn bad_syntax_is_refused_and_its_literal_skipped() {
        let mut r = Reader::new(100, 100);
        r.feed(b"X \"open {3+}\r\nabc\r\nY \"a\\b\"\r\nNOOP\r\n");
        assert!(matches!(
            r.next().unwrap(),
            Some(Input::Refused(Refusal::Syntax(_)))
        ));
        assert!(matches!(
            r.next().unwrap(),
            Some(Input::Refused(Refusal::Syntax(_)))
        ));
        assert_eq!(r.next().unwrap(), Some(Input::Command(vec![atom("NOOP")])));
    }

    #[test]
    fn long_lines_end_the_connection() {
        let mut r = signed_in(10, 100);
        r.feed(b"NOOP \"abcdefgh");
        assert_eq!(r.next(), Err(TooMuch::Line(10)));
        let mut r = signed_in(10, 100);
        r.feed(b"NOOP \"abcdefgh\"\r\n");
        assert_eq!(r.next(), Err(TooMuch::Line(10)));
    }

    #[test]
    fn before_sign_in_a_command_is_small() {
        let mut r = Reader::new(64 * 1024, 64 * 1024);
        r.feed(b"AUTHENTICATE \"PLAIN\" {9000+}\r\n");
        assert_eq!(r.next(), Err(TooMuch::BeforeSignIn));
        let mut r = Reader::new(64 * 1024, 64 * 1024);
        r.feed(&[b'a'; PRE_AUTH_MAX_COMMAND + 1]);
        assert_eq!(r.next(), Err(TooMuch::BeforeSignIn));
        let mut r = Reader::new(64 * 1024, 64 * 1024);
        r.feed(b"AUTHENTICATE \"PLAIN\" {12+}\r\nAGFubgBwdw==\r\n");
        assert_eq!(
            r.next().unwrap(),
            Some(Input::Command(vec![
                atom("AUTHENTICATE"),
                string("PLAIN"),
                string("AGFubgBwdw==")
            ]))
        );
    }

    #[test]
    fn huge_announcements_do_not_overflow() {
        let mut r = signed_in(100, 10);
        r.feed(b"X {99999999999999999999999999}\r\nabc");
        assert_eq!(r.next().unwrap(), None);
        assert!(r.buf.is_empty());
    }

    #[test]
    fn braces_inside_a_quoted_string_are_no_literal() {
        let mut r = Reader::new(100, 100);
        r.feed(b"NOOP \"{5}\"\r\n");
        assert_eq!(
            r.next().unwrap(),
            Some(Input::Command(vec![atom("NOOP"), string("{5}")]))
        );
    }
}
