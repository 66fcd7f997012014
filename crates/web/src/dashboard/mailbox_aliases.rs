//! A mailbox's settings page, Aliases tab: its aliases, sub-addressing, and the catch-all of
//! each of the account's domains.

use super::AppState;
use super::mailbox_tabs::{Changed, Tab, frame, header_of};
use crate::error::{WebError, form_message};
use crate::relative_time;
use crate::session::Owner;
use crate::views::{AliasRow, CatchAllRow, Choice, MailboxAliasesPage, render};
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use trekmail_core::ids::{AliasId, DomainId, MailboxId};
use trekmail_core::routing::Subaddressing;
use trekmail_core::services::Manager;

#[derive(Deserialize)]
pub struct AliasForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    local_part: String,
    #[serde(default)]
    domain: String,
}

#[derive(Deserialize)]
pub struct SubaddressingForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    subaddressing: String,
}

#[derive(Deserialize)]
pub struct CatchAllForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    domain_id: i64,
    #[serde(default)]
    on: u8,
}

/// What the add form holds when the page is shown again after a refusal.
#[derive(Default)]
struct Typed {
    local_part: String,
    domain: String,
    error: Option<String>,
}

pub async fn page(
    State(state): State<AppState>,
    owner: Owner,
    Path(id): Path<i64>,
    Query(done): Query<Changed>,
) -> Result<Response, WebError> {
    let notice = done.notice(
        "Alias added. Mail to it arrives from now on.",
        "Alias removed. Mail to it is refused from now on.",
    );
    let typed = Typed::default();
    let page = aliases_page(&state, &owner, MailboxId(id), notice, typed).await?;
    Ok(render(&page).into_response())
}

pub async fn add(
    State(state): State<AppState>,
    owner: Owner,
    Path(id): Path<i64>,
    Form(form): Form<AliasForm>,
) -> Result<Response, WebError> {
    owner.check_csrf(&form.csrf)?;
    let id = MailboxId(id);
    let address = format!("{}@{}", form.local_part.trim(), form.domain.trim());
    let manager = Manager::Admin(owner.scope, id);
    let error = match state
        .core
        .add_alias(manager, &address, &owner.actor())
        .await
    {
        Ok(_) => return Ok(Tab::Aliases.back(id, "added=1#aliases")),
        Err(e) => form_message(&e).ok_or(WebError::from(e))?,
    };
    let typed = Typed {
        local_part: form.local_part,
        domain: form.domain,
        error: Some(error),
    };
    Ok(render(&aliases_page(&state, &owner, id, None, typed).await?).into_response())
}

pub async fn remove(
    State(state): State<AppState>,
    owner: Owner,
    Path((id, alias)): Path<(i64, i64)>,
    Form(form): Form<crate::sign_in::CsrfForm>,
) -> Result<Response, WebError> {
    owner.check_csrf(&form.csrf)?;
    let id = MailboxId(id);
    state
        .core
        .remove_alias(
            Manager::Admin(owner.scope, id),
            AliasId(alias),
            &owner.actor(),
        )
        .await?;
    Ok(Tab::Aliases.back(id, "removed=1#aliases"))
}

pub async fn subaddressing(
    State(state): State<AppState>,
    owner: Owner,
    Path(id): Path<i64>,
    Form(form): Form<SubaddressingForm>,
) -> Result<Response, WebError> {
    owner.check_csrf(&form.csrf)?;
    let id = MailboxId(id);
    let choice = form
        .subaddressing
        .parse::<Subaddressing>()
        .map_err(|e| WebError::Core(trekmail_core::CoreError::Invalid(e)))?;
    state
        .core
        .set_subaddressing(Manager::Admin(owner.scope, id), choice, &owner.actor())
        .await?;
    Ok(Tab::Aliases.back(id, "saved=1#subaddressing"))
}

pub async fn catch_all(
    State(state): State<AppState>,
    owner: Owner,
    Path(id): Path<i64>,
    Form(form): Form<CatchAllForm>,
) -> Result<Response, WebError> {
    owner.check_csrf(&form.csrf)?;
    let id = MailboxId(id);
    state
        .core
        .set_catch_all(
            owner.scope,
            id,
            DomainId(form.domain_id),
            form.on == 1,
            &owner.actor(),
        )
        .await?;
    Ok(Tab::Aliases.back(id, "saved=1#catch-all"))
}

async fn aliases_page(
    state: &AppState,
    owner: &Owner,
    id: MailboxId,
    notice: Option<&str>,
    typed: Typed,
) -> Result<MailboxAliasesPage, WebError> {
    let core = &state.core;
    let mailbox = header_of(state, owner, id, Tab::Aliases).await?;
    let manager = Manager::Admin(owner.scope, id);
    let now = core.clock().now();
    let aliases = core
        .aliases(manager)
        .await?
        .into_iter()
        .map(|a| AliasRow {
            id: a.id.0,
            address: a.address.to_string(),
            added: relative_time::ago(a.created_at, now),
        })
        .collect();
    let routing = core.routing(manager).await?;
    let account = core.account(owner.scope, owner.account).await?;
    let domains = core.domains(owner.scope, owner.account).await?;
    let mut catch_alls = Vec::with_capacity(domains.len());
    for d in &domains {
        let elsewhere = match d.catch_all {
            Some(other) if other != id => Some(core.mailbox(owner.scope, other).await?.address),
            _ => None,
        };
        catch_alls.push(CatchAllRow {
            domain_id: d.id.0,
            domain: d.name.clone(),
            here: d.catch_all == Some(id),
            elsewhere: elsewhere.map(|a| a.to_string()),
        });
    }
    let subaddressing = Subaddressing::ALL
        .iter()
        .map(|&s| Choice {
            value: s.as_str(),
            label: match s {
                Subaddressing::Off => "Refuse it",
                Subaddressing::Inbox => "Deliver it to INBOX",
                Subaddressing::Folders => "File it into the folder named by the tag",
            },
            hint: match s {
                Subaddressing::Off => "Tagged addresses are unknown here (or go to a catch-all).",
                Subaddressing::Inbox => "The tag is ignored.",
                Subaddressing::Folders => {
                    "…+news@ goes to the folder News when there is one, to INBOX otherwise."
                }
            }
            .to_owned(),
            checked: s == routing.subaddressing,
        })
        .collect();
    let default_domain = mailbox
        .address
        .rsplit_once('@')
        .map_or("", |(_, d)| d)
        .to_owned();
    Ok(MailboxAliasesPage {
        frame: frame(owner),
        notice: notice.map(str::to_owned),
        aliases,
        max_aliases: core.plan_limits(account.plan).max_aliases,
        domains: domains.into_iter().map(|d| d.name).collect(),
        local_part: typed.local_part,
        domain: match typed.domain.is_empty() {
            true => default_domain,
            false => typed.domain,
        },
        alias_error: typed.error,
        subaddressing,
        catch_alls,
        mailbox,
    })
}
