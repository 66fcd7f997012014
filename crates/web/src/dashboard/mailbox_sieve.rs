//! A mailbox's settings page, Sieve tab: its scripts, the active one, and the editor.

use super::AppState;
use super::mailbox_tabs::{Tab, frame, header_of};
use crate::error::WebError;
use crate::session::Owner;
use crate::sieve_forms::{self, NameForm, Opened, ScriptForm, SieveView, Submitted};
use crate::views::{MailboxSievePage, render};
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Response};
use trekmail_core::ids::MailboxId;
use trekmail_core::services::Manager;

fn base(id: MailboxId) -> String {
    format!("/mailboxes/{}/{}", id.0, Tab::Sieve.path())
}

/// The path's mailbox as its account's admin manages it, once the form's token checks out.
fn checked(owner: &Owner, id: i64, csrf: &str) -> Result<(MailboxId, Manager<'static>), WebError> {
    owner.check_csrf(csrf)?;
    let id = MailboxId(id);
    Ok((id, Manager::Admin(owner.scope, id)))
}

pub async fn page(
    State(state): State<AppState>,
    owner: Owner,
    Path(id): Path<i64>,
    Query(opened): Query<Opened>,
) -> Result<Response, WebError> {
    let id = MailboxId(id);
    let manager = Manager::Admin(owner.scope, id);
    let sieve = sieve_forms::view(&state.core, manager, &base(id), &opened).await?;
    show(&state, &owner, id, opened.notice(), sieve).await
}

pub async fn submit(
    State(state): State<AppState>,
    owner: Owner,
    Path(id): Path<i64>,
    Form(form): Form<ScriptForm>,
) -> Result<Response, WebError> {
    let (id, manager) = checked(&owner, id, &form.csrf)?;
    match sieve_forms::submit(&state.core, manager, form, &owner.actor(), &base(id)).await? {
        Submitted::Saved(back) => Ok(back),
        Submitted::Shown(sieve) => show(&state, &owner, id, None, sieve).await,
    }
}

pub async fn activate(
    State(state): State<AppState>,
    owner: Owner,
    Path(id): Path<i64>,
    Form(form): Form<NameForm>,
) -> Result<Response, WebError> {
    let (id, manager) = checked(&owner, id, &form.csrf)?;
    sieve_forms::activate(&state.core, manager, &form, &owner.actor(), &base(id)).await
}

pub async fn delete(
    State(state): State<AppState>,
    owner: Owner,
    Path(id): Path<i64>,
    Form(form): Form<NameForm>,
) -> Result<Response, WebError> {
    let (id, manager) = checked(&owner, id, &form.csrf)?;
    match sieve_forms::delete(&state.core, manager, &form, &owner.actor(), &base(id)).await? {
        Ok(back) => Ok(back),
        Err(sieve) => show(&state, &owner, id, None, sieve).await,
    }
}

async fn show(
    state: &AppState,
    owner: &Owner,
    id: MailboxId,
    notice: Option<&str>,
    sieve: SieveView,
) -> Result<Response, WebError> {
    let page = MailboxSievePage {
        frame: frame(owner),
        mailbox: header_of(state, owner, id, Tab::Sieve).await?,
        notice: notice.map(str::to_owned),
        sieve,
    };
    Ok(render(&page).into_response())
}
