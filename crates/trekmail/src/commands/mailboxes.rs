use super::{account_id, mailbox, new_password, operator, show_once};
use crate::cli::MailboxCommand;
use anyhow::{Context, Result};
use trekmail_core::Core;
use trekmail_core::services::{NewMailboxRequest, Scope};

pub async fn run(core: &Core, op: Scope, command: MailboxCommand) -> Result<()> {
    match command {
        MailboxCommand::Create {
            address,
            name,
            quota_mb,
            password,
        } => {
            let domain = address.rsplit_once('@').map_or("", |(_, d)| d);
            let owner = core
                .domain(op, domain)
                .await
                .with_context(|| format!("{domain:?} is not a hosted domain: add it first"))?;
            let secret = new_password(&password)?;
            let request = NewMailboxRequest {
                account: owner.account_id,
                address: &address,
                display_name: &name,
                quota_mb,
                password: &secret.value,
            };
            let m = core.create_mailbox(op, &request, &operator()).await?;
            println!("mailbox {} created", m.address);
            show_once("password", &secret);
        }
        MailboxCommand::List { account } => {
            let id = account_id(core, &account).await?;
            for o in core.mailboxes(op, id).await? {
                let m = o.mailbox;
                println!(
                    "{}\t{}\t{} of {} MB\t2FA {}",
                    m.address,
                    m.display_name,
                    (m.used_bytes + 1024 * 1024 - 1) / (1024 * 1024),
                    m.quota_bytes / (1024 * 1024),
                    if o.two_factor_on { "on" } else { "off" }
                );
            }
        }
        MailboxCommand::SetPassword { address, password } => {
            let m = mailbox(core, op, &address).await?;
            let secret = new_password(&password)?;
            let ended = core
                .set_mailbox_password(op, m.id, &secret.value, &operator())
                .await?;
            println!("password of {address} changed; {ended} session(s) ended");
            show_once("password", &secret);
        }
        MailboxCommand::Reset2fa { address } => {
            let m = mailbox(core, op, &address).await?;
            core.reset_two_factor(m.id, &operator()).await?;
            println!("2FA of {address} is off; its owner can set it up again in webmail");
        }
        MailboxCommand::Delete { address, yes } => {
            if !yes {
                anyhow::bail!(
                    "deleting {address} removes its mail and credentials: add --yes to confirm"
                );
            }
            let m = mailbox(core, op, &address).await?;
            let ended = core.delete_mailbox(op, m.id, &operator()).await?;
            println!("mailbox {address} deleted; {ended} session(s) ended");
        }
    }
    Ok(())
}
