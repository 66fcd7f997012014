//! Running a compiled script on one message: commands in order, each counted against the
//! step limit, actions gathered into the [`crate::Outcome`].

use crate::actions::Actions;
use crate::ast::{Block, Command, FlagOp};
use crate::message::Mail;
use crate::strings::Template;
use crate::validate::{check_folder, check_redirect};
use crate::variables::{Variables, modify, truncate};
use crate::{Action, Context, Limits, Outcome, RunError, flags, vacation};

pub(crate) struct Runner<'a> {
    pub cx: &'a Context<'a>,
    pub mail: Mail<'a>,
    pub vars: Variables,
    /// The internal flag variable of RFC 5232.
    pub flags: String,
    actions: Actions,
    steps: u64,
    max_steps: u64,
    max_variable_bytes: usize,
}

enum Flow {
    Go,
    Stop,
}

/// Runs `block` (a whole script) on the message in `cx`.
pub(crate) fn run(block: &Block, cx: &Context<'_>, limits: &Limits) -> Result<Outcome, RunError> {
    let mut runner = Runner {
        cx,
        mail: Mail::parse(cx.message),
        vars: Variables::new(limits),
        flags: String::new(),
        actions: Actions::new(limits),
        steps: 0,
        max_steps: limits.max_steps,
        max_variable_bytes: limits.max_variable_bytes,
    };
    runner.block(block)?;
    let keep_flags = flags::normalise(runner.flags.split_ascii_whitespace());
    runner.actions.finish(keep_flags)
}

/// RFC 3501: INBOX is case-insensitive.
fn folder_name(folder: String) -> String {
    if folder.eq_ignore_ascii_case("inbox") {
        "INBOX".into()
    } else {
        folder
    }
}

impl Runner<'_> {
    /// Counts one command or test evaluation.
    pub fn step(&mut self) -> Result<(), RunError> {
        self.charge(1)
    }

    /// Counts `units` steps of work against the limit.
    pub fn charge(&mut self, units: u64) -> Result<(), RunError> {
        self.steps = self.steps.saturating_add(units);
        if self.steps > self.max_steps {
            return Err(RunError(format!(
                "too many steps (limit {})",
                self.max_steps
            )));
        }
        Ok(())
    }

    pub fn expand(&self, template: &Template) -> String {
        self.vars.expand(template)
    }

    pub fn expand_all(&self, templates: &[Template]) -> Vec<String> {
        templates.iter().map(|t| self.expand(t)).collect()
    }

    fn block(&mut self, block: &[Command]) -> Result<Flow, RunError> {
        for command in block {
            if let Flow::Stop = self.command(command)? {
                return Ok(Flow::Stop);
            }
        }
        Ok(Flow::Go)
    }

    /// `:flags` when given, else the internal flag variable.
    fn store_flags(&self, given: Option<&[Template]>) -> Vec<String> {
        match given {
            Some(list) => flags::normalise(self.expand_all(list).iter().map(String::as_str)),
            None => flags::normalise(self.flags.split_ascii_whitespace()),
        }
    }

    /// Adds a delivery action; without `:copy` it cancels the implicit keep.
    fn deliver(&mut self, action: Action, copy: bool) -> Result<(), RunError> {
        self.actions.count()?;
        self.actions.add(action)?;
        if !copy {
            self.actions.cancel_keep();
        }
        Ok(())
    }

    fn command(&mut self, command: &Command) -> Result<Flow, RunError> {
        self.step()?;
        match command {
            Command::If {
                branches,
                otherwise,
            } => {
                for (test, block) in branches {
                    if self.test(test)? {
                        return self.block(block);
                    }
                }
                return self.block(otherwise);
            }
            Command::Stop => return Ok(Flow::Stop),
            Command::Keep { flags } => {
                let flags = self.store_flags(flags.as_deref());
                self.deliver(Action::Keep { flags }, true)?;
            }
            Command::Discard => self.actions.cancel_keep(),
            Command::FileInto {
                folder,
                flags,
                copy,
                create,
            } => {
                let folder = self.expand(folder);
                check_folder(&folder).map_err(RunError)?;
                let action = Action::FileInto {
                    folder: folder_name(folder),
                    flags: self.store_flags(flags.as_deref()),
                    create: *create,
                };
                self.deliver(action, *copy)?;
            }
            Command::Redirect { address, copy } => {
                let address = self.expand(address);
                check_redirect(&address).map_err(RunError)?;
                self.deliver(
                    Action::Redirect {
                        address,
                        copy: *copy,
                    },
                    *copy,
                )?;
            }
            Command::Reject { reason } => {
                let reason = self.expand(reason);
                self.deliver(Action::Reject { reason }, false)?;
            }
            Command::Vacation(vacation) => {
                self.actions.count()?;
                if let Some(action) = vacation::build(self, vacation) {
                    self.actions.add(Action::Vacation(action))?;
                }
            }
            Command::Flags {
                op,
                variable,
                flags,
            } => {
                self.actions.count()?;
                self.set_flags(*op, variable.as_deref(), flags)?;
            }
            Command::Set {
                name,
                value,
                modifiers,
            } => {
                let value = modify(self.expand(value), modifiers);
                self.vars.set(name, value)?;
            }
        }
        Ok(Flow::Go)
    }

    fn set_flags(
        &mut self,
        op: FlagOp,
        variable: Option<&str>,
        given: &[Template],
    ) -> Result<(), RunError> {
        let given = self.expand_all(given);
        match variable {
            Some(name) => {
                let value = flags::apply(self.vars.get(name), op, &given);
                self.vars.set(name, value)
            }
            None => {
                let mut value = flags::apply(&self.flags, op, &given);
                truncate(&mut value, self.max_variable_bytes);
                self.flags = value;
                Ok(())
            }
        }
    }
}
