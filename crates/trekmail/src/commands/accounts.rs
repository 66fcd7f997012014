use super::{account_id, new_password, operator, show_once};
use crate::cli::AccountCommand;
use anyhow::Result;
use trekmail_core::Core;
use trekmail_core::domain::Plan;
use trekmail_core::services::Scope;

pub async fn run(core: &Core, op: Scope, command: AccountCommand) -> Result<()> {
    match command {
        AccountCommand::Create {
            email,
            plan,
            password,
        } => {
            let plan: Plan = plan.parse().map_err(anyhow::Error::msg)?;
            let secret = new_password(&password)?;
            let account = core
                .create_account(&email, plan, &secret.value, &operator())
                .await?;
            println!(
                "account {} created for {} on {}",
                account.id, account.owner_email, account.plan
            );
            show_once("owner password", &secret);
        }
        AccountCommand::List => {
            for a in core.accounts().await? {
                println!("{}\t{}\t{}", a.id, a.owner_email, a.plan);
            }
        }
        AccountCommand::SetPassword { email, password } => {
            let id = account_id(core, &email).await?;
            let secret = new_password(&password)?;
            let reset = core
                .set_owner_password(id, &secret.value, &operator())
                .await?;
            println!(
                "dashboard password of {email} changed; {} session(s) ended; {} API token(s) revoked",
                reset.sessions, reset.api_tokens
            );
            show_once("owner password", &secret);
        }
        AccountCommand::Reset2fa { email } => {
            let id = account_id(core, &email).await?;
            core.reset_owner_two_factor(id, &operator()).await?;
            println!("dashboard 2FA of {email} is off; the owner can set it up again");
        }
        AccountCommand::TimeZone { email, zone } => {
            let id = account_id(core, &email).await?;
            let zone = core.set_time_zone(op, id, &zone, &operator()).await?;
            println!("the account of {email} keeps time in {}", zone.name());
        }
        AccountCommand::Brand {
            email,
            host,
            name,
            colour,
            clear,
        } => {
            let id = account_id(core, &email).await?;
            match (host, name, colour) {
                (Some(host), Some(name), Some(colour)) if !clear => {
                    let brand = core
                        .set_brand(op, id, &host, &name, &colour, &operator())
                        .await?;
                    println!(
                        "webmail of {email} branded: https://{}/ as {:?} in {}",
                        brand.host, brand.name, brand.colour
                    );
                }
                _ => {
                    core.clear_brand(op, id, &operator()).await?;
                    println!("webmail of {email} is TrekMail's again");
                }
            }
        }
    }
    Ok(())
}
