//! The Domains page: the account's domains within the plan's limit, the form that adds one,
//! and removal of one no mailbox or alias is on.

use super::AppState;
use super::mailbox_tabs::frame;
use super::mailboxes::capitalised_word;
use crate::error::{WebError, form_message};
use crate::relative_time;
use crate::session::Owner;
use crate::views::{DomainRow, DomainsPage, render};
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use trekmail_core::CoreError;
use trekmail_core::ids::DomainId;

#[derive(Deserialize)]
pub struct AddForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    name: String,
}

#[derive(Deserialize)]
pub struct Done {
    removed: Option<u8>,
}

/// What the page shows besides the list: a notice, or a refusal with what was typed.
#[derive(Default)]
struct Shown {
    notice: Option<String>,
    remove_error: Option<String>,
    name: String,
    add_error: Option<String>,
}

pub async fn page(
    State(state): State<AppState>,
    owner: Owner,
    Query(done): Query<Done>,
) -> Result<Response, WebError> {
    let shown = Shown {
        notice: done.removed.map(|_| {
            "Domain removed: mail for it is refused from now on, and its DKIM keys are gone."
                .to_owned()
        }),
        ..Shown::default()
    };
    Ok(render(&build(&state, &owner, shown).await?).into_response())
}

pub async fn add(
    State(state): State<AppState>,
    owner: Owner,
    Form(form): Form<AddForm>,
) -> Result<Response, WebError> {
    owner.check_csrf(&form.csrf)?;
    let added = state
        .core
        .add_domain(owner.scope, owner.account, &form.name, &owner.actor())
        .await;
    let error = match added {
        Ok(domain) => {
            return Ok(Redirect::to(&format!("/domains/{}?added=1", domain.id.0)).into_response());
        }
        Err(e) => refusal(e)?,
    };
    let shown = Shown {
        name: form.name,
        add_error: Some(error),
        ..Shown::default()
    };
    Ok(render(&build(&state, &owner, shown).await?).into_response())
}

/// Removes a domain; while mailboxes or aliases are on it, the page says so and keeps it.
pub async fn remove(
    State(state): State<AppState>,
    owner: Owner,
    Path(id): Path<i64>,
    Form(form): Form<crate::sign_in::CsrfForm>,
) -> Result<Response, WebError> {
    owner.check_csrf(&form.csrf)?;
    let error = match state
        .core
        .remove_domain(owner.scope, DomainId(id), &owner.actor())
        .await
    {
        Ok(()) => return Ok(Redirect::to("/domains?removed=1").into_response()),
        Err(e) => refusal(e)?,
    };
    let shown = Shown {
        remove_error: Some(error),
        ..Shown::default()
    };
    Ok(render(&build(&state, &owner, shown).await?).into_response())
}

/// The words a refusal is shown in. A conflict's message starts with the name of what is in
/// the way (a domain, a selector): kept as it is, not capitalised.
pub(super) fn refusal(e: CoreError) -> Result<String, WebError> {
    match e {
        CoreError::Conflict(message) => Ok(format!("{}.", message.trim_end_matches('.'))),
        e => form_message(&e).ok_or(WebError::from(e)),
    }
}

async fn build(state: &AppState, owner: &Owner, shown: Shown) -> Result<DomainsPage, WebError> {
    let core = &state.core;
    let account = core.account(owner.scope, owner.account).await?;
    let limits = core.plan_limits(account.plan);
    let now = core.clock().now();
    let domains: Vec<DomainRow> = core
        .domains_with_mailbox_counts(owner.scope, owner.account)
        .await?
        .into_iter()
        .map(|(d, mailboxes)| DomainRow {
            id: d.id.0,
            mailboxes,
            added: relative_time::ago(d.created_at, now),
            added_exact: relative_time::exact(d.created_at),
            name: d.name,
        })
        .collect();
    Ok(DomainsPage {
        frame: frame(owner),
        plan: capitalised_word(account.plan.as_str()),
        limit_note: format!("{} of {} domains", domains.len(), limits.max_domains),
        domains,
        notice: shown.notice,
        remove_error: shown.remove_error,
        name: shown.name,
        add_error: shown.add_error,
    })
}
