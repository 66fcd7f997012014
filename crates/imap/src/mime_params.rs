//! Structured MIME fields (Content-Type, Content-Disposition: RFC 2045 §5.1, RFC 2183) read
//! the way Dovecot reports them in BODYSTRUCTURE: values as sent (encoded words and RFC 2231
//! charsets left for the client to decode), quoted strings unquoted, comments dropped, and
//! RFC 2231 continuations (`name*0`, `name*1*`) joined into one parameter. Pure; never panics.

use std::collections::HashMap;

/// `value *(";" attribute "=" value)`, attribute names lower-cased.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub(crate) struct Structured {
    pub value: String,
    pub params: Vec<(String, String)>,
}

/// The field value after the colon, unfolded or not.
pub(crate) fn parse(raw: &[u8]) -> Structured {
    let mut segments = segments(raw).into_iter();
    let value = segments
        .next()
        .map(|v| v.trim().to_owned())
        .unwrap_or_default();
    let params = segments.filter_map(|segment| parameter(&segment)).collect();
    Structured {
        value,
        params: join_continuations(params),
    }
}

/// The text between `;`s outside quoted strings, comments and line breaks removed, quoted
/// strings kept with their quotes (a parameter's value needs them to know where it ends).
fn segments(raw: &[u8]) -> Vec<String> {
    let mut out = Vec::new();
    let mut current = Vec::new();
    let mut quoted = false;
    let mut comment_depth = 0usize;
    let mut bytes = raw.iter().copied();
    while let Some(b) = bytes.next() {
        match b {
            b'\r' | b'\n' => {}
            b'\\' if quoted || comment_depth > 0 => {
                let escaped = bytes.next();
                if quoted {
                    current.push(b);
                    current.extend(escaped);
                }
            }
            _ if comment_depth > 0 => match b {
                b'(' => comment_depth += 1,
                b')' => comment_depth -= 1,
                _ => {}
            },
            b'"' => {
                quoted = !quoted;
                current.push(b);
            }
            b'(' if !quoted => comment_depth = 1,
            b';' if !quoted => {
                out.push(String::from_utf8_lossy(&std::mem::take(&mut current)).into_owned())
            }
            _ => current.push(b),
        }
    }
    out.push(String::from_utf8_lossy(&current).into_owned());
    out
}

/// `attribute=value`, the value unquoted; `None` without a name or an `=`.
fn parameter(segment: &str) -> Option<(String, String)> {
    let (name, value) = segment.split_once('=')?;
    let name = name.trim().to_ascii_lowercase();
    if name.is_empty() {
        return None;
    }
    let value = value.trim();
    let value = match value.strip_prefix('"') {
        Some(rest) => unquote(rest),
        None => value.to_owned(),
    };
    Some((name, value))
}

/// A quoted string's content after its opening quote, up to the closing one, unescaped.
fn unquote(rest: &str) -> String {
    let mut out = String::new();
    let mut chars = rest.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => out.extend(chars.next()),
            '"' => break,
            _ => out.push(c),
        }
    }
    out
}

/// One RFC 2231 section of a parameter: `base*number`, or `base*number*` when encoded.
struct Section {
    number: u32,
    encoded: bool,
    value: String,
}

/// The sections of one parameter, and where among the others it first appeared.
struct Set {
    base: String,
    position: usize,
    sections: Vec<Section>,
}

/// RFC 2231 §3: `name*0`, `name*1`… become one `name` (or `name*` when a section is itself
/// charset-encoded, `name*0*`), in section order, where the first section stood. A set with
/// a gap or a repeated section is left as sent.
fn join_continuations(params: Vec<(String, String)>) -> Vec<(String, String)> {
    let mut plain = Vec::new();
    let mut sets: Vec<Set> = Vec::new();
    // Which set each base name is, so that many parameters cost one pass.
    let mut by_base: HashMap<String, usize> = HashMap::new();
    for (name, value) in params {
        let Some((base, number, encoded)) = continuation(&name) else {
            plain.push((name, value));
            continue;
        };
        let section = Section {
            number,
            encoded,
            value,
        };
        match by_base.get(&base).and_then(|i| sets.get_mut(*i)) {
            Some(set) => set.sections.push(section),
            None => {
                by_base.insert(base.clone(), sets.len());
                sets.push(Set {
                    base,
                    position: plain.len(),
                    sections: vec![section],
                });
            }
        }
    }
    let mut out = Vec::with_capacity(plain.len() + sets.len());
    let mut sets = sets.into_iter().peekable();
    for (i, param) in plain.into_iter().enumerate() {
        while let Some(set) = sets.next_if(|set| set.position == i) {
            out.extend(joined(set));
        }
        out.push(param);
    }
    out.extend(sets.flat_map(joined));
    out
}

fn joined(mut set: Set) -> Vec<(String, String)> {
    set.sections.sort_by_key(|s| s.number);
    let contiguous = set
        .sections
        .iter()
        .enumerate()
        .all(|(i, s)| u32::try_from(i).is_ok_and(|i| i == s.number));
    if !contiguous {
        return set
            .sections
            .into_iter()
            .map(|s| {
                let star = if s.encoded { "*" } else { "" };
                (format!("{}*{}{star}", set.base, s.number), s.value)
            })
            .collect();
    }
    let encoded = set.sections.iter().any(|s| s.encoded);
    let name = if encoded {
        format!("{}*", set.base)
    } else {
        set.base
    };
    vec![(name, set.sections.into_iter().map(|s| s.value).collect())]
}

/// `base*N` or `base*N*`: the base name, the section number, whether it is encoded.
fn continuation(name: &str) -> Option<(String, u32, bool)> {
    let (base, rest) = name.split_once('*')?;
    let (number, encoded) = match rest.strip_suffix('*') {
        Some(number) => (number, true),
        None => (rest, false),
    };
    if base.is_empty() || number.is_empty() || !number.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    Some((base.to_owned(), number.parse().ok()?, encoded))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
        list.iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    #[test]
    fn values_and_parameters_as_sent() {
        let parsed = parse(
            b" text/x-myown; charset=us-ascii; FOO=\"quoted\\\"string\" (a comment; with =)\r\n\
              ; name=\"=?utf-8?q?caf=C3=A9?=\"",
        );
        assert_eq!(parsed.value, "text/x-myown");
        assert_eq!(
            parsed.params,
            pairs(&[
                ("charset", "us-ascii"),
                ("foo", "quoted\"string"),
                ("name", "=?utf-8?q?caf=C3=A9?="),
            ])
        );
        let folded = parse(b" multipart/mixed; boundary=\"foo\r\n bar\"");
        assert_eq!(folded.params, pairs(&[("boundary", "foo bar")]));
        assert_eq!(parse(b"ATTACHMENT").value, "ATTACHMENT");
    }

    #[test]
    fn rfc2231_continuations_are_joined_not_decoded() {
        assert_eq!(
            parse(b"attachment; filename*1=\"b c\"; size=3; filename*0=a").params,
            pairs(&[("filename", "ab c"), ("size", "3")])
        );
        assert_eq!(
            parse(b"attachment; filename*0*=utf-8''%C3; filename*1*=%A9").params,
            pairs(&[("filename*", "utf-8''%C3%A9")])
        );
        assert_eq!(
            parse(b"attachment; filename*=utf-8''%C3%A9").params,
            pairs(&[("filename*", "utf-8''%C3%A9")])
        );
        // A gap: left as sent.
        assert_eq!(
            parse(b"attachment; x=1; name*0=a; name*2=c").params,
            pairs(&[("x", "1"), ("name*0", "a"), ("name*2", "c")])
        );
    }

    #[test]
    fn nonsense_does_not_panic() {
        for raw in [
            &b""[..],
            b";;;==",
            b"text/plain; =x; y",
            b"a; b=\"unterminated",
            b"(((",
            b"a; n*99999999999999=x; n*0=y",
            b"\xff\xfe; \x00=\x00",
        ] {
            let _ = parse(raw);
        }
        assert_eq!(parse(b"text/plain; =x; y").params, []);
    }
}
