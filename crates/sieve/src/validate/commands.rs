//! Commands: require, control flow, and the actions of the base spec and its extensions.

use super::Validator;
use super::args::{Args, Tag, Takes, Want};
use crate::ast::{Block, Command, FlagOp, Modifier, Test, VacationCommand};
use crate::parser::Node;
use crate::strings::{Template, is_identifier};
use crate::{EXTENSIONS, address};

const KEEP_TAGS: &[Tag] = &[Tag {
    name: "flags",
    takes: Takes::List,
    ext: Some("imap4flags"),
}];
const COPY: &[Tag] = &[Tag {
    name: "copy",
    takes: Takes::Nothing,
    ext: Some("copy"),
}];
const CREATE: &[Tag] = &[Tag {
    name: "create",
    takes: Takes::Nothing,
    ext: Some("mailbox"),
}];
const VACATION_TAGS: &[Tag] = &[
    Tag {
        name: "days",
        takes: Takes::Number,
        ext: None,
    },
    Tag {
        name: "subject",
        takes: Takes::Str,
        ext: None,
    },
    Tag {
        name: "from",
        takes: Takes::Str,
        ext: None,
    },
    Tag {
        name: "addresses",
        takes: Takes::List,
        ext: None,
    },
    Tag {
        name: "mime",
        takes: Takes::Nothing,
        ext: None,
    },
    Tag {
        name: "handle",
        takes: Takes::Str,
        ext: None,
    },
];
const SET_TAGS: &[Tag] = &[
    Tag {
        name: "lower",
        takes: Takes::Nothing,
        ext: None,
    },
    Tag {
        name: "upper",
        takes: Takes::Nothing,
        ext: None,
    },
    Tag {
        name: "lowerfirst",
        takes: Takes::Nothing,
        ext: None,
    },
    Tag {
        name: "upperfirst",
        takes: Takes::Nothing,
        ext: None,
    },
    Tag {
        name: "quotewildcard",
        takes: Takes::Nothing,
        ext: None,
    },
    Tag {
        name: "length",
        takes: Takes::Nothing,
        ext: None,
    },
];

/// The extension a command needs, if any.
fn command_extension(name: &str) -> Option<&'static str> {
    Some(match name {
        "fileinto" => "fileinto",
        "reject" => "reject",
        "ereject" => "ereject",
        "vacation" => "vacation",
        "setflag" | "addflag" | "removeflag" => "imap4flags",
        "set" => "variables",
        _ => return None,
    })
}

/// A folder name fileinto accepts: not empty, no control characters.
pub(crate) fn check_folder(folder: &str) -> Result<(), String> {
    if folder.is_empty() {
        Err("the folder name is empty".into())
    } else if folder.chars().any(char::is_control) {
        Err("the folder name has a control character".into())
    } else {
        Ok(())
    }
}

pub(crate) fn check_redirect(address: &str) -> Result<(), String> {
    if address::is_valid_mailbox(address) {
        Ok(())
    } else {
        Err(format!("invalid redirect address \"{address}\""))
    }
}

impl Validator {
    /// A block's commands; `top` allows `require` (before anything else).
    pub(super) fn block(&mut self, nodes: &[Node], top: bool) -> Block {
        let mut out = Vec::new();
        let mut started = false;
        let mut nodes = nodes.iter().peekable();
        while let Some(node) = nodes.next() {
            match node.name.as_str() {
                "require" => {
                    if !top || started {
                        self.error(node.pos, "require must come before other commands");
                    }
                    self.require(node);
                }
                "elsif" | "else" => {
                    self.error(node.pos, format!("\"{}\" without \"if\"", node.name));
                }
                "if" => {
                    let mut branches = vec![self.branch(node)];
                    while let Some(next) = nodes.next_if(|n| n.name == "elsif") {
                        branches.push(self.branch(next));
                    }
                    let otherwise = match nodes.next_if(|n| n.name == "else") {
                        Some(node) => {
                            self.no_arguments(node);
                            self.body(node)
                        }
                        None => Vec::new(),
                    };
                    out.push(Command::If {
                        branches,
                        otherwise,
                    });
                }
                _ => {
                    if let Some(command) = self.command(node) {
                        out.push(command);
                    }
                }
            }
            started |= node.name != "require";
        }
        out
    }

    fn require(&mut self, node: &Node) {
        let args = self.args(node, &[]);
        let Some(values) = self.positional(node, &args, &[Want::List("extensions")]) else {
            return;
        };
        for lit in values.first().map_or(&[][..], |v| v.lits()) {
            match EXTENSIONS
                .iter()
                .find(|e| e.eq_ignore_ascii_case(&lit.value))
            {
                Some(ext) => {
                    self.required.insert((*ext).to_string());
                }
                None => self.error(lit.pos, format!("unknown extension \"{}\"", lit.value)),
            }
        }
    }

    fn body(&mut self, node: &Node) -> Block {
        match &node.block {
            Some(block) => self.block(block, false),
            None => {
                self.error(node.pos, format!("\"{}\" needs a block", node.name));
                Vec::new()
            }
        }
    }

    fn no_arguments(&mut self, node: &Node) {
        let args = self.args(node, &[]);
        self.positional(node, &args, &[]);
    }

    fn branch(&mut self, node: &Node) -> (Test, Block) {
        self.no_arguments(node);
        let test = match node.tests.as_slice() {
            [test] if !node.test_list => self.test(test),
            _ => {
                self.error(
                    node.pos,
                    format!("\"{}\" takes exactly one test", node.name),
                );
                Test::False
            }
        };
        (test, self.body(node))
    }

    fn command(&mut self, node: &Node) -> Option<Command> {
        if let Some(ext) = command_extension(&node.name)
            && !self.need(ext, node.pos, &node.name)
        {
            return None;
        }
        if node.block.is_some() {
            self.error(node.pos, format!("\"{}\" takes no block", node.name));
        }
        Some(match node.name.as_str() {
            "stop" | "discard" => {
                self.no_arguments(node);
                if node.name == "stop" {
                    Command::Stop
                } else {
                    Command::Discard
                }
            }
            "keep" => {
                let args = self.args(node, &[KEEP_TAGS]);
                self.positional(node, &args, &[]);
                Command::Keep {
                    flags: self.flag_tag(&args),
                }
            }
            "fileinto" => {
                let args = self.args(node, &[KEEP_TAGS, COPY, CREATE]);
                let folder = self.checked_string(node, &args, "folder", check_folder)?;
                Command::FileInto {
                    folder,
                    flags: self.flag_tag(&args),
                    copy: args.has("copy"),
                    create: args.has("create"),
                }
            }
            "redirect" => {
                let args = self.args(node, &[COPY]);
                Command::Redirect {
                    address: self.checked_string(node, &args, "address", check_redirect)?,
                    copy: args.has("copy"),
                }
            }
            "reject" | "ereject" => {
                let args = self.args(node, &[]);
                Command::Reject {
                    reason: self.checked_string(node, &args, "reason", |_| Ok(()))?,
                }
            }
            "vacation" => self.vacation(node)?,
            "setflag" | "addflag" | "removeflag" => self.flags(node)?,
            "set" => self.set(node)?,
            _ => {
                self.error(node.pos, format!("unknown command \"{}\"", node.name));
                return None;
            }
        })
    }

    /// The one positional string argument, its literal text checked by `check`.
    fn checked_string(
        &mut self,
        node: &Node,
        args: &Args<'_>,
        what: &'static str,
        check: fn(&str) -> Result<(), String>,
    ) -> Option<Template> {
        let values = self.positional(node, args, &[Want::Str(what)])?;
        let lit = values.first()?.lit()?;
        let template = self.template(lit);
        self.check_literal(&template, lit.pos, check);
        Some(template)
    }

    fn flag_tag(&mut self, args: &Args<'_>) -> Option<Vec<Template>> {
        args.strings("flags").map(|lits| self.templates(lits))
    }

    fn vacation(&mut self, node: &Node) -> Option<Command> {
        let args = self.args(node, &[VACATION_TAGS]);
        let reason = self.checked_string(node, &args, "reason", |_| Ok(()))?;
        let mut optional = |name: &str| args.string(name).map(|lit| self.template(lit));
        let (subject, from, handle) = (optional("subject"), optional("from"), optional("handle"));
        Some(Command::Vacation(Box::new(VacationCommand {
            days: args.number("days"),
            subject,
            from,
            addresses: args
                .strings("addresses")
                .map(|l| self.templates(l))
                .unwrap_or_default(),
            mime: args.has("mime"),
            handle,
            reason,
        })))
    }

    fn flags(&mut self, node: &Node) -> Option<Command> {
        let op = match node.name.as_str() {
            "setflag" => FlagOp::Set,
            "addflag" => FlagOp::Add,
            _ => FlagOp::Remove,
        };
        let args = self.args(node, &[]);
        let two = [Want::Str("variable name"), Want::List("flags")];
        let want = if args.has_positional(2) {
            &two[..]
        } else {
            &two[1..]
        };
        let values = self.positional(node, &args, want)?;
        let (variable, flags) = match values.as_slice() {
            [name, flags] => {
                let lit = name.lit()?;
                self.need("variables", lit.pos, "variables");
                (Some(self.variable_name(lit)?), flags)
            }
            [flags] => (None, flags),
            _ => return None,
        };
        Some(Command::Flags {
            op,
            variable,
            flags: self.templates(flags.lits()),
        })
    }

    /// A variable name as `set` and the flag commands take it: an identifier, lower-cased.
    pub(super) fn variable_name(&mut self, lit: &crate::parser::Lit) -> Option<String> {
        if is_identifier(&lit.value) {
            Some(lit.value.to_ascii_lowercase())
        } else {
            self.error(lit.pos, format!("invalid variable name \"{}\"", lit.value));
            None
        }
    }

    fn set(&mut self, node: &Node) -> Option<Command> {
        let args = self.args(node, &[SET_TAGS]);
        let values = self.positional(node, &args, &[Want::Str("name"), Want::Str("value")])?;
        let name = self.variable_name(values.first()?.lit()?)?;
        let value = self.template(values.get(1)?.lit()?);
        let all = [
            ("lower", Modifier::Lower),
            ("upper", Modifier::Upper),
            ("lowerfirst", Modifier::LowerFirst),
            ("upperfirst", Modifier::UpperFirst),
            ("quotewildcard", Modifier::QuoteWildcard),
            ("length", Modifier::Length),
        ];
        let mut modifiers: Vec<Modifier> = Vec::new();
        for (tag, modifier) in all {
            if !args.has(tag) {
                continue;
            }
            if modifiers
                .iter()
                .any(|m| m.precedence() == modifier.precedence())
            {
                self.error(
                    node.pos,
                    format!("\":{tag}\" cannot be combined with a modifier of the same kind"),
                );
            }
            modifiers.push(modifier);
        }
        modifiers.sort_by_key(|m| std::cmp::Reverse(m.precedence()));
        Some(Command::Set {
            name,
            value,
            modifiers,
        })
    }
}
