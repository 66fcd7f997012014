//! Script strings: encoded-character decoding (RFC 5228 section 2.4.2.4) at compile time,
//! and the variable references of RFC 5229 split out so a run only has to fill them in.

/// A string with its `${...}` references already found.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub(crate) struct Template(Vec<Piece>);

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Piece {
    Text(String),
    /// A named variable, lower-cased.
    Var(String),
    /// `${0}` .. `${9}` and beyond (beyond 9 is always empty).
    MatchVar(usize),
}

impl Template {
    pub fn literal(text: String) -> Template {
        Template(vec![Piece::Text(text)])
    }

    /// Splits `text` at its variable references; a reference into a namespace is an error
    /// since no supported extension defines one.
    pub fn with_variables(text: &str) -> Result<Template, String> {
        let mut pieces = Vec::new();
        let mut literal = String::new();
        let mut rest = text;
        while let Some(start) = rest.find("${") {
            let (before, after) = rest.split_at(start);
            literal.push_str(before);
            let body = after.get(2..).unwrap_or_default();
            match body
                .find('}')
                .and_then(|end| Some((reference(body.get(..end)?)?, end)))
            {
                Some((Reference::Named(name), _)) if name.contains('.') => {
                    let ns = name.split('.').next().unwrap_or_default();
                    return Err(format!("unknown variable namespace \"{ns}\""));
                }
                Some((piece, end)) => {
                    if !literal.is_empty() {
                        pieces.push(Piece::Text(std::mem::take(&mut literal)));
                    }
                    pieces.push(match piece {
                        Reference::Named(name) => Piece::Var(name),
                        Reference::Number(n) => Piece::MatchVar(n),
                    });
                    rest = body.get(end.saturating_add(1)..).unwrap_or_default();
                }
                None => {
                    literal.push_str("${");
                    rest = body;
                }
            }
        }
        literal.push_str(rest);
        if !literal.is_empty() || pieces.is_empty() {
            pieces.push(Piece::Text(literal));
        }
        Ok(Template(pieces))
    }

    /// The text when there is nothing to expand.
    pub fn as_literal(&self) -> Option<&str> {
        match self.0.as_slice() {
            [Piece::Text(text)] => Some(text),
            _ => None,
        }
    }

    pub fn pieces(&self) -> &[Piece] {
        &self.0
    }
}

enum Reference {
    Named(String),
    Number(usize),
}

/// What is between `${` and `}`, when it is a variable name (RFC 5229 section 3).
fn reference(inner: &str) -> Option<Reference> {
    if !inner.is_empty() && inner.bytes().all(|b| b.is_ascii_digit()) {
        let n = inner.trim_start_matches('0');
        return Some(Reference::Number(if n.len() > 2 {
            usize::MAX
        } else {
            n.parse().unwrap_or(0)
        }));
    }
    inner
        .split('.')
        .all(is_identifier)
        .then(|| Reference::Named(inner.to_ascii_lowercase()))
}

/// `(ALPHA / "_") *(ALPHA / DIGIT / "_")`
pub(crate) fn is_identifier(s: &str) -> bool {
    let mut bytes = s.bytes();
    bytes
        .next()
        .is_some_and(|b| b.is_ascii_alphabetic() || b == b'_')
        && bytes.all(|b| b.is_ascii_alphanumeric() || b == b'_')
}

/// Replaces `${hex:..}` and `${unicode:..}`; malformed ones stay as written, but a value
/// that is not UTF-8 or not a character is an error.
pub(crate) fn decode_encoded(text: &str) -> Result<String, String> {
    let mut out = String::new();
    let mut rest = text;
    while let Some(start) = rest.find("${") {
        let (before, after) = rest.split_at(start);
        out.push_str(before);
        let body = after.get(2..).unwrap_or_default();
        let decoded = body
            .find('}')
            .and_then(|end| Some((encoded(body.get(..end)?)?, end)));
        match decoded {
            Some((value, end)) => {
                out.push_str(&value?);
                rest = body.get(end.saturating_add(1)..).unwrap_or_default();
            }
            None => {
                out.push_str("${");
                rest = body;
            }
        }
    }
    out.push_str(rest);
    Ok(out)
}

/// One `hex:` or `unicode:` body; `None` when it is not one (left as written).
fn encoded(inner: &str) -> Option<Result<String, String>> {
    let (kind, values) = inner.split_once(':')?;
    let kind = kind.to_ascii_lowercase();
    let radix_items: Vec<&str> = values.split_ascii_whitespace().collect();
    let hex_ok = radix_items
        .iter()
        .all(|item| !item.is_empty() && item.bytes().all(|b| b.is_ascii_hexdigit()));
    if !hex_ok {
        return None;
    }
    match kind.as_str() {
        "hex" => {
            let mut bytes = Vec::new();
            for item in &radix_items {
                let padded = if item.len() % 2 == 1 {
                    format!("0{item}")
                } else {
                    (*item).to_string()
                };
                for pair in padded.as_bytes().chunks(2) {
                    let pair = std::str::from_utf8(pair).ok()?;
                    bytes.push(u8::from_str_radix(pair, 16).ok()?);
                }
            }
            Some(String::from_utf8(bytes).map_err(|_| "\"${hex:...}\" is not UTF-8".into()))
        }
        "unicode" => Some(
            radix_items
                .iter()
                .map(|item| {
                    u32::from_str_radix(item, 16)
                        .ok()
                        .and_then(char::from_u32)
                        .ok_or_else(|| format!("\"${{unicode:{item}}}\" is not a character"))
                })
                .collect(),
        ),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn finds_references() {
        let t = Template::with_variables("a${x}b${1}${ bad}${").unwrap();
        assert_eq!(
            t.pieces(),
            &[
                Piece::Text("a".into()),
                Piece::Var("x".into()),
                Piece::Text("b".into()),
                Piece::MatchVar(1),
                Piece::Text("${ bad}${".into()),
            ]
        );
        assert!(Template::with_variables("${env.x}").is_err());
    }

    #[test]
    fn decodes_encoded_characters() {
        assert_eq!(
            decode_encoded("${hex: 40 41}x${unicode:1F600}").unwrap(),
            "@Ax\u{1F600}"
        );
        assert_eq!(
            decode_encoded("${hex:zz}${foo}").unwrap(),
            "${hex:zz}${foo}"
        );
        assert!(decode_encoded("${unicode:D800}").is_err());
        assert!(decode_encoded("${hex:FF}").is_err());
    }
}
