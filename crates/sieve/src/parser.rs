//! Tokens to the generic command tree of RFC 5228 section 8.2, bounding the nesting of
//! blocks and tests together so neither this nor any later pass can overflow the stack.

use crate::lexer::{Pos, Tok, Token};

/// A string argument as written, where it starts.
#[derive(Debug, Clone)]
pub(crate) struct Lit {
    pub value: String,
    pub pos: Pos,
}

#[derive(Debug, Clone)]
pub(crate) enum ArgKind {
    Tag(String),
    Number(u64),
    /// A bare string or a bracketed list (`bracketed`).
    Strings {
        items: Vec<Lit>,
        bracketed: bool,
    },
}

#[derive(Debug, Clone)]
pub(crate) struct Arg {
    pub kind: ArgKind,
    pub pos: Pos,
}

/// A command or a test: its name, arguments, tests and (for commands) block.
#[derive(Debug, Clone)]
pub(crate) struct Node {
    pub name: String,
    pub pos: Pos,
    pub args: Vec<Arg>,
    pub tests: Vec<Node>,
    /// The tests were a parenthesised list (allof, anyof).
    pub test_list: bool,
    pub block: Option<Vec<Node>>,
}

/// A syntax error, where it is.
#[derive(Debug, Clone)]
pub(crate) struct SyntaxError {
    pub pos: Pos,
    pub message: String,
}

type Parsed<T> = Result<T, SyntaxError>;

struct Parser<'a> {
    tokens: &'a [Token],
    at: usize,
    depth: usize,
    max_depth: usize,
    end: Pos,
}

/// Parses a whole script into its top-level commands.
pub(crate) fn parse(tokens: &[Token], max_depth: usize, end: Pos) -> Parsed<Vec<Node>> {
    let mut p = Parser {
        tokens,
        at: 0,
        depth: 0,
        max_depth,
        end,
    };
    let commands = p.commands()?;
    match p.peek() {
        None => Ok(commands),
        Some(t) => Err(p.error_at(t.pos, format!("unexpected {}", t.tok.describe()))),
    }
}

/// Commands whose arguments end in a test, and tests that take tests.
fn takes_tests(name: &str) -> bool {
    matches!(name, "if" | "elsif" | "allof" | "anyof" | "not")
}

impl Parser<'_> {
    fn peek(&self) -> Option<&Token> {
        self.tokens.get(self.at)
    }

    fn here(&self) -> Pos {
        self.peek().map_or(self.end, |t| t.pos)
    }

    fn bump(&mut self) -> Option<&Token> {
        let t = self.tokens.get(self.at);
        if t.is_some() {
            self.at = self.at.saturating_add(1);
        }
        t
    }

    fn is(&self, want: &Tok) -> bool {
        self.peek().is_some_and(|t| &t.tok == want)
    }

    fn error_at(&self, pos: Pos, message: String) -> SyntaxError {
        SyntaxError { pos, message }
    }

    fn found(&self) -> String {
        self.peek()
            .map_or_else(|| "the end of the script".into(), |t| t.tok.describe())
    }

    fn expect(&mut self, want: &Tok, what: &str) -> Parsed<()> {
        if self.is(want) {
            self.bump();
            Ok(())
        } else {
            Err(self.error_at(self.here(), format!("{what}, found {}", self.found())))
        }
    }

    fn enter(&mut self, pos: Pos) -> Parsed<()> {
        self.depth = self.depth.saturating_add(1);
        if self.depth > self.max_depth {
            return Err(self.error_at(pos, format!("nesting too deep (limit {})", self.max_depth)));
        }
        Ok(())
    }

    fn leave(&mut self) {
        self.depth = self.depth.saturating_sub(1);
    }

    fn commands(&mut self) -> Parsed<Vec<Node>> {
        let mut out = Vec::new();
        while let Some(t) = self.peek() {
            match &t.tok {
                Tok::RBrace => break,
                Tok::Identifier(_) => out.push(self.command()?),
                other => {
                    return Err(self.error_at(
                        t.pos,
                        format!("expected a command, found {}", other.describe()),
                    ));
                }
            }
        }
        Ok(out)
    }

    fn command(&mut self) -> Parsed<Node> {
        let mut node = self.head()?;
        if takes_tests(&node.name) {
            self.tests(&mut node)?;
        }
        match self.peek().map(|t| &t.tok) {
            Some(Tok::Semicolon) => {
                self.bump();
            }
            Some(Tok::LBrace) => {
                let pos = self.here();
                self.bump();
                self.enter(pos)?;
                let block = self.commands()?;
                self.leave();
                self.expect(&Tok::RBrace, "expected \"}\" to close the block")?;
                node.block = Some(block);
            }
            _ => {
                return Err(self.error_at(
                    self.here(),
                    format!("missing \";\" after command \"{}\"", node.name),
                ));
            }
        }
        Ok(node)
    }

    /// An identifier and its plain arguments.
    fn head(&mut self) -> Parsed<Node> {
        let pos = self.here();
        let name = match self.bump().map(|t| &t.tok) {
            Some(Tok::Identifier(name)) => name.clone(),
            _ => return Err(self.error_at(pos, "expected an identifier".into())),
        };
        let mut node = Node {
            name,
            pos,
            args: Vec::new(),
            tests: Vec::new(),
            test_list: false,
            block: None,
        };
        while let Some(t) = self.peek() {
            let pos = t.pos;
            let kind = match &t.tok {
                Tok::Tag(tag) => ArgKind::Tag(tag.clone()),
                Tok::Number(n) => ArgKind::Number(*n),
                Tok::Str(s) => ArgKind::Strings {
                    items: vec![Lit {
                        value: s.clone(),
                        pos,
                    }],
                    bracketed: false,
                },
                Tok::LBracket => {
                    self.bump();
                    node.args.push(Arg {
                        kind: self.string_list()?,
                        pos,
                    });
                    continue;
                }
                _ => break,
            };
            self.bump();
            node.args.push(Arg { kind, pos });
        }
        Ok(node)
    }

    /// The rest of `[ "a", "b" ]` after its bracket.
    fn string_list(&mut self) -> Parsed<ArgKind> {
        let mut items = Vec::new();
        loop {
            let pos = self.here();
            match self.bump().map(|t| &t.tok) {
                Some(Tok::Str(s)) => items.push(Lit {
                    value: s.clone(),
                    pos,
                }),
                _ => return Err(self.error_at(pos, "expected a string in the list".into())),
            }
            let pos = self.here();
            match self.bump().map(|t| &t.tok) {
                Some(Tok::Comma) => {}
                Some(Tok::RBracket) => {
                    return Ok(ArgKind::Strings {
                        items,
                        bracketed: true,
                    });
                }
                _ => {
                    return Err(
                        self.error_at(pos, "expected \",\" or \"]\" in the string list".into())
                    );
                }
            }
        }
    }

    /// One test or a parenthesised list of them, into `node.tests`.
    fn tests(&mut self, node: &mut Node) -> Parsed<()> {
        let pos = self.here();
        self.enter(pos)?;
        if self.is(&Tok::LParen) {
            self.bump();
            node.test_list = true;
            loop {
                node.tests.push(self.test()?);
                if self.is(&Tok::Comma) {
                    self.bump();
                } else {
                    break;
                }
            }
            self.expect(&Tok::RParen, "expected \",\" or \")\" in the test list")?;
        } else {
            node.tests.push(self.test()?);
        }
        self.leave();
        Ok(())
    }

    fn test(&mut self) -> Parsed<Node> {
        if !matches!(self.peek().map(|t| &t.tok), Some(Tok::Identifier(_))) {
            return Err(self.error_at(
                self.here(),
                format!("expected a test, found {}", self.found()),
            ));
        }
        let mut node = self.head()?;
        if takes_tests(&node.name) {
            self.tests(&mut node)?;
        }
        Ok(node)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::lexer::lex;

    fn parse_str(s: &str, depth: usize) -> Parsed<Vec<Node>> {
        parse(&lex(s).unwrap(), depth, Pos::default())
    }

    #[test]
    fn nests_tests_and_blocks() {
        let nodes = parse_str("if allof(true, not false) { keep; } else { discard; }", 8).unwrap();
        assert_eq!(nodes.len(), 2);
        assert_eq!(nodes.first().unwrap().tests.first().unwrap().tests.len(), 2);
    }

    #[test]
    fn depth_is_bounded() {
        let deep = format!("if {}true{} {{}}", "not ".repeat(50), "");
        let e = parse_str(&deep, 10).unwrap_err();
        assert!(e.message.contains("nesting too deep"));
        let blocks = format!("{}{}", "if true {".repeat(20), "}".repeat(20));
        assert!(parse_str(&blocks, 10).is_err());
    }

    #[test]
    fn missing_semicolon() {
        let e = parse_str("keep\nstop;", 8).unwrap_err();
        assert_eq!((e.pos.line, e.pos.column), (2, 1));
        assert_eq!(e.message, "missing \";\" after command \"keep\"");
    }
}
