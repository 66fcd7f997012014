use super::{account_id, operator};
use crate::cli::DomainCommand;
use anyhow::Result;
use trekmail_core::Core;
use trekmail_core::services::Scope;

pub async fn run(core: &Core, op: Scope, command: DomainCommand) -> Result<()> {
    match command {
        DomainCommand::Add { account, domain } => {
            let id = account_id(core, &account).await?;
            let d = core.add_domain(op, id, &domain, &operator()).await?;
            println!("domain {} added to {account}", d.name);
        }
        DomainCommand::List { account } => {
            let id = account_id(core, &account).await?;
            for d in core.domains(op, id).await? {
                println!("{}", d.name);
            }
        }
    }
    Ok(())
}
