//! Splitting a command's or test's arguments into tags and positional arguments, checking
//! their types, and the shared tag groups: match type, comparator, address part, index, zone.

use super::Validator;
use crate::ast::{AddressPart, Comparator, Index, Match, MatchKind, Relation, Zone};
use crate::date;
use crate::lexer::Pos;
use crate::parser::{Arg, ArgKind, Lit, Node};

/// What a tag takes after it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Takes {
    Nothing,
    Number,
    Str,
    List,
}

/// A tag a command or test accepts, and the extension it needs.
pub(super) struct Tag {
    pub name: &'static str,
    pub takes: Takes,
    pub ext: Option<&'static str>,
}

const fn tag(name: &'static str, takes: Takes, ext: Option<&'static str>) -> Tag {
    Tag { name, takes, ext }
}

pub(super) const MATCH_TYPES: &[Tag] = &[
    tag("is", Takes::Nothing, None),
    tag("contains", Takes::Nothing, None),
    tag("matches", Takes::Nothing, None),
    tag("value", Takes::Str, Some("relational")),
    tag("count", Takes::Str, Some("relational")),
];
pub(super) const COMPARATOR: &[Tag] = &[tag("comparator", Takes::Str, None)];
pub(super) const ADDRESS_PARTS: &[Tag] = &[
    tag("all", Takes::Nothing, None),
    tag("localpart", Takes::Nothing, None),
    tag("domain", Takes::Nothing, None),
    tag("user", Takes::Nothing, Some("subaddress")),
    tag("detail", Takes::Nothing, Some("subaddress")),
];
pub(super) const INDEX: &[Tag] = &[
    tag("index", Takes::Number, Some("index")),
    tag("last", Takes::Nothing, Some("index")),
];
pub(super) const ZONE: &[Tag] = &[tag("zone", Takes::Str, None)];
pub(super) const ORIGINAL_ZONE: &[Tag] = &[tag("originalzone", Takes::Nothing, None)];

pub(super) enum TagValue {
    Nothing,
    Number(u64),
    Strings(Vec<Lit>),
}

/// A command's arguments, tags apart from positional ones.
pub(super) struct Args<'n> {
    tags: Vec<(&'static str, Pos, TagValue)>,
    positional: Vec<&'n Arg>,
}

impl Args<'_> {
    pub fn has(&self, name: &str) -> bool {
        self.tags.iter().any(|(n, _, _)| *n == name)
    }

    fn get(&self, name: &str) -> Option<(Pos, &TagValue)> {
        self.tags
            .iter()
            .find(|(n, _, _)| *n == name)
            .map(|(_, pos, value)| (*pos, value))
    }

    pub fn number(&self, name: &str) -> Option<u64> {
        match self.get(name)? {
            (_, TagValue::Number(n)) => Some(*n),
            _ => None,
        }
    }

    pub fn strings(&self, name: &str) -> Option<&[Lit]> {
        match self.get(name)? {
            (_, TagValue::Strings(items)) => Some(items),
            _ => None,
        }
    }

    pub fn has_positional(&self, count: usize) -> bool {
        self.positional.len() == count
    }

    /// The single string of a `Takes::Str` tag.
    pub fn string(&self, name: &str) -> Option<&Lit> {
        self.strings(name)?.first()
    }
}

/// What a positional argument must be, with the name an error gives it.
#[derive(Debug, Clone, Copy)]
pub(super) enum Want {
    Str(&'static str),
    List(&'static str),
    Num(&'static str),
}

/// A positional argument of the wanted type.
pub(super) enum Value<'n> {
    Strings(&'n [Lit]),
    Number(u64),
}

impl<'n> Value<'n> {
    pub fn lits(&self) -> &'n [Lit] {
        match self {
            Value::Strings(items) => items,
            Value::Number(_) => &[],
        }
    }

    pub fn lit(&self) -> Option<&'n Lit> {
        self.lits().first()
    }

    pub fn number(&self) -> u64 {
        match self {
            Value::Number(n) => *n,
            Value::Strings(_) => 0,
        }
    }
}

fn describe(kind: &ArgKind) -> &'static str {
    match kind {
        ArgKind::Tag(_) => "a tag",
        ArgKind::Number(_) => "a number",
        ArgKind::Strings {
            bracketed: false, ..
        } => "a string",
        ArgKind::Strings { .. } => "a string list",
    }
}

impl Validator {
    /// Splits `node`'s arguments by the tags in `allowed`.
    pub(super) fn args<'n>(&mut self, node: &'n Node, allowed: &[&[Tag]]) -> Args<'n> {
        let mut out = Args {
            tags: Vec::new(),
            positional: Vec::new(),
        };
        let mut items = node.args.iter();
        while let Some(arg) = items.next() {
            let ArgKind::Tag(name) = &arg.kind else {
                out.positional.push(arg);
                continue;
            };
            let Some(spec) = allowed
                .iter()
                .flat_map(|g| g.iter())
                .find(|t| t.name == name)
            else {
                self.error(
                    arg.pos,
                    format!("unknown tag \":{name}\" for \"{}\"", node.name),
                );
                continue;
            };
            if let Some(ext) = spec.ext {
                self.need(ext, arg.pos, &format!(":{name}"));
            }
            let value = match spec.takes {
                Takes::Nothing => Some(TagValue::Nothing),
                Takes::Number => match items.next().map(|a| &a.kind) {
                    Some(ArgKind::Number(n)) => Some(TagValue::Number(*n)),
                    _ => None,
                },
                Takes::Str | Takes::List => match items.next().map(|a| &a.kind) {
                    Some(ArgKind::Strings { items, .. })
                        if spec.takes == Takes::List || items.len() == 1 =>
                    {
                        Some(TagValue::Strings(items.clone()))
                    }
                    _ => None,
                },
            };
            let Some(value) = value else {
                let what = match spec.takes {
                    Takes::Number => "a number",
                    Takes::Str => "a string",
                    _ => "a string list",
                };
                self.error(arg.pos, format!("\":{name}\" needs {what} after it"));
                continue;
            };
            if out.has(spec.name) {
                self.error(arg.pos, format!("\":{name}\" given twice"));
                continue;
            }
            out.tags.push((spec.name, arg.pos, value));
        }
        out
    }

    /// The positional arguments, checked against `want`.
    pub(super) fn positional<'n>(
        &mut self,
        node: &Node,
        args: &Args<'n>,
        want: &[Want],
    ) -> Option<Vec<Value<'n>>> {
        if args.positional.len() != want.len() {
            let names: Vec<&str> = want
                .iter()
                .map(|w| match w {
                    Want::Str(n) | Want::List(n) | Want::Num(n) => *n,
                })
                .collect();
            let pos = args.positional.get(want.len()).map_or(node.pos, |a| a.pos);
            self.error(
                pos,
                format!(
                    "\"{}\" expects {} argument{} ({}), found {}",
                    node.name,
                    want.len(),
                    if want.len() == 1 { "" } else { "s" },
                    names.join(", "),
                    args.positional.len()
                ),
            );
            return None;
        }
        let mut out = Vec::new();
        for (arg, want) in args.positional.iter().zip(want) {
            let value = match (want, &arg.kind) {
                (Want::Num(_), ArgKind::Number(n)) => Some(Value::Number(*n)),
                (Want::List(_), ArgKind::Strings { items, .. }) => Some(Value::Strings(items)),
                (Want::Str(_), ArgKind::Strings { items, .. }) if items.len() == 1 => {
                    Some(Value::Strings(items))
                }
                _ => None,
            };
            match value {
                Some(value) => out.push(value),
                None => {
                    let (what, name) = match want {
                        Want::Str(n) => ("a string", n),
                        Want::List(n) => ("a string list", n),
                        Want::Num(n) => ("a number", n),
                    };
                    self.error(
                        arg.pos,
                        format!(
                            "\"{}\" expects {what} for the {name}, found {}",
                            node.name,
                            describe(&arg.kind)
                        ),
                    );
                    return None;
                }
            }
        }
        Some(out)
    }

    /// Which one of `names` was given (at most one may be).
    pub(super) fn one_of(
        &mut self,
        node: &Node,
        args: &Args<'_>,
        names: &[&'static str],
    ) -> Option<&'static str> {
        let given: Vec<&'static str> = names.iter().copied().filter(|n| args.has(n)).collect();
        if let [_, second, ..] = given.as_slice() {
            let pos = args.get(second).map_or(node.pos, |(pos, _)| pos);
            let list: Vec<String> = given.iter().map(|n| format!(":{n}")).collect();
            self.error(pos, format!("{} cannot be combined", list.join(" and ")));
        }
        given.first().copied()
    }

    /// The match type and comparator (`:is` and i;ascii-casemap by default).
    pub(super) fn matcher(&mut self, node: &Node, args: &Args<'_>) -> Match {
        let relation = |v: &mut Validator, name: &str| {
            let lit = args.string(name)?;
            let rel = Relation::from_name(&lit.value);
            if rel.is_none() {
                v.error(
                    lit.pos,
                    format!("unknown relational operator \"{}\"", lit.value),
                );
            }
            rel
        };
        let names = ["is", "contains", "matches", "value", "count"];
        let kind = match self.one_of(node, args, &names) {
            Some("contains") => MatchKind::Contains,
            Some("matches") => MatchKind::Matches,
            Some("value") => relation(self, "value").map_or(MatchKind::Is, MatchKind::Value),
            Some("count") => relation(self, "count").map_or(MatchKind::Is, MatchKind::Count),
            _ => MatchKind::Is,
        };
        let comparator = match args.string("comparator") {
            None => Comparator::AsciiCasemap,
            Some(lit) => match Comparator::from_name(&lit.value) {
                None => {
                    self.error(lit.pos, format!("unknown comparator \"{}\"", lit.value));
                    Comparator::AsciiCasemap
                }
                Some(c) => {
                    if c == Comparator::AsciiNumeric {
                        self.need("comparator-i;ascii-numeric", lit.pos, "i;ascii-numeric");
                    }
                    c
                }
            },
        };
        if matches!(kind, MatchKind::Contains | MatchKind::Matches)
            && !comparator.supports_substrings()
        {
            self.error(
                node.pos,
                format!(
                    "comparator \"i;ascii-numeric\" does not support \"{}\"",
                    node.name
                ),
            );
        }
        Match { comparator, kind }
    }

    pub(super) fn address_part(&mut self, node: &Node, args: &Args<'_>) -> AddressPart {
        match self.one_of(
            node,
            args,
            &["all", "localpart", "domain", "user", "detail"],
        ) {
            Some("localpart") => AddressPart::LocalPart,
            Some("domain") => AddressPart::Domain,
            Some("user") => AddressPart::User,
            Some("detail") => AddressPart::Detail,
            _ => AddressPart::All,
        }
    }

    pub(super) fn index(&mut self, node: &Node, args: &Args<'_>) -> Option<Index> {
        let last = args.has("last");
        match args.number("index") {
            Some(0) => {
                self.error(node.pos, "\":index\" counts from 1");
                None
            }
            Some(n) => Some(Index { n, last }),
            None => {
                if last {
                    self.error(node.pos, "\":last\" needs \":index\"");
                }
                None
            }
        }
    }

    pub(super) fn zone(&mut self, node: &Node, args: &Args<'_>) -> Zone {
        if self.one_of(node, args, &["zone", "originalzone"]) == Some("originalzone") {
            return Zone::Original;
        }
        let Some(lit) = args.string("zone") else {
            return Zone::Local;
        };
        let zone = self.template(lit);
        self.check_literal(&zone, lit.pos, |z| {
            date::parse_zone(z)
                .map(|_| ())
                .ok_or_else(|| format!("invalid time zone \"{z}\" (use +hhmm or -hhmm)"))
        });
        Zone::Given(zone)
    }

    pub(super) fn date_part(&mut self, lit: &Lit) -> crate::strings::Template {
        let part = self.template(lit);
        self.check_literal(&part, lit.pos, |p| {
            if date::PARTS.iter().any(|d| d.eq_ignore_ascii_case(p)) {
                Ok(())
            } else {
                Err(format!("unknown date-part \"{p}\""))
            }
        });
        part
    }
}
