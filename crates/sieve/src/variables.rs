//! Variables (RFC 5229) during a run: named values, the match variables of the last
//! successful `:matches`, `set` modifiers, and expanding templates, all within the limits.

use std::collections::HashMap;

use crate::ast::Modifier;
use crate::strings::{Piece, Template};
use crate::{Limits, RunError, wildcard};

pub(crate) struct Variables {
    values: HashMap<String, String>,
    matches: Vec<String>,
    max_bytes: usize,
    max_count: usize,
}

/// Cuts `text` to at most `max` bytes, at a character boundary.
pub(crate) fn truncate(text: &mut String, max: usize) {
    if text.len() > max {
        let mut end = max;
        while !text.is_char_boundary(end) {
            end = end.saturating_sub(1);
        }
        text.truncate(end);
    }
}

impl Variables {
    pub fn new(limits: &Limits) -> Variables {
        Variables {
            values: HashMap::new(),
            matches: Vec::new(),
            max_bytes: limits.max_variable_bytes,
            max_count: limits.max_variables,
        }
    }

    /// A variable's value; one never set is empty.
    pub fn get(&self, name: &str) -> &str {
        self.values.get(name).map_or("", String::as_str)
    }

    pub fn set(&mut self, name: &str, mut value: String) -> Result<(), RunError> {
        truncate(&mut value, self.max_bytes);
        if !self.values.contains_key(name) && self.values.len() >= self.max_count {
            return Err(RunError(format!(
                "too many variables (limit {})",
                self.max_count
            )));
        }
        self.values.insert(name.to_string(), value);
        Ok(())
    }

    pub fn set_matches(&mut self, mut captures: Vec<String>) {
        captures.truncate(10);
        for capture in &mut captures {
            truncate(capture, self.max_bytes);
        }
        self.matches = captures;
    }

    /// The template with its references filled in; what references add is bounded by the
    /// variable size limit on top of the literal text (which the script size bounds).
    pub fn expand(&self, template: &Template) -> String {
        let mut out = String::new();
        let mut budget = self.max_bytes;
        for piece in template.pieces() {
            let value = match piece {
                Piece::Text(text) => {
                    out.push_str(text);
                    continue;
                }
                Piece::Var(name) => self.get(name),
                Piece::MatchVar(n) => self.matches.get(*n).map_or("", String::as_str),
            };
            let mut value = value.to_string();
            truncate(&mut value, budget);
            budget = budget.saturating_sub(value.len());
            out.push_str(&value);
        }
        out
    }
}

/// Applies `set` modifiers, which the compiler sorted into precedence order.
pub(crate) fn modify(mut value: String, modifiers: &[Modifier]) -> String {
    for modifier in modifiers {
        value = match modifier {
            Modifier::Lower => value.to_lowercase(),
            Modifier::Upper => value.to_uppercase(),
            Modifier::LowerFirst => first_char(&value, |c| c.to_lowercase().collect()),
            Modifier::UpperFirst => first_char(&value, |c| c.to_uppercase().collect()),
            Modifier::QuoteWildcard => wildcard::quote(&value),
            Modifier::Length => value.chars().count().to_string(),
        };
    }
    value
}

fn first_char(value: &str, f: impl Fn(char) -> String) -> String {
    let mut chars = value.chars();
    match chars.next() {
        Some(c) => f(c) + chars.as_str(),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn limits_and_expansion() {
        let limits = Limits {
            max_variable_bytes: 4,
            max_variables: 1,
            ..Limits::default()
        };
        let mut vars = Variables::new(&limits);
        vars.set("a", "hé€".into()).unwrap();
        assert_eq!(vars.get("a"), "hé");
        assert!(vars.set("b", String::new()).is_err());
        vars.set_matches(vec!["x".into(), "y".into()]);
        let t = Template::with_variables("${a}-${1}-${2}-${none}").unwrap();
        assert_eq!(vars.expand(&t), "hé-y--");
    }

    #[test]
    fn modifiers() {
        assert_eq!(
            modify("hello".into(), &[Modifier::Upper, Modifier::LowerFirst]),
            "hELLO"
        );
        assert_eq!(
            modify("a*b".into(), &[Modifier::QuoteWildcard, Modifier::Length]),
            "4"
        );
    }
}
