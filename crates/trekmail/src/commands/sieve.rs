//! `trekmail sieve …`: a mailbox's Sieve scripts, through the same core calls as the Sieve
//! tab and ManageSieve.

use super::{mailbox, operator};
use crate::cli::SieveCommand;
use anyhow::{Context, Result};
use std::io::Read;
use std::path::Path;
use trekmail_core::Core;
use trekmail_core::services::{Manager, Scope};

pub async fn run(core: &Core, op: Scope, command: SieveCommand) -> Result<()> {
    match command {
        SieveCommand::Check { file } => {
            let source = read(&file)?;
            core.check_sieve(&source)
                .map_err(|errors| anyhow::anyhow!("{errors}"))?;
            println!("no errors");
        }
        SieveCommand::List { mailbox: m } => {
            let m = mailbox(core, op, &m).await?;
            for script in core.sieve_scripts(Manager::Admin(op, m.id)).await? {
                let state = if script.active { "active" } else { "inactive" };
                println!("{}\t{state}", script.name);
            }
        }
        SieveCommand::Show { mailbox: m, name } => {
            let m = mailbox(core, op, &m).await?;
            let script = core
                .sieve_script(Manager::Admin(op, m.id), &name)
                .await
                .with_context(|| format!("no script {name:?}"))?;
            print!("{}", script.source);
        }
        SieveCommand::Put {
            mailbox: m,
            name,
            file,
        } => {
            let source = read(&file)?;
            let m = mailbox(core, op, &m).await?;
            core.put_sieve_script(Manager::Admin(op, m.id), &name, &source, &operator())
                .await?;
            println!("saved {name}");
        }
        SieveCommand::Activate { mailbox: m, name } => {
            let m = mailbox(core, op, &m).await?;
            core.activate_sieve_script(Manager::Admin(op, m.id), Some(&name), &operator())
                .await
                .with_context(|| format!("no script {name:?}"))?;
        }
        SieveCommand::Deactivate { mailbox: m } => {
            let m = mailbox(core, op, &m).await?;
            core.activate_sieve_script(Manager::Admin(op, m.id), None, &operator())
                .await?;
        }
        SieveCommand::Delete { mailbox: m, name } => {
            let m = mailbox(core, op, &m).await?;
            core.delete_sieve_script(Manager::Admin(op, m.id), &name, &operator())
                .await?;
        }
    }
    Ok(())
}

/// A script from a file, or from standard input for `-`.
fn read(file: &Path) -> Result<String> {
    if file == Path::new("-") {
        let mut source = String::new();
        std::io::stdin()
            .read_to_string(&mut source)
            .context("cannot read the script from standard input")?;
        return Ok(source);
    }
    std::fs::read_to_string(file).with_context(|| format!("cannot read {}", file.display()))
}
