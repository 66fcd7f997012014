//! `alias`, `forward`, `sender`, `auto-reply` and `routing`: what comes in to a mailbox, with
//! the operator's scope.

use super::{mailbox, operator};
use crate::cli::{
    AliasCommand, AutoReplyCommand, ForwardCommand, RoutingCommand, SenderCommand, Switch,
};
use anyhow::{Context, Result, anyhow};
use trekmail_core::Core;
use trekmail_core::routing::{BlockedMail, FilterList, Subaddressing};
use trekmail_core::services::{AutoReplyRequest, Manager, Scope};

pub async fn aliases(core: &Core, op: Scope, command: AliasCommand) -> Result<()> {
    match command {
        AliasCommand::Add { mailbox: m, alias } => {
            let m = mailbox(core, op, &m).await?;
            let added = core
                .add_alias(Manager::Admin(op, m.id), &alias, &operator())
                .await?;
            println!("{} now delivers to {}", added.address, m.address);
        }
        AliasCommand::List { mailbox: m } => {
            let m = mailbox(core, op, &m).await?;
            for a in core.aliases(Manager::Admin(op, m.id)).await? {
                println!("{}", a.address);
            }
        }
        AliasCommand::Remove { mailbox: m, alias } => {
            let m = mailbox(core, op, &m).await?;
            let manager = Manager::Admin(op, m.id);
            let wanted = alias.trim().to_ascii_lowercase();
            let found = core
                .aliases(manager)
                .await?
                .into_iter()
                .find(|a| a.address.as_str() == wanted)
                .with_context(|| format!("{alias} is not an alias of {}", m.address))?;
            core.remove_alias(manager, found.id, &operator()).await?;
            println!("{} removed; mail to it is refused", found.address);
        }
    }
    Ok(())
}

pub async fn forwards(core: &Core, op: Scope, command: ForwardCommand) -> Result<()> {
    match command {
        ForwardCommand::Add {
            mailbox: m,
            destination,
        } => {
            let m = mailbox(core, op, &m).await?;
            let added = core
                .add_forward(op, m.id, &destination, &operator())
                .await?;
            println!(
                "mail to {} is forwarded to {}",
                m.address, added.destination
            );
        }
        ForwardCommand::List { mailbox: m } => {
            let m = mailbox(core, op, &m).await?;
            for f in core.forwards(Manager::Admin(op, m.id)).await? {
                println!("{}", f.destination);
            }
        }
        ForwardCommand::Remove {
            mailbox: m,
            destination,
        } => {
            let m = mailbox(core, op, &m).await?;
            let wanted = destination.trim().to_ascii_lowercase();
            let found = core
                .forwards(Manager::Admin(op, m.id))
                .await?
                .into_iter()
                .find(|f| f.destination.as_str() == wanted)
                .with_context(|| format!("{} does not forward to {destination}", m.address))?;
            core.remove_forward(op, m.id, found.id, &operator()).await?;
            println!(
                "mail to {} is no longer forwarded to {}",
                m.address, found.destination
            );
        }
    }
    Ok(())
}

pub async fn auto_reply(core: &Core, op: Scope, command: AutoReplyCommand) -> Result<()> {
    let (m, request) = match &command {
        AutoReplyCommand::Show { mailbox: m } => (m, None),
        AutoReplyCommand::Set {
            mailbox: m,
            state,
            subject,
            text,
            from,
            until,
            days,
        } => (
            m,
            Some(AutoReplyRequest {
                enabled: *state == Switch::On,
                subject,
                text,
                starts_on: *from,
                ends_on: *until,
                interval_days: *days,
            }),
        ),
    };
    let m = mailbox(core, op, m).await?;
    let manager = Manager::Admin(op, m.id);
    if let Some(request) = request {
        core.set_auto_reply(manager, &request, &operator()).await?;
    }
    let r = core.auto_reply(manager).await?;
    let day = |d: Option<chrono::NaiveDate>| d.map_or_else(|| "-".to_owned(), |d| d.to_string());
    println!(
        "{}\t{}\tfrom {}\tuntil {}\tevery {} days\t{}",
        m.address,
        if r.enabled { "on" } else { "off" },
        day(r.starts_on),
        day(r.ends_on),
        r.interval_days,
        r.subject
    );
    Ok(())
}

pub async fn senders(core: &Core, op: Scope, command: SenderCommand) -> Result<()> {
    match command {
        SenderCommand::Add {
            mailbox: m,
            list,
            pattern,
        } => {
            let m = mailbox(core, op, &m).await?;
            let list = FilterList::parse(&list)
                .ok_or_else(|| anyhow!("the list is allowed or blocked, not {list:?}"))?;
            let added = core
                .add_sender_filter(Manager::Admin(op, m.id), list, &pattern, &operator())
                .await?;
            println!(
                "{} is on the {} senders of {}",
                added.pattern,
                list.as_str(),
                m.address
            );
        }
        SenderCommand::List { mailbox: m } => {
            let m = mailbox(core, op, &m).await?;
            for f in core.sender_filters(Manager::Admin(op, m.id)).await? {
                println!("{}\t{}", f.list.as_str(), f.pattern);
            }
        }
        SenderCommand::Remove {
            mailbox: m,
            pattern,
        } => {
            let m = mailbox(core, op, &m).await?;
            let manager = Manager::Admin(op, m.id);
            let wanted = pattern.trim().to_ascii_lowercase();
            let found = core
                .sender_filters(manager)
                .await?
                .into_iter()
                .find(|f| f.pattern.as_str() == wanted)
                .with_context(|| format!("{pattern} is on neither list of {}", m.address))?;
            core.remove_sender_filter(manager, found.id, &operator())
                .await?;
            println!("{} is off the lists of {}", found.pattern, m.address);
        }
    }
    Ok(())
}

pub async fn settings(core: &Core, op: Scope, command: RoutingCommand) -> Result<()> {
    match command {
        RoutingCommand::Set {
            mailbox: m,
            subaddressing,
            blocked_mail,
            keep_copy,
        } => {
            let m = mailbox(core, op, &m).await?;
            let manager = Manager::Admin(op, m.id);
            // Both are checked before either is saved.
            let subaddressing = subaddressing
                .map(|s| s.parse::<Subaddressing>())
                .transpose()
                .map_err(|e| anyhow!(e))?;
            let blocked_mail = blocked_mail
                .map(|s| s.parse::<BlockedMail>())
                .transpose()
                .map_err(|e| anyhow!(e))?;
            if let Some(s) = subaddressing {
                core.set_subaddressing(manager, s, &operator()).await?;
            }
            if let Some(b) = blocked_mail {
                core.set_blocked_mail(op, m.id, b, &operator()).await?;
            }
            if let Some(keep) = keep_copy {
                core.set_keep_copy(op, m.id, keep == Switch::On, &operator())
                    .await?;
            }
            let now = core.routing(manager).await?;
            println!(
                "{}\tsub-addressing {}\tblocked mail {}\tkeep a copy {}",
                m.address,
                now.subaddressing,
                now.blocked,
                if now.keep_copy { "on" } else { "off" }
            );
        }
        RoutingCommand::CatchAll {
            mailbox: m,
            domain,
            off,
        } => {
            let m = mailbox(core, op, &m).await?;
            let d = core
                .domain(op, &domain)
                .await
                .with_context(|| format!("{domain:?} is not a hosted domain"))?;
            core.set_catch_all(op, m.id, d.id, !off, &operator())
                .await?;
            match off {
                true => println!("{} no longer catches mail for {}", m.address, d.name),
                false => println!(
                    "{} catches mail for {}'s unknown addresses",
                    m.address, d.name
                ),
            }
        }
    }
    Ok(())
}
