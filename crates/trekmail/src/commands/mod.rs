//! The operator commands. Each opens the same core `serve` uses and acts with operator scope,
//! so the rules (policy, limits, audit, ending sessions on other processes) are the same.

mod accounts;
mod audit;
mod backup;
pub mod certificates;
mod domains;
mod mailboxes;
mod queue;
mod restore;
mod routing;
mod sessions;
mod sieve;

use crate::cli::{Command, PasswordSource};
use crate::config::Config;
use crate::node::{self, Role};
use anyhow::{Context, Result};
use std::io::BufRead;
use trekmail_core::Core;
use trekmail_core::security::password_generator::generate_password;
use trekmail_core::services::{Actor, Scope};

pub async fn run(command: Command, config: &Config) -> Result<()> {
    // These need no core: a restore must not make a database before it checks the backup.
    let command = match command {
        Command::Serve => return crate::serve::run(config).await,
        Command::Backup { dir } => return backup::run(config, &dir).await,
        Command::Restore { dir } => return restore::run(config, &dir).await,
        other => other,
    };
    let node = node::open(config, Role::Command).await?;
    let core = &node.core;
    let op = node.operator.scope();
    match command {
        Command::Serve | Command::Backup { .. } | Command::Restore { .. } => Ok(()),
        Command::Account(c) => accounts::run(core, op, c).await,
        Command::Domain(c) => domains::run(core, op, c).await,
        Command::Mailbox(c) => mailboxes::run(core, op, c).await,
        Command::Alias(c) => routing::aliases(core, op, c).await,
        Command::Forward(c) => routing::forwards(core, op, c).await,
        Command::AutoReply(c) => routing::auto_reply(core, op, c).await,
        Command::Sender(c) => routing::senders(core, op, c).await,
        Command::Routing(c) => routing::settings(core, op, c).await,
        Command::Sieve(c) => sieve::run(core, op, c).await,
        Command::Sessions(c) => sessions::run(core, op, c).await,
        Command::Queue(c) => queue::run(core, c).await,
        Command::Certificates(c) => certificates::run(config, c),
        Command::Audit { address, limit } => audit::run(core, op, &address, limit).await,
    }
}

fn operator() -> Actor {
    Actor::operator()
}

/// A password from stdin, or a generated one to print once.
fn new_password(source: &PasswordSource) -> Result<Secret> {
    if !source.password_stdin {
        return Ok(Secret {
            value: generate_password()?,
            generated: true,
        });
    }
    let mut line = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut line)
        .context("cannot read the password from standard input")?;
    let value = line.trim_end_matches(['\r', '\n']).to_owned();
    if value.is_empty() {
        anyhow::bail!("no password on standard input");
    }
    Ok(Secret {
        value,
        generated: false,
    })
}

/// Prints a generated password, once.
fn show_once(label: &str, secret: &Secret) {
    if secret.generated {
        println!("{label} (shown once, keep it safe): {}", secret.value);
    }
}

/// A password the command was given or made.
struct Secret {
    value: String,
    generated: bool,
}

/// The account owning `email`, for commands that name accounts by their owner.
async fn account_id(core: &Core, email: &str) -> Result<trekmail_core::ids::AccountId> {
    Ok(core
        .account_by_email(email)
        .await
        .with_context(|| format!("no account is owned by {email}"))?
        .id)
}

/// The mailbox at `address`.
async fn mailbox(core: &Core, op: Scope, address: &str) -> Result<trekmail_core::domain::Mailbox> {
    core.mailbox_by_address(op, address)
        .await
        .with_context(|| format!("no mailbox {address}"))
}
