//! Sieve (RFC 5228) for TrekMail: a script is compiled once (every error with its line and
//! column), then run per message against a [`Context`] into the actions the delivery
//! pipeline carries out. Nothing here reaches outside the message: no execute, no pipe, no
//! I/O; every run is bounded by [`Limits`].

mod actions;
mod address;
mod ast;
mod compare;
mod date;
mod eval;
mod flags;
mod lexer;
mod message;
mod parser;
mod run;
mod strings;
mod vacation;
mod validate;
mod variables;
mod wildcard;

use chrono::{DateTime, FixedOffset};

/// The extensions a script may `require`, as ManageSieve's SIEVE capability lists them.
pub const EXTENSIONS: &[&str] = &[
    "fileinto",
    "reject",
    "ereject",
    "envelope",
    "encoded-character",
    "imap4flags",
    "vacation",
    "copy",
    "body",
    "variables",
    "relational",
    "comparator-i;ascii-numeric",
    "subaddress",
    "date",
    "index",
    "mailbox",
];

/// Bounds on a script and on one run of it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// The longest script source, in bytes.
    pub max_script_bytes: usize,
    /// The deepest nesting of blocks and tests.
    pub max_nesting: usize,
    /// Actions one run may take (keep, fileinto, redirect, reject, vacation, flags).
    pub max_actions: usize,
    /// Redirects one run may take.
    pub max_redirects: usize,
    /// Commands and tests one run may evaluate.
    pub max_steps: u64,
    /// The longest value a variable may hold, in bytes.
    pub max_variable_bytes: usize,
    /// The most variables a script may set.
    pub max_variables: usize,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            max_script_bytes: 64 * 1024,
            max_nesting: 32,
            max_actions: 32,
            max_redirects: 4,
            max_steps: 100_000,
            max_variable_bytes: 4096,
            max_variables: 128,
        }
    }
}

/// A compiled script, ready to run on any number of messages.
#[derive(Debug, Clone)]
pub struct Script {
    block: ast::Block,
    required: std::collections::HashSet<String>,
}

impl Script {
    /// Whether the script requires `extension`: a caller can leave out of the [`Context`]
    /// what only an extension it does not use would read (`vacation`: the own addresses;
    /// `mailbox`: the folders; `date`: the account's time zone).
    pub fn requires(&self, extension: &str) -> bool {
        self.required.contains(extension)
    }
}

/// One error in a script, where it is (1-based line and column, in characters).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("line {line}, column {column}: {message}")]
pub struct CompileError {
    pub line: u32,
    pub column: u32,
    pub message: String,
}

/// Every error found in a script (at least one).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}", .0.iter().map(ToString::to_string).collect::<Vec<_>>().join("\n"))]
pub struct CompileErrors(pub Vec<CompileError>);

/// Checks and compiles `source`.
pub fn compile(source: &str, limits: &Limits) -> Result<Script, CompileErrors> {
    let one = |pos: lexer::Pos, message: String| {
        CompileErrors(vec![CompileError {
            line: pos.line,
            column: pos.column,
            message,
        }])
    };
    if source.len() > limits.max_script_bytes {
        return Err(one(
            lexer::Pos { line: 1, column: 1 },
            format!(
                "the script is {} bytes, over the limit of {}",
                source.len(),
                limits.max_script_bytes
            ),
        ));
    }
    let tokens = lexer::lex(source).map_err(|e| one(e.pos, e.message))?;
    let nodes = parser::parse(&tokens, limits.max_nesting, lexer::end_of(source))
        .map_err(|e| one(e.pos, e.message))?;
    let (block, required) = validate::validate(&nodes).map_err(CompileErrors)?;
    Ok(Script { block, required })
}

/// What a run sees of the message and the mailbox.
pub struct Context<'a> {
    /// The whole message, header first.
    pub message: &'a [u8],
    /// The envelope sender, empty for the null sender.
    pub envelope_from: &'a str,
    /// The envelope recipient as the message was addressed (with its `+detail`).
    pub envelope_to: &'a str,
    /// Now, in the account's time zone (`currentdate`, and `date`'s default zone).
    pub now: DateTime<FixedOffset>,
    /// The mailbox's own addresses (its address and aliases): vacation answers only mail
    /// addressed to one of them or to its `:addresses`.
    pub own_addresses: &'a [String],
    /// Whether the mailbox has a folder of this name (`mailboxexists`).
    pub folder_exists: &'a dyn Fn(&str) -> bool,
}

/// What the script decided, in the order it decided it; the implicit keep, when not
/// cancelled, is a [`Action::Keep`] at the end. No store action at all means discard.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Outcome {
    pub actions: Vec<Action>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    /// Store in INBOX with these flags.
    Keep { flags: Vec<String> },
    /// Store in `folder` with these flags; `create` makes the folder when it is missing.
    FileInto {
        folder: String,
        flags: Vec<String>,
        create: bool,
    },
    /// Send on to `address` (checked as an address); `copy` when `:copy` kept the keep.
    Redirect { address: String, copy: bool },
    /// `reject` or `ereject`: refuse the message with this reason.
    Reject { reason: String },
    /// Answer the sender, once per `days` per `handle`, if the pipeline's rules allow.
    Vacation(Vacation),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Vacation {
    /// What identifies this vacation for the once-per-sender memory.
    pub handle: String,
    pub days: u32,
    pub subject: Option<String>,
    pub from: Option<String>,
    pub reason: String,
    /// `:mime`: the reason is a MIME entity (header and body), not plain text.
    pub mime: bool,
    /// `:addresses`: more addresses of the user's than the mailbox's own.
    pub addresses: Vec<String>,
}

/// A run that could not finish: the pipeline keeps the message and audits why.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct RunError(pub String);

/// Runs `script` on one message.
pub fn run(script: &Script, cx: &Context<'_>, limits: &Limits) -> Result<Outcome, RunError> {
    run::run(&script.block, cx, limits)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::{Limits, compile};

    #[test]
    fn a_script_tells_which_extensions_it_requires() {
        let source = "require [\"vacation\", \"fileinto\"];\nvacation \"Away.\";\n";
        let script = compile(source, &Limits::default()).unwrap();
        assert!(script.requires("vacation") && script.requires("fileinto"));
        assert!(!script.requires("date") && !script.requires("mailbox"));
    }

    /// Twenty keys over a 100 KiB body are some 2,000 steps of work, not one test.
    #[test]
    fn comparisons_are_charged_by_the_bytes_they_compare() {
        let keys: Vec<String> = (0..20).map(|i| format!("\"key{i}\"")).collect();
        let source = format!(
            "require \"body\";\nif body :text :contains [{}] {{ discard; }}\n",
            keys.join(", ")
        );
        let message = format!("Subject: big\r\n\r\n{}\r\n", "words ".repeat(17_000));
        let own = Vec::new();
        let cx = super::Context {
            message: message.as_bytes(),
            envelope_from: "a@example.org",
            envelope_to: "b@example.org",
            now: chrono::DateTime::UNIX_EPOCH.fixed_offset(),
            own_addresses: &own,
            folder_exists: &|_| false,
        };
        let script = compile(&source, &Limits::default()).unwrap();
        assert!(super::run(&script, &cx, &Limits::default()).is_ok());
        let tight = Limits {
            max_steps: 1_000,
            ..Limits::default()
        };
        let refused = super::run(&script, &cx, &tight).unwrap_err();
        assert!(refused.0.contains("too many steps"), "{refused}");
    }
}
