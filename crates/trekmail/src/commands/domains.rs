//! `domains`: an account's hosted domains, the DNS records each publishes (printed as zone
//! file lines), "Check DNS", and DKIM key rotation and retirement, with the operator's scope.

use super::{account_id, operator};
use crate::cli::DomainCommand;
use anyhow::{Context, Result, bail};
use trekmail_core::domain::Domain;
use trekmail_core::services::{RecordState, Scope};
use trekmail_core::{Core, CoreError};

pub async fn run(core: &Core, op: Scope, command: DomainCommand) -> Result<()> {
    match command {
        DomainCommand::Add { names, account } => {
            let (account, name) = match (account, names.as_slice()) {
                (Some(account), [name]) => (account, name.clone()),
                (None, [account, name]) => (account.clone(), name.clone()),
                _ => bail!("usage: trekmail domains add ACCOUNT_EMAIL NAME"),
            };
            let id = account_id(core, &account).await?;
            let d = core.add_domain(op, id, &name, &operator()).await?;
            println!("domain {} added to {account}", d.name);
            println!("publish its records: trekmail domains records {}", d.name);
        }
        DomainCommand::List { email, account } => {
            let email = email.or(account).unwrap_or_default();
            let id = account_id(core, &email).await?;
            for (d, on) in core.domains_with_mailbox_counts(op, id).await? {
                println!("{}\t{on} mailbox(es)", d.name);
            }
        }
        DomainCommand::Remove { name } => {
            let d = hosted(core, op, &name).await?;
            core.remove_domain(op, d.id, &operator()).await?;
            println!("domain {} removed; mail for it is refused", d.name);
        }
        DomainCommand::Records { name } => {
            let d = hosted(core, op, &name).await?;
            for r in core.dns_records(op, d.id).await? {
                println!("{}", zone_line(&r.name, &r.kind.to_string(), &r.value));
            }
        }
        DomainCommand::Check { name } => {
            let d = hosted(core, op, &name).await?;
            let checked = core.check_dns(op, d.id).await?;
            let total = checked.len();
            let mut present = 0;
            for (r, state) in checked {
                let (word, more) = match state {
                    RecordState::Present => ("present", String::new()),
                    RecordState::Missing => ("missing", String::new()),
                    RecordState::Different(found) => {
                        ("different", format!("\tfound: {}", found.join(" | ")))
                    }
                    RecordState::Unknown(why) => ("unknown", format!("\tcould not check: {why}")),
                };
                present += usize::from(word == "present");
                println!("{word}\t{} {} {}{more}", r.name, r.kind, r.value);
            }
            println!("{present} of {total} records are published as they should be");
        }
        DomainCommand::RotateDkim { name } => {
            let d = hosted(core, op, &name).await?;
            core.rotate_dkim_keys(op, d.id, &operator()).await?;
            println!(
                "new DKIM keys of {} sign from now on; publish their records:",
                d.name
            );
            for key in core.dkim_keys(op, d.id).await?.iter().filter(|k| k.signing) {
                println!("{} TXT {}", key.record_name(&d.name), key.record_value());
            }
        }
        DomainCommand::RetireDkim { name, selector } => {
            let d = hosted(core, op, &name).await?;
            match core.retire_dkim_key(op, d.id, &selector, &operator()).await {
                Err(CoreError::NotFound) => bail!("{selector} is not a DKIM key of {}", d.name),
                done => done?,
            }
            let record = format!("{selector}._domainkey.{}", d.name);
            println!("DKIM key {selector} retired; remove {record} from DNS");
        }
    }
    Ok(())
}

/// The hosted domain called `name`.
async fn hosted(core: &Core, op: Scope, name: &str) -> Result<Domain> {
    core.domain(op, name)
        .await
        .with_context(|| format!("{name:?} is not a hosted domain"))
}

/// A record as a line of a zone file: names fully qualified with the final dot, text in
/// quoted strings of at most 255 bytes (a DKIM key is longer).
fn zone_line(name: &str, kind: &str, value: &str) -> String {
    let value = match kind {
        "TXT" => value
            .as_bytes()
            .chunks(255)
            .map(|chunk| {
                let text = String::from_utf8_lossy(chunk);
                format!("\"{}\"", text.replace('\\', "\\\\").replace('"', "\\\""))
            })
            .collect::<Vec<_>>()
            .join(" "),
        // MX, SRV and CNAME end with a host.
        _ => format!("{value}."),
    };
    format!("{name}. {kind} {value}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zone_lines_quote_text_in_pieces_and_end_hosts_with_a_dot() {
        assert_eq!(
            zone_line("example.com", "MX", "10 mx.example.net"),
            "example.com. MX 10 mx.example.net."
        );
        assert_eq!(
            zone_line("example.com", "TXT", "v=spf1 mx -all"),
            "example.com. TXT \"v=spf1 mx -all\""
        );
        let long = format!("v=DKIM1; k=rsa; p={}", "A".repeat(300));
        let line = zone_line("rsa1._domainkey.example.com", "TXT", &long);
        let pieces: Vec<&str> = line.split(" \"").skip(1).collect();
        assert_eq!(pieces.len(), 2, "{line}");
        assert_eq!(
            pieces[0].len(),
            256,
            "255 bytes and the closing quote: {line}"
        );
    }
}
