use super::mailbox;
use anyhow::Result;
use trekmail_core::Core;
use trekmail_core::ids::Principal;
use trekmail_core::services::Scope;

pub async fn run(core: &Core, op: Scope, address: &str, limit: u32) -> Result<()> {
    let who = Principal::Mailbox(mailbox(core, op, address).await?.id);
    for record in core.audit_of(op, who, limit).await? {
        let e = record.event;
        println!(
            "{}\t{}\t{}\t{}\t{}\t{}",
            e.at.format("%Y-%m-%d %H:%M:%S UTC"),
            e.kind.as_str(),
            e.channel,
            e.subject,
            e.remote.map_or_else(|| "-".to_owned(), |ip| ip.to_string()),
            e.detail
        );
    }
    Ok(())
}
