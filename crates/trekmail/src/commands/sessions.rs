use super::{mailbox, operator};
use crate::cli::SessionsCommand;
use anyhow::Result;
use trekmail_core::Core;
use trekmail_core::ids::{Principal, SessionId};
use trekmail_core::services::Scope;

pub async fn run(core: &Core, op: Scope, command: SessionsCommand) -> Result<()> {
    match command {
        SessionsCommand::List { address } => {
            let who = Principal::Mailbox(mailbox(core, op, &address).await?.id);
            let rows = core.sessions(op, who).await?;
            if rows.is_empty() {
                println!("no live sessions");
            }
            for s in rows {
                println!(
                    "{}\t{}\t{}\tstarted {}\tlast seen {}",
                    s.id,
                    s.channel,
                    s.remote.map_or_else(|| "-".to_owned(), |ip| ip.to_string()),
                    s.started_at.format("%Y-%m-%d %H:%M:%S UTC"),
                    s.last_seen_at.format("%Y-%m-%d %H:%M:%S UTC"),
                );
            }
        }
        SessionsCommand::End { address, id } => {
            let who = Principal::Mailbox(mailbox(core, op, &address).await?.id);
            match id {
                Some(id) => {
                    core.end_session(op, who, &SessionId(id.clone()), &operator())
                        .await?;
                    println!("session {id} ended");
                }
                None => {
                    let ended = core.end_sessions(op, who, None, &operator()).await?;
                    println!("{ended} session(s) of {address} ended");
                }
            }
        }
    }
    Ok(())
}
