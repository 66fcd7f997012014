//! The generic command tree to the typed script: names, arguments and their types,
//! `require` and the extensions each command, test and tag needs. Errors are collected,
//! not stopped at, so an author sees them all at once.

mod args;
mod commands;
mod tests;

pub(crate) use commands::{check_folder, check_redirect};

use std::collections::HashSet;

use crate::CompileError;
use crate::ast::Block;
use crate::lexer::Pos;
use crate::parser::{Lit, Node};
use crate::strings::{Template, decode_encoded};

pub(crate) struct Validator {
    required: HashSet<String>,
    errors: Vec<CompileError>,
}

/// Checks `nodes` (a whole script) into its typed form, with the extensions it requires.
pub(crate) fn validate(nodes: &[Node]) -> Result<(Block, HashSet<String>), Vec<CompileError>> {
    let mut v = Validator {
        required: HashSet::new(),
        errors: Vec::new(),
    };
    let block = v.block(nodes, true);
    if v.errors.is_empty() {
        Ok((block, v.required))
    } else {
        Err(v.errors)
    }
}

impl Validator {
    fn error(&mut self, pos: Pos, message: impl Into<String>) {
        self.errors.push(CompileError {
            line: pos.line,
            column: pos.column,
            message: message.into(),
        });
    }

    fn has(&self, extension: &str) -> bool {
        self.required.contains(extension)
    }

    /// Reports `what` (a command, test or tag as written) when `extension` was not required.
    fn need(&mut self, extension: &str, pos: Pos, what: &str) -> bool {
        let ok = self.has(extension);
        if !ok {
            self.error(pos, format!("\"{what}\" needs require \"{extension}\""));
        }
        ok
    }

    /// A string argument as the run sees it: encoded characters decoded and variable
    /// references found, each only when its extension was required.
    fn template(&mut self, lit: &Lit) -> Template {
        let mut text = lit.value.clone();
        if self.has("encoded-character") {
            match decode_encoded(&text) {
                Ok(decoded) => text = decoded,
                Err(message) => self.error(lit.pos, message),
            }
        }
        if !self.has("variables") {
            return Template::literal(text);
        }
        Template::with_variables(&text).unwrap_or_else(|message| {
            self.error(lit.pos, message);
            Template::default()
        })
    }

    fn templates(&mut self, lits: &[Lit]) -> Vec<Template> {
        lits.iter().map(|lit| self.template(lit)).collect()
    }

    /// Runs `check` on the literal text of `template` (variables are checked at run time).
    fn check_literal(
        &mut self,
        template: &Template,
        pos: Pos,
        check: impl Fn(&str) -> Result<(), String>,
    ) {
        if let Some(Err(message)) = template.as_literal().map(check) {
            self.error(pos, message);
        }
    }
}
