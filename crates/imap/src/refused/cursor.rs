//! A cursor over a refused command's bytes, reading RFC 3501's tokens: what the LIST, SEARCH
//! and APPEND readers share.

use std::ops::Range;

pub(super) struct Cursor<'a> {
    whole: &'a [u8],
    /// Bytes of `whole` read so far.
    at: usize,
}

/// A literal's place in the command.
pub(super) struct LiteralSpan {
    pub data: Range<usize>,
    /// `~{n}` (RFC 3516): any octet, NUL too.
    pub literal8: bool,
}

impl<'a> Cursor<'a> {
    pub(super) fn new(command: &'a [u8]) -> Cursor<'a> {
        Cursor {
            whole: command,
            at: 0,
        }
    }

    /// How far into the command the cursor is.
    pub(super) fn offset(&self) -> usize {
        self.at
    }

    /// What is left of the command.
    pub(super) fn rest(&self) -> &'a [u8] {
        self.whole.get(self.at..).unwrap_or_default()
    }

    /// The command's bytes in `range`.
    pub(super) fn slice(&self, range: Range<usize>) -> &'a [u8] {
        self.whole.get(range).unwrap_or_default()
    }

    fn advance(&mut self, n: usize) {
        self.at = (self.at + n).min(self.whole.len());
    }

    pub(super) fn peek(&self) -> Option<u8> {
        self.rest().first().copied()
    }

    pub(super) fn byte(&mut self, b: u8) -> Option<()> {
        (self.peek()? == b).then(|| self.advance(1))
    }

    pub(super) fn space(&mut self) -> bool {
        self.byte(b' ').is_some()
    }

    /// Whether only the final CRLF is left.
    pub(super) fn crlf(&mut self) -> bool {
        self.rest() == b"\r\n"
    }

    fn take_while(&mut self, keep: impl Fn(u8) -> bool) -> &'a [u8] {
        let rest = self.rest();
        let n = rest.iter().take_while(|b| keep(**b)).count();
        self.advance(n);
        rest.get(..n).unwrap_or_default()
    }

    pub(super) fn keyword(&mut self, word: &str) -> bool {
        let taken = self.take_while(is_atom_char);
        taken.eq_ignore_ascii_case(word.as_bytes())
    }

    pub(super) fn tag(&mut self) -> Option<String> {
        let taken = self.take_while(|b| is_atom_char(b) && b != b'+');
        (!taken.is_empty()).then(|| String::from_utf8_lossy(taken).into_owned())
    }

    pub(super) fn atom(&mut self) -> Option<String> {
        let taken = self.take_while(is_atom_char);
        (!taken.is_empty()).then(|| String::from_utf8_lossy(taken).into_owned())
    }

    /// `"(" [atom *(SP atom)] ")"`.
    pub(super) fn atom_list(&mut self) -> Option<Vec<String>> {
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

    /// Up to and past the next `)`, on one line: a flag list, whose words imap-codec reads.
    pub(super) fn skip_list(&mut self) -> Option<()> {
        self.byte(b'(')?;
        self.take_while(|b| b != b')' && b != b'\r' && b != b'\n');
        self.byte(b')')
    }

    /// One pattern, or several in parentheses.
    pub(super) fn patterns(&mut self) -> Option<Vec<String>> {
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

    pub(super) fn astring(&mut self) -> Option<String> {
        match self.peek()? {
            b'"' | b'{' | b'~' => self.string(),
            _ => {
                let taken = self.take_while(|b| is_atom_char(b) || b == b']');
                (!taken.is_empty()).then(|| String::from_utf8_lossy(taken).into_owned())
            }
        }
    }

    /// A quoted string or a literal.
    pub(super) fn string(&mut self) -> Option<String> {
        if self.byte(b'"').is_some() {
            let mut out = Vec::new();
            loop {
                let b = self.peek()?;
                self.advance(1);
                match b {
                    b'"' => return Some(String::from_utf8_lossy(&out).into_owned()),
                    b'\\' => {
                        out.push(self.peek()?);
                        self.advance(1);
                    }
                    b'\r' | b'\n' => return None,
                    _ => out.push(b),
                }
            }
        }
        let span = self.literal()?;
        Some(String::from_utf8_lossy(self.slice(span.data)).into_owned())
    }

    /// A literal (`{n}`, `{n+}` of RFC 7888, `~{n}` of RFC 3516), its data skipped over.
    pub(super) fn literal(&mut self) -> Option<LiteralSpan> {
        let literal8 = self.byte(b'~').is_some();
        self.byte(b'{')?;
        let digits = self.take_while(|b| b.is_ascii_digit());
        let length: usize = std::str::from_utf8(digits).ok()?.parse().ok()?;
        let _ = self.byte(b'+');
        self.byte(b'}')?;
        self.byte(b'\r')?;
        self.byte(b'\n')?;
        let data = self.at..self.at.checked_add(length)?;
        if data.end > self.whole.len() {
            return None;
        }
        self.at = data.end;
        Some(LiteralSpan { data, literal8 })
    }
}

/// `ATOM-CHAR` of RFC 3501: any CHAR but specials.
pub(super) fn is_atom_char(b: u8) -> bool {
    b.is_ascii() && !b.is_ascii_control() && !b"(){ %*\"\\]".contains(&b)
}
