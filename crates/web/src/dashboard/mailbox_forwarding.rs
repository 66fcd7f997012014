//! A mailbox's settings page, Forwarding tab: where its mail also goes, and "keep a copy".

use super::AppState;
use super::mailbox_tabs::{Changed, Tab, frame, header_of};
use crate::error::{WebError, form_message};
use crate::relative_time;
use crate::session::Owner;
use crate::sign_in::CsrfForm;
use crate::views::{ForwardRow, MailboxForwardingPage, render};
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use trekmail_core::ids::{ForwardId, MailboxId};
use trekmail_core::services::{MAX_FORWARDS, Manager, Recipient};

#[derive(Deserialize)]
pub struct ForwardForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    destination: String,
}

#[derive(Deserialize)]
pub struct KeepCopyForm {
    #[serde(default)]
    csrf: String,
    /// A checkbox: present when ticked.
    keep_copy: Option<String>,
}

pub async fn page(
    State(state): State<AppState>,
    owner: Owner,
    Path(id): Path<i64>,
    Query(done): Query<Changed>,
) -> Result<Response, WebError> {
    let notice = done.notice(
        "Destination added. The next message is forwarded there.",
        "Destination removed. The next message is not forwarded there.",
    );
    let page = forwarding_page(&state, &owner, MailboxId(id), notice, String::new(), None).await?;
    Ok(render(&page).into_response())
}

pub async fn add(
    State(state): State<AppState>,
    owner: Owner,
    Path(id): Path<i64>,
    Form(form): Form<ForwardForm>,
) -> Result<Response, WebError> {
    owner.check_csrf(&form.csrf)?;
    let id = MailboxId(id);
    let added = state
        .core
        .add_forward(owner.scope, id, &form.destination, &owner.actor())
        .await;
    let error = match added {
        Ok(_) => return Ok(Tab::Forwarding.back(id, "added=1#forwards")),
        Err(e) => form_message(&e).ok_or(WebError::from(e))?,
    };
    let page = forwarding_page(&state, &owner, id, None, form.destination, Some(error)).await?;
    Ok(render(&page).into_response())
}

pub async fn remove(
    State(state): State<AppState>,
    owner: Owner,
    Path((id, forward)): Path<(i64, i64)>,
    Form(form): Form<CsrfForm>,
) -> Result<Response, WebError> {
    owner.check_csrf(&form.csrf)?;
    let id = MailboxId(id);
    state
        .core
        .remove_forward(owner.scope, id, ForwardId(forward), &owner.actor())
        .await?;
    Ok(Tab::Forwarding.back(id, "removed=1#forwards"))
}

pub async fn keep_copy(
    State(state): State<AppState>,
    owner: Owner,
    Path(id): Path<i64>,
    Form(form): Form<KeepCopyForm>,
) -> Result<Response, WebError> {
    owner.check_csrf(&form.csrf)?;
    let id = MailboxId(id);
    state
        .core
        .set_keep_copy(owner.scope, id, form.keep_copy.is_some(), &owner.actor())
        .await?;
    Ok(Tab::Forwarding.back(id, "saved=1#keep-copy"))
}

async fn forwarding_page(
    state: &AppState,
    owner: &Owner,
    id: MailboxId,
    notice: Option<&str>,
    destination: String,
    forward_error: Option<String>,
) -> Result<MailboxForwardingPage, WebError> {
    let core = &state.core;
    let mailbox = header_of(state, owner, id, Tab::Forwarding).await?;
    let manager = Manager::Admin(owner.scope, id);
    let now = core.clock().now();
    let mut forwards = Vec::new();
    for f in core.forwards(manager).await? {
        let hosted = !matches!(core.recipient(&f.destination).await?, Recipient::Remote);
        forwards.push(ForwardRow {
            id: f.id.0,
            destination: f.destination.to_string(),
            hosted,
            added: relative_time::ago(f.created_at, now),
        });
    }
    Ok(MailboxForwardingPage {
        frame: frame(owner),
        notice: notice.map(str::to_owned),
        forwards,
        max_forwards: MAX_FORWARDS,
        keep_copy: core.routing(manager).await?.keep_copy,
        destination,
        forward_error,
        mailbox,
    })
}
