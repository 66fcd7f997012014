//! Comparators (RFC 4790's i;octet, i;ascii-casemap, i;ascii-numeric), match types and the
//! relational tests of RFC 5231.

use std::cmp::Ordering;

use crate::ast::{Comparator, Match, MatchKind, Relation};
use crate::wildcard;

impl Comparator {
    pub fn from_name(name: &str) -> Option<Comparator> {
        match name.to_ascii_lowercase().as_str() {
            "i;octet" => Some(Comparator::Octet),
            "i;ascii-casemap" => Some(Comparator::AsciiCasemap),
            "i;ascii-numeric" => Some(Comparator::AsciiNumeric),
            _ => None,
        }
    }

    /// i;ascii-numeric only orders and compares for equality.
    pub fn supports_substrings(self) -> bool {
        self != Comparator::AsciiNumeric
    }

    fn same_char(self, a: char, b: char) -> bool {
        match self {
            Comparator::AsciiCasemap => a.eq_ignore_ascii_case(&b),
            Comparator::Octet | Comparator::AsciiNumeric => a == b,
        }
    }

    pub fn order(self, a: &str, b: &str) -> Ordering {
        match self {
            Comparator::Octet => a.cmp(b),
            Comparator::AsciiCasemap => a
                .bytes()
                .map(|c| c.to_ascii_lowercase())
                .cmp(b.bytes().map(|c| c.to_ascii_lowercase())),
            Comparator::AsciiNumeric => numeric_order(a, b),
        }
    }

    fn contains(self, hay: &str, needle: &str) -> bool {
        match self {
            Comparator::AsciiCasemap => hay
                .to_ascii_lowercase()
                .contains(&needle.to_ascii_lowercase()),
            Comparator::Octet | Comparator::AsciiNumeric => hay.contains(needle),
        }
    }
}

/// RFC 4790 section 9.1: the leading digits as a number; no digits is positive infinity.
/// Digit strings are compared without parsing, so any length is fine.
fn numeric_order(a: &str, b: &str) -> Ordering {
    fn digits(s: &str) -> Option<&str> {
        let end = s.bytes().take_while(u8::is_ascii_digit).count();
        let d = s.get(..end).filter(|d| !d.is_empty())?;
        Some(d.trim_start_matches('0'))
    }
    match (digits(a), digits(b)) {
        (None, None) => Ordering::Equal,
        (None, Some(_)) => Ordering::Greater,
        (Some(_), None) => Ordering::Less,
        (Some(x), Some(y)) => x.len().cmp(&y.len()).then_with(|| x.cmp(y)),
    }
}

impl Relation {
    pub fn from_name(name: &str) -> Option<Relation> {
        Some(match name.to_ascii_lowercase().as_str() {
            "gt" => Relation::Gt,
            "ge" => Relation::Ge,
            "lt" => Relation::Lt,
            "le" => Relation::Le,
            "eq" => Relation::Eq,
            "ne" => Relation::Ne,
            _ => return None,
        })
    }

    fn holds(self, order: Ordering) -> bool {
        match self {
            Relation::Gt => order == Ordering::Greater,
            Relation::Ge => order != Ordering::Less,
            Relation::Lt => order == Ordering::Less,
            Relation::Le => order != Ordering::Greater,
            Relation::Eq => order == Ordering::Equal,
            Relation::Ne => order != Ordering::Equal,
        }
    }
}

/// The result of one test's matching: whether it matched and, for a successful
/// `:matches`, the match variables `${0}`, `${1}`, ...
#[derive(Debug, Default)]
pub(crate) struct Matched {
    pub yes: bool,
    pub captures: Option<Vec<String>>,
}

impl Match {
    /// True when any value matches any key (`:count` counts the values instead).
    pub fn test(&self, values: &[String], keys: &[String]) -> Matched {
        let cmp = self.comparator;
        let any = |f: &dyn Fn(&str, &str) -> bool| {
            values
                .iter()
                .any(|v| keys.iter().any(|k| f(v.as_str(), k.as_str())))
        };
        let yes = match self.kind {
            MatchKind::Is => any(&|v, k| cmp.order(v, k) == Ordering::Equal),
            MatchKind::Contains => any(&|v, k| cmp.contains(v, k)),
            MatchKind::Value(rel) => any(&|v, k| rel.holds(cmp.order(v, k))),
            MatchKind::Count(rel) => {
                let count = values.len().to_string();
                keys.iter().any(|k| rel.holds(cmp.order(&count, k)))
            }
            MatchKind::Matches => {
                for v in values {
                    for k in keys {
                        if let Some(caps) = wildcard::matches(v, k, |a, b| cmp.same_char(a, b)) {
                            let mut all = Vec::with_capacity(caps.len().saturating_add(1));
                            all.push(v.clone());
                            all.extend(caps);
                            return Matched {
                                yes: true,
                                captures: Some(all),
                            };
                        }
                    }
                }
                false
            }
        };
        Matched {
            yes,
            captures: None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(kind: MatchKind, comparator: Comparator, value: &str, key: &str) -> bool {
        Match { comparator, kind }
            .test(&[value.to_string()], &[key.to_string()])
            .yes
    }

    #[test]
    fn comparators() {
        assert!(run(
            MatchKind::Is,
            Comparator::AsciiCasemap,
            "HeLLo",
            "hello"
        ));
        assert!(!run(MatchKind::Is, Comparator::Octet, "HeLLo", "hello"));
        assert!(run(
            MatchKind::Contains,
            Comparator::AsciiCasemap,
            "Hello",
            "ELL"
        ));
        assert!(run(
            MatchKind::Value(Relation::Gt),
            Comparator::AsciiNumeric,
            "10",
            "9"
        ));
        assert!(run(
            MatchKind::Value(Relation::Eq),
            Comparator::AsciiNumeric,
            "007",
            "7"
        ));
        assert!(run(
            MatchKind::Value(Relation::Gt),
            Comparator::AsciiNumeric,
            "x",
            "99999999999999999999999"
        ));
        assert!(run(
            MatchKind::Matches,
            Comparator::AsciiCasemap,
            "ABC",
            "a*"
        ));
    }

    #[test]
    fn count() {
        let m = Match {
            comparator: Comparator::AsciiNumeric,
            kind: MatchKind::Count(Relation::Ge),
        };
        assert!(m.test(&["a".into(), "b".into()], &["2".into()]).yes);
        assert!(!m.test(&["a".into()], &["2".into()]).yes);
    }
}
