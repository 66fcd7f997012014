//! Source text to tokens (RFC 5228 section 8.1), each with the line and column it starts
//! at, so every later error can point at the offending token.

use std::iter::Peekable;
use std::str::Chars;

/// A 1-based place in the source, columns counted in characters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) struct Pos {
    pub line: u32,
    pub column: u32,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Tok {
    Identifier(String),
    Tag(String),
    Number(u64),
    Str(String),
    LBracket,
    RBracket,
    LParen,
    RParen,
    LBrace,
    RBrace,
    Comma,
    Semicolon,
}

impl Tok {
    /// How an error message names the token.
    pub fn describe(&self) -> String {
        match self {
            Tok::Identifier(name) => format!("\"{name}\""),
            Tok::Tag(name) => format!("\":{name}\""),
            Tok::Number(n) => format!("number {n}"),
            Tok::Str(_) => "a string".into(),
            Tok::LBracket => "\"[\"".into(),
            Tok::RBracket => "\"]\"".into(),
            Tok::LParen => "\"(\"".into(),
            Tok::RParen => "\")\"".into(),
            Tok::LBrace => "\"{\"".into(),
            Tok::RBrace => "\"}\"".into(),
            Tok::Comma => "\",\"".into(),
            Tok::Semicolon => "\";\"".into(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Token {
    pub tok: Tok,
    pub pos: Pos,
}

/// A lexical error, where it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct LexError {
    pub pos: Pos,
    pub message: String,
}

struct Cursor<'a> {
    chars: Peekable<Chars<'a>>,
    pos: Pos,
}

impl Cursor<'_> {
    fn peek(&mut self) -> Option<char> {
        self.chars.peek().copied()
    }

    fn bump(&mut self) -> Option<char> {
        let c = self.chars.next()?;
        if c == '\n' {
            self.pos.line = self.pos.line.saturating_add(1);
            self.pos.column = 1;
        } else {
            self.pos.column = self.pos.column.saturating_add(1);
        }
        Some(c)
    }

    fn eat(&mut self, want: char) -> bool {
        let hit = self.peek() == Some(want);
        if hit {
            self.bump();
        }
        hit
    }

    /// The rest of the line including its line break (if any).
    fn line(&mut self) -> String {
        let mut out = String::new();
        while let Some(c) = self.bump() {
            out.push(c);
            if c == '\n' {
                break;
            }
        }
        out
    }
}

/// Where the source ends, for errors about a missing last token.
pub(crate) fn end_of(source: &str) -> Pos {
    let mut cur = Cursor {
        chars: source.chars().peekable(),
        pos: Pos { line: 1, column: 1 },
    };
    while cur.bump().is_some() {}
    cur.pos
}

/// Splits `source` into tokens; stops at the first error that leaves the rest unreadable.
pub(crate) fn lex(source: &str) -> Result<Vec<Token>, LexError> {
    let mut cur = Cursor {
        chars: source.chars().peekable(),
        pos: Pos { line: 1, column: 1 },
    };
    let mut out = Vec::new();
    while let Some(c) = cur.peek() {
        let pos = cur.pos;
        let err = |message: String| LexError { pos, message };
        let tok = match c {
            ' ' | '\t' | '\r' | '\n' => {
                cur.bump();
                continue;
            }
            '#' => {
                cur.line();
                continue;
            }
            '/' => {
                cur.bump();
                if !cur.eat('*') {
                    return Err(err("unexpected character '/'".into()));
                }
                bracket_comment(&mut cur).ok_or_else(|| err("unterminated comment".into()))?;
                continue;
            }
            '"' => {
                cur.bump();
                Tok::Str(quoted(&mut cur).ok_or_else(|| err("unterminated string".into()))?)
            }
            '0'..='9' => {
                Tok::Number(number(&mut cur).ok_or_else(|| err("number too large".into()))?)
            }
            ':' => {
                cur.bump();
                let name = identifier(&mut cur);
                if name.is_empty() {
                    return Err(err("expected a tag name after \":\"".into()));
                }
                Tok::Tag(name.to_ascii_lowercase())
            }
            c if c.is_ascii_alphabetic() || c == '_' => {
                let name = identifier(&mut cur).to_ascii_lowercase();
                if name == "text" && cur.peek() == Some(':') {
                    cur.bump();
                    Tok::Str(multiline(&mut cur).map_err(err)?)
                } else {
                    Tok::Identifier(name)
                }
            }
            _ => {
                cur.bump();
                Tok::from_punct(c).ok_or_else(|| err(format!("unexpected character {c:?}")))?
            }
        };
        out.push(Token { tok, pos });
    }
    Ok(out)
}

impl Tok {
    fn from_punct(c: char) -> Option<Tok> {
        Some(match c {
            '[' => Tok::LBracket,
            ']' => Tok::RBracket,
            '(' => Tok::LParen,
            ')' => Tok::RParen,
            '{' => Tok::LBrace,
            '}' => Tok::RBrace,
            ',' => Tok::Comma,
            ';' => Tok::Semicolon,
            _ => return None,
        })
    }
}

fn identifier(cur: &mut Cursor<'_>) -> String {
    let mut name = String::new();
    while let Some(c) = cur.peek() {
        if !(c.is_ascii_alphanumeric() || c == '_') {
            break;
        }
        name.push(c);
        cur.bump();
    }
    name
}

fn bracket_comment(cur: &mut Cursor<'_>) -> Option<()> {
    loop {
        if cur.bump()? == '*' && cur.eat('/') {
            return Some(());
        }
    }
}

/// Digits with an optional K, M or G quantifier; `None` when it does not fit in 64 bits.
fn number(cur: &mut Cursor<'_>) -> Option<u64> {
    let mut n: Option<u64> = Some(0);
    while let Some(d) = cur.peek().and_then(|c| c.to_digit(10)) {
        cur.bump();
        n = n.and_then(|n| n.checked_mul(10)?.checked_add(u64::from(d)));
    }
    let scale = match cur.peek() {
        Some('k' | 'K') => 1 << 10,
        Some('m' | 'M') => 1 << 20,
        Some('g' | 'G') => 1 << 30,
        _ => 1,
    };
    if scale > 1 {
        cur.bump();
    }
    n?.checked_mul(scale)
}

/// The body of a quoted string after its opening quote: `\x` stands for `x`.
fn quoted(cur: &mut Cursor<'_>) -> Option<String> {
    let mut out = String::new();
    loop {
        match cur.bump()? {
            '"' => return Some(out),
            '\\' => out.push(cur.bump()?),
            c => out.push(c),
        }
    }
}

/// A `text:` string after its colon: lines up to a lone ".", with ".." unstuffed.
fn multiline(cur: &mut Cursor<'_>) -> Result<String, String> {
    while matches!(cur.peek(), Some(' ' | '\t')) {
        cur.bump();
    }
    let first = cur.line();
    let rest = first.trim_end_matches(['\r', '\n']);
    if !(rest.is_empty() || rest.starts_with('#')) {
        return Err("\"text:\" must end its line".into());
    }
    if !first.ends_with('\n') {
        return Err("unterminated multi-line string (text:)".into());
    }
    let mut out = String::new();
    loop {
        let line = cur.line();
        if line.is_empty() {
            return Err("unterminated multi-line string (text:)".into());
        }
        let bare = line.trim_end_matches(['\r', '\n']);
        if bare == "." && line.ends_with('\n') {
            return Ok(out);
        }
        out.push_str(
            line.strip_prefix('.')
                .filter(|l| l.starts_with('.'))
                .unwrap_or(&line),
        );
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn toks(s: &str) -> Vec<Tok> {
        lex(s).unwrap().into_iter().map(|t| t.tok).collect()
    }

    #[test]
    fn numbers_strings_and_comments() {
        assert_eq!(
            toks("size :over 2K; # c\n/* x */ \"a\\\"b\\\\\""),
            vec![
                Tok::Identifier("size".into()),
                Tok::Tag("over".into()),
                Tok::Number(2048),
                Tok::Semicolon,
                Tok::Str("a\"b\\".into()),
            ]
        );
    }

    #[test]
    fn multiline_unstuffs_dots() {
        assert_eq!(
            toks("text: # hi\r\nline\r\n..dot\r\n.\r\n"),
            vec![Tok::Str("line\r\n.dot\r\n".into())]
        );
    }

    #[test]
    fn errors_point_at_the_token() {
        let e = lex("keep;\n  \"abc").unwrap_err();
        assert_eq!(
            (e.pos.line, e.pos.column, e.message.as_str()),
            (2, 3, "unterminated string")
        );
        assert!(lex("99999999999999999999").is_err());
        assert!(lex("text:\nabc\n").is_err());
    }
}
