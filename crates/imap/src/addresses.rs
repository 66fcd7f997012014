//! RFC 5322 address lists as ENVELOPE reports them (RFC 3501 §7.4.2): display names exactly
//! as sent (quoted strings unquoted, encoded words left encoded), source routes as the `adl`,
//! groups as start and end markers. A decoding parser (mail-parser) cannot serve this: it
//! drops routes and decodes names. Pure and lenient: any input gives some list, never a panic.

/// One entry of an ENVELOPE address list. A group start has only `mailbox` (the group's
/// name); a group end has nothing at all.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub(crate) struct Entry {
    pub name: Option<String>,
    pub adl: Option<String>,
    pub mailbox: Option<String>,
    pub host: Option<String>,
}

/// What a client sees where an address lacks its local part or domain: NIL there would read
/// as a group marker.
const MISSING_MAILBOX: &str = "MISSING_MAILBOX";
const MISSING_DOMAIN: &str = "MISSING_DOMAIN";

#[derive(Debug, Clone, PartialEq, Eq)]
enum Token {
    /// An atom, a dot-atom or a domain literal, as sent.
    Word(String),
    /// A quoted string's content, without quotes and escapes.
    Quoted(String),
    Comment(String),
    Special(u8),
}

/// The entries of a header field's value (the text after the colon).
pub(crate) fn parse(value: &[u8]) -> Vec<Entry> {
    let tokens = tokens(value);
    let mut out = Vec::new();
    let mut rest = tokens.as_slice();
    while !rest.is_empty() {
        rest = address(rest, &mut out, false);
    }
    out
}

fn tokens(value: &[u8]) -> Vec<Token> {
    let mut out = Vec::new();
    let mut i = 0;
    while let Some(&b) = value.get(i) {
        match b {
            b' ' | b'\t' | b'\r' | b'\n' => i += 1,
            b'"' => {
                let (text, next) = delimited(value, i + 1, b'"');
                out.push(Token::Quoted(text));
                i = next;
            }
            b'(' => {
                let (text, next) = comment(value, i + 1);
                out.push(Token::Comment(text));
                i = next;
            }
            b'[' => {
                let end = value
                    .get(i..)
                    .and_then(|v| v.iter().position(|c| *c == b']'))
                    .map_or(value.len(), |p| i + p + 1);
                out.push(Token::Word(lossy(value.get(i..end).unwrap_or_default())));
                i = end;
            }
            b'<' | b'>' | b'@' | b',' | b':' | b';' => {
                out.push(Token::Special(b));
                i += 1;
            }
            _ => {
                let end = value
                    .get(i..)
                    .and_then(|v| v.iter().position(|c| is_delimiter(*c)))
                    .map_or(value.len(), |p| i + p);
                out.push(Token::Word(lossy(value.get(i..end).unwrap_or_default())));
                // A stray `)` or `]` is a delimiter that starts nothing: skip it.
                i = end.max(i + 1);
            }
        }
    }
    out
}

fn is_delimiter(b: u8) -> bool {
    matches!(
        b,
        b' ' | b'\t'
            | b'\r'
            | b'\n'
            | b'"'
            | b'('
            | b')'
            | b'['
            | b']'
            | b'<'
            | b'>'
            | b'@'
            | b','
            | b':'
            | b';'
    )
}

fn lossy(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// A quoted string from `start` (after the opening quote) to `close`, unescaped and unfolded;
/// the index after it.
fn delimited(value: &[u8], start: usize, close: u8) -> (String, usize) {
    let mut text = Vec::new();
    let mut i = start;
    while let Some(&b) = value.get(i) {
        i += 1;
        match b {
            b'\\' => {
                if let Some(&escaped) = value.get(i) {
                    text.push(escaped);
                    i += 1;
                }
            }
            b'\r' | b'\n' => {}
            _ if b == close => break,
            _ => text.push(b),
        }
    }
    (lossy(&text), i)
}

/// A comment from `start` (after its `(`), nested comments included; the index after it.
fn comment(value: &[u8], start: usize) -> (String, usize) {
    let mut text = Vec::new();
    let mut depth = 1usize;
    let mut i = start;
    while let Some(&b) = value.get(i) {
        i += 1;
        match b {
            b'\\' => {
                if let Some(&escaped) = value.get(i) {
                    text.push(escaped);
                    i += 1;
                }
            }
            b'(' => {
                depth += 1;
                text.push(b);
            }
            b')' => {
                depth -= 1;
                if depth == 0 {
                    break;
                }
                text.push(b);
            }
            b'\r' | b'\n' => {}
            _ => text.push(b),
        }
    }
    (lossy(&text), i)
}

/// One address or group from `tokens` into `out`; the tokens after it. Inside a group,
/// `;` ends the address and is left for the group.
fn address<'t>(tokens: &'t [Token], out: &mut Vec<Entry>, in_group: bool) -> &'t [Token] {
    let mut phrase: Vec<&str> = Vec::new();
    let mut first_comment: Option<&str> = None;
    let mut i = 0;
    while let Some(token) = tokens.get(i) {
        match token {
            Token::Word(w) | Token::Quoted(w) => phrase.push(w),
            Token::Comment(c) => {
                first_comment.get_or_insert(c);
            }
            Token::Special(b',') => {
                // A bare word list is an address without a domain; nothing at all is skipped.
                if !phrase.is_empty() {
                    out.push(addr_spec(&phrase.concat(), None, first_comment));
                }
                return tokens.get(i + 1..).unwrap_or_default();
            }
            Token::Special(b';') if in_group => {
                if !phrase.is_empty() {
                    out.push(addr_spec(&phrase.concat(), None, first_comment));
                }
                return tokens.get(i..).unwrap_or_default();
            }
            Token::Special(b':') if !in_group => {
                return group(
                    phrase.join(" "),
                    tokens.get(i + 1..).unwrap_or_default(),
                    out,
                );
            }
            Token::Special(b'<') => {
                let rest = tokens.get(i + 1..).unwrap_or_default();
                let (mut entry, rest) = angle(rest);
                entry.name = match phrase.is_empty() {
                    true => None,
                    false => Some(phrase.join(" ")),
                };
                let (trailing, rest) = until_separator(rest, in_group);
                if entry.name.is_none() {
                    entry.name = first_comment.or(trailing).map(str::to_owned);
                }
                out.push(entry);
                return rest;
            }
            Token::Special(b'@') => {
                let local = phrase.concat();
                let (domain, comment, rest) = domain(tokens.get(i + 1..).unwrap_or_default());
                let (trailing, rest) = until_separator(rest, in_group);
                let name = first_comment.or(comment).or(trailing);
                out.push(addr_spec(&local, Some(&domain), name));
                return rest;
            }
            // `>`, or `:` inside a group: stray, ignored.
            Token::Special(_) => {}
        }
        i += 1;
    }
    if !phrase.is_empty() {
        out.push(addr_spec(&phrase.concat(), None, first_comment));
    }
    &[]
}

fn addr_spec(local: &str, domain: Option<&str>, name: Option<&str>) -> Entry {
    Entry {
        name: name.map(str::to_owned),
        adl: None,
        mailbox: Some(non_empty(local, MISSING_MAILBOX)),
        host: Some(non_empty(domain.unwrap_or_default(), MISSING_DOMAIN)),
    }
}

fn non_empty(text: &str, missing: &str) -> String {
    match text.is_empty() {
        true => missing.to_owned(),
        false => text.to_owned(),
    }
}

/// `name: mailbox, mailbox;` — the marker entries around the group's addresses.
fn group<'t>(name: String, mut rest: &'t [Token], out: &mut Vec<Entry>) -> &'t [Token] {
    out.push(Entry {
        mailbox: Some(name),
        ..Entry::default()
    });
    loop {
        match rest.split_first() {
            None => break,
            Some((Token::Special(b';'), after)) => {
                rest = after;
                break;
            }
            Some(_) => rest = address(rest, out, true),
        }
    }
    out.push(Entry::default());
    // What follows a group's `;` up to the next `,` is not an address.
    until_separator(rest, false).1
}

/// After `<`: an optional source route, the local part and the domain, up to `>`.
fn angle(tokens: &[Token]) -> (Entry, &[Token]) {
    let mut route = String::new();
    let mut i = 0;
    // A route is `@a,@b:` before the address itself.
    // Looked for only up to the `>`: a long list must not be rescanned for every address.
    let close = tokens
        .iter()
        .position(|t| *t == Token::Special(b'>'))
        .unwrap_or(tokens.len());
    let colon = tokens
        .get(..close)
        .and_then(|inside| inside.iter().position(|t| *t == Token::Special(b':')));
    let routed = matches!(tokens.first(), Some(Token::Special(b'@')));
    if routed && let Some(colon) = colon {
        for token in tokens.get(..colon).unwrap_or_default() {
            match token {
                Token::Special(b) => route.push(char::from(*b)),
                Token::Word(w) | Token::Quoted(w) => route.push_str(w),
                Token::Comment(_) => {}
            }
        }
        i = colon + 1;
    }
    let mut local = String::new();
    let mut domain_part = None;
    while let Some(token) = tokens.get(i) {
        i += 1;
        match token {
            Token::Special(b'>') => break,
            Token::Special(b'@') => {
                let (domain, _, rest) = self::domain(tokens.get(i..).unwrap_or_default());
                domain_part = Some(domain);
                i = tokens.len() - rest.len();
            }
            Token::Word(w) | Token::Quoted(w) => local.push_str(w),
            Token::Special(_) | Token::Comment(_) => {}
        }
    }
    let entry = Entry {
        name: None,
        adl: (!route.is_empty()).then_some(route),
        mailbox: Some(non_empty(&local, MISSING_MAILBOX)),
        host: Some(non_empty(
            domain_part.as_deref().unwrap_or_default(),
            MISSING_DOMAIN,
        )),
    };
    (entry, tokens.get(i..).unwrap_or_default())
}

/// A domain's words (joined as sent, without blanks); the first comment among them; the
/// tokens after it.
fn domain(tokens: &[Token]) -> (String, Option<&str>, &[Token]) {
    let mut text = String::new();
    let mut comment = None;
    for (i, token) in tokens.iter().enumerate() {
        match token {
            Token::Word(w) | Token::Quoted(w) => text.push_str(w),
            Token::Comment(c) => {
                comment.get_or_insert(c.as_str());
            }
            Token::Special(_) => return (text, comment, tokens.get(i..).unwrap_or_default()),
        }
    }
    (text, comment, &[])
}

/// Skips to the `,` that ends an address (consumed) or the `;` that ends a group (left);
/// the first comment on the way names an address that had no name.
fn until_separator(tokens: &[Token], in_group: bool) -> (Option<&str>, &[Token]) {
    let mut comment = None;
    for (i, token) in tokens.iter().enumerate() {
        match token {
            Token::Special(b',') => return (comment, tokens.get(i + 1..).unwrap_or_default()),
            Token::Special(b';') if in_group => {
                return (comment, tokens.get(i..).unwrap_or_default());
            }
            Token::Comment(c) => {
                comment.get_or_insert(c.as_str());
            }
            _ => {}
        }
    }
    (comment, &[])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(name: Option<&str>, adl: Option<&str>, mailbox: &str, host: &str) -> Entry {
        Entry {
            name: name.map(str::to_owned),
            adl: adl.map(str::to_owned),
            mailbox: Some(mailbox.to_owned()),
            host: Some(host.to_owned()),
        }
    }

    fn start(name: &str) -> Entry {
        Entry {
            mailbox: Some(name.to_owned()),
            ..Entry::default()
        }
    }

    #[test]
    fn names_are_kept_as_sent() {
        assert_eq!(
            parse(b" Ann <ann@example.com>, \"Cid \\\"C\\\"\" <cid@example.net>"),
            [
                entry(Some("Ann"), None, "ann", "example.com"),
                entry(Some("Cid \"C\""), None, "cid", "example.net"),
            ]
        );
        assert_eq!(
            parse(b"=?utf-8?q?J=C3=B6rg?= Doe <j@x.org>"),
            [entry(Some("=?utf-8?q?J=C3=B6rg?= Doe"), None, "j", "x.org")]
        );
        assert_eq!(
            parse(b"user@domain (Real Name)"),
            [entry(Some("Real Name"), None, "user", "domain")]
        );
        assert_eq!(
            parse(b"Folded\r\n Name <a@b>"),
            [entry(Some("Folded Name"), None, "a", "b")]
        );
    }

    #[test]
    fn source_routes_are_the_adl() {
        assert_eq!(
            parse(b"<@route:user@domain>"),
            [entry(None, Some("@route"), "user", "domain")]
        );
        assert_eq!(
            parse(b"Ann <@route1,@route2:user@domain>"),
            [entry(
                Some("Ann"),
                Some("@route1,@route2"),
                "user",
                "domain"
            )]
        );
    }

    #[test]
    fn groups_are_framed_by_markers() {
        assert_eq!(
            parse(b"group: g1@d1.org, g2@d2.org;, group2: g3@d3.org;"),
            [
                start("group"),
                entry(None, None, "g1", "d1.org"),
                entry(None, None, "g2", "d2.org"),
                Entry::default(),
                start("group2"),
                entry(None, None, "g3", "d3.org"),
                Entry::default(),
            ]
        );
        assert_eq!(
            parse(b"group:;, group2: (foo) ;"),
            [
                start("group"),
                Entry::default(),
                start("group2"),
                Entry::default()
            ]
        );
        assert_eq!(
            parse(b"undisclosed-recipients:;"),
            [start("undisclosed-recipients"), Entry::default()]
        );
    }

    #[test]
    fn missing_parts_are_named_not_nil() {
        assert_eq!(parse(b""), []);
        assert_eq!(parse(b"  "), []);
        assert_eq!(parse(b"user"), [entry(None, None, "user", MISSING_DOMAIN)]);
        assert_eq!(
            parse(b"<@x.org>"),
            [entry(None, None, MISSING_MAILBOX, "x.org")]
        );
    }

    /// Many addresses in one field are read in one pass, not one pass per address.
    #[test]
    fn a_long_list_is_read_in_linear_time() {
        let list: Vec<u8> = (0..20_000)
            .flat_map(|i| format!("N{i} <u{i}@example.com>, ").into_bytes())
            .collect();
        let started = std::time::Instant::now();
        let entries = parse(&list);
        assert_eq!(entries.len(), 20_000);
        assert!(started.elapsed() < std::time::Duration::from_secs(2));
    }

    #[test]
    fn nonsense_does_not_panic() {
        for raw in [
            &b"<<<@@@>>>"[..],
            b":;:;,,",
            b"\"unterminated",
            b"(unterminated (nested",
            b"[1.2.3",
            b"a@[1.2.3.4]",
            b"))]]\\",
            b"\xff\xfe <\x00@\x00>",
        ] {
            let _ = parse(raw);
        }
        assert_eq!(parse(b"a@[1.2.3.4]"), [entry(None, None, "a", "[1.2.3.4]")]);
    }
}
