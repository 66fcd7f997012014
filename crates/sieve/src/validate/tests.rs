//! Tests: the base spec's and those of body, variables, imap4flags, date and mailbox.

use super::Validator;
use super::args::{
    ADDRESS_PARTS, COMPARATOR, INDEX, MATCH_TYPES, ORIGINAL_ZONE, Tag, Takes, Want, ZONE,
};
use crate::ast::{BodyTransform, Test};
use crate::parser::Node;
use crate::strings::Template;

const SIZE_TAGS: &[Tag] = &[
    Tag {
        name: "over",
        takes: Takes::Nothing,
        ext: None,
    },
    Tag {
        name: "under",
        takes: Takes::Nothing,
        ext: None,
    },
];
const BODY_TAGS: &[Tag] = &[
    Tag {
        name: "raw",
        takes: Takes::Nothing,
        ext: None,
    },
    Tag {
        name: "content",
        takes: Takes::List,
        ext: None,
    },
    Tag {
        name: "text",
        takes: Takes::Nothing,
        ext: None,
    },
];

/// The extension a test needs, if any.
fn test_extension(name: &str) -> Option<&'static str> {
    Some(match name {
        "envelope" => "envelope",
        "body" => "body",
        "string" => "variables",
        "hasflag" => "imap4flags",
        "date" | "currentdate" => "date",
        "mailboxexists" => "mailbox",
        _ => return None,
    })
}

/// A header field name: printable ASCII without colon or space (RFC 5322 section 3.6.8).
pub(crate) fn check_header_name(name: &str) -> Result<(), String> {
    if !name.is_empty() && name.bytes().all(|b| (33..=126).contains(&b) && b != b':') {
        Ok(())
    } else {
        Err(format!("invalid header name \"{name}\""))
    }
}

fn check_envelope_part(part: &str) -> Result<(), String> {
    if part.eq_ignore_ascii_case("from") || part.eq_ignore_ascii_case("to") {
        Ok(())
    } else {
        Err(format!("unsupported envelope part \"{part}\" (from or to)"))
    }
}

impl Validator {
    pub(super) fn test(&mut self, node: &Node) -> Test {
        if let Some(ext) = test_extension(&node.name)
            && !self.need(ext, node.pos, &node.name)
        {
            return Test::False;
        }
        self.typed_test(node).unwrap_or(Test::False)
    }

    fn typed_test(&mut self, node: &Node) -> Option<Test> {
        Some(match node.name.as_str() {
            "true" | "false" => {
                let args = self.args(node, &[]);
                self.positional(node, &args, &[])?;
                if node.name == "true" {
                    Test::True
                } else {
                    Test::False
                }
            }
            "not" => {
                let args = self.args(node, &[]);
                self.positional(node, &args, &[])?;
                match node.tests.as_slice() {
                    [test] if !node.test_list => Test::Not(Box::new(self.test(test))),
                    _ => {
                        self.error(node.pos, "\"not\" takes exactly one test");
                        return None;
                    }
                }
            }
            "allof" | "anyof" => {
                let args = self.args(node, &[]);
                self.positional(node, &args, &[])?;
                if !node.test_list {
                    self.error(
                        node.pos,
                        format!("\"{}\" needs a test list in parentheses", node.name),
                    );
                    return None;
                }
                let tests = node.tests.iter().map(|t| self.test(t)).collect();
                if node.name == "allof" {
                    Test::AllOf(tests)
                } else {
                    Test::AnyOf(tests)
                }
            }
            "exists" => {
                let args = self.args(node, &[]);
                let values = self.positional(node, &args, &[Want::List("header names")])?;
                Test::Exists(self.header_names(values.first()?.lits()))
            }
            "mailboxexists" => {
                let args = self.args(node, &[]);
                let values = self.positional(node, &args, &[Want::List("mailbox names")])?;
                Test::MailboxExists(self.templates(values.first()?.lits()))
            }
            "size" => {
                let args = self.args(node, &[SIZE_TAGS]);
                let values = self.positional(node, &args, &[Want::Num("limit")])?;
                let over = match self.one_of(node, &args, &["over", "under"]) {
                    Some(tag) => tag == "over",
                    None => {
                        self.error(node.pos, "\"size\" needs \":over\" or \":under\"");
                        return None;
                    }
                };
                Test::Size {
                    over,
                    limit: values.first()?.number(),
                }
            }
            "header" | "address" => {
                let parts: &[Tag] = if node.name == "address" {
                    ADDRESS_PARTS
                } else {
                    &[]
                };
                let args = self.args(node, &[MATCH_TYPES, COMPARATOR, INDEX, parts]);
                let values = self.positional(
                    node,
                    &args,
                    &[Want::List("header names"), Want::List("keys")],
                )?;
                let names = self.header_names(values.first()?.lits());
                let keys = self.templates(values.get(1)?.lits());
                let how = self.matcher(node, &args);
                let index = self.index(node, &args);
                if node.name == "header" {
                    Test::Header {
                        names,
                        keys,
                        how,
                        index,
                    }
                } else {
                    let part = self.address_part(node, &args);
                    Test::Address {
                        names,
                        keys,
                        how,
                        part,
                        index,
                    }
                }
            }
            "envelope" => {
                let args = self.args(node, &[MATCH_TYPES, COMPARATOR, ADDRESS_PARTS]);
                let values = self.positional(
                    node,
                    &args,
                    &[Want::List("envelope parts"), Want::List("keys")],
                )?;
                let parts = self.templates(values.first()?.lits());
                for (part, lit) in parts.iter().zip(values.first()?.lits()) {
                    self.check_literal(part, lit.pos, check_envelope_part);
                }
                Test::Envelope {
                    parts,
                    keys: self.templates(values.get(1)?.lits()),
                    how: self.matcher(node, &args),
                    part: self.address_part(node, &args),
                }
            }
            "body" => {
                let args = self.args(node, &[MATCH_TYPES, COMPARATOR, BODY_TAGS]);
                let values = self.positional(node, &args, &[Want::List("keys")])?;
                let transform = match self.one_of(node, &args, &["raw", "content", "text"]) {
                    Some("raw") => BodyTransform::Raw,
                    Some("content") => BodyTransform::Content(
                        args.strings("content")
                            .map(|l| self.templates(l))
                            .unwrap_or_default(),
                    ),
                    _ => BodyTransform::Text,
                };
                Test::Body {
                    transform,
                    keys: self.templates(values.first()?.lits()),
                    how: self.matcher(node, &args),
                }
            }
            "string" => {
                let args = self.args(node, &[MATCH_TYPES, COMPARATOR]);
                let values =
                    self.positional(node, &args, &[Want::List("source"), Want::List("keys")])?;
                Test::String {
                    sources: self.templates(values.first()?.lits()),
                    keys: self.templates(values.get(1)?.lits()),
                    how: self.matcher(node, &args),
                }
            }
            "hasflag" => {
                let args = self.args(node, &[MATCH_TYPES, COMPARATOR]);
                let two = [Want::List("variable names"), Want::List("flags")];
                let want = if args.has_positional(2) {
                    &two[..]
                } else {
                    &two[1..]
                };
                let values = self.positional(node, &args, want)?;
                let (variables, keys) = match values.as_slice() {
                    [names, keys] => {
                        let names = names.lits();
                        if let Some(first) = names.first() {
                            self.need("variables", first.pos, "variables");
                        }
                        let names = names.iter().filter_map(|l| self.variable_name(l)).collect();
                        (names, keys)
                    }
                    [keys] => (Vec::new(), keys),
                    _ => return None,
                };
                Test::HasFlag {
                    variables,
                    keys: self.templates(keys.lits()),
                    how: self.matcher(node, &args),
                }
            }
            "date" => {
                let args = self.args(node, &[MATCH_TYPES, COMPARATOR, INDEX, ZONE, ORIGINAL_ZONE]);
                let want = [
                    Want::Str("header name"),
                    Want::Str("date-part"),
                    Want::List("keys"),
                ];
                let values = self.positional(node, &args, &want)?;
                let header = self.header_names(values.first()?.lits()).pop()?;
                Test::Date {
                    header,
                    zone: self.zone(node, &args),
                    part: self.date_part(values.get(1)?.lit()?),
                    keys: self.templates(values.get(2)?.lits()),
                    how: self.matcher(node, &args),
                    index: self.index(node, &args),
                }
            }
            "currentdate" => {
                let args = self.args(node, &[MATCH_TYPES, COMPARATOR, ZONE]);
                let values =
                    self.positional(node, &args, &[Want::Str("date-part"), Want::List("keys")])?;
                Test::CurrentDate {
                    zone: self.zone(node, &args),
                    part: self.date_part(values.first()?.lit()?),
                    keys: self.templates(values.get(1)?.lits()),
                    how: self.matcher(node, &args),
                }
            }
            _ => {
                self.error(node.pos, format!("unknown test \"{}\"", node.name));
                return None;
            }
        })
    }

    fn header_names(&mut self, lits: &[crate::parser::Lit]) -> Vec<Template> {
        let names = self.templates(lits);
        for (name, lit) in names.iter().zip(lits) {
            self.check_literal(name, lit.pos, check_header_name);
        }
        names
    }
}
