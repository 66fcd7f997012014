//! A mailbox's settings page, Auto-Reply tab: the away message, and the account's time zone
//! whose days its dates are.

use super::AppState;
use super::mailbox_tabs::{Tab, frame, header_of};
use crate::auto_reply_form::{self, AutoReplyForm, AutoReplyView};
use crate::error::{WebError, form_message};
use crate::session::Owner;
use crate::views::{MailboxAutoReplyPage, render};
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use trekmail_core::ids::MailboxId;
use trekmail_core::services::Manager;

#[derive(Deserialize)]
pub struct ZoneForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    zone: String,
}

/// What the page was sent back for, after a change.
#[derive(Deserialize, Default)]
pub struct Done {
    saved: Option<u8>,
    zone: Option<u8>,
}

/// The page's forms as typed, when one was refused.
#[derive(Default)]
struct Typed {
    auto_reply: Option<AutoReplyView>,
    zone: Option<(String, String)>,
}

pub async fn page(
    State(state): State<AppState>,
    owner: Owner,
    Path(id): Path<i64>,
    Query(done): Query<Done>,
) -> Result<Response, WebError> {
    let notice = match (done.saved, done.zone) {
        (Some(_), _) => Some("Auto-reply saved. It applies to the next message."),
        (_, Some(_)) => Some("Time zone saved."),
        _ => None,
    };
    let page = auto_reply_page(&state, &owner, MailboxId(id), notice, Typed::default()).await?;
    Ok(render(&page).into_response())
}

pub async fn save(
    State(state): State<AppState>,
    owner: Owner,
    Path(id): Path<i64>,
    Form(form): Form<AutoReplyForm>,
) -> Result<Response, WebError> {
    owner.check_csrf(&form.csrf)?;
    let id = MailboxId(id);
    let zone = zone_of(&state, &owner).await?;
    let manager = Manager::Admin(owner.scope, id);
    let refused = auto_reply_form::save(
        &state.core,
        manager,
        form,
        &owner.actor(),
        action(id),
        &zone,
    )
    .await?;
    match refused {
        None => Ok(Tab::AutoReply.back(id, "saved=1#auto-reply")),
        Some(view) => {
            let typed = Typed {
                auto_reply: Some(view),
                zone: None,
            };
            let page = auto_reply_page(&state, &owner, id, None, typed).await?;
            Ok(render(&page).into_response())
        }
    }
}

/// The account's time zone, from the tab of one of its mailboxes.
pub async fn time_zone(
    State(state): State<AppState>,
    owner: Owner,
    Path(id): Path<i64>,
    Form(form): Form<ZoneForm>,
) -> Result<Response, WebError> {
    owner.check_csrf(&form.csrf)?;
    let id = MailboxId(id);
    let core = &state.core;
    core.mailbox(owner.scope, id).await?;
    let error = match core
        .set_time_zone(owner.scope, owner.account, &form.zone, &owner.actor())
        .await
    {
        Ok(_) => return Ok(Tab::AutoReply.back(id, "zone=1#time-zone")),
        Err(e) => form_message(&e).ok_or(WebError::from(e))?,
    };
    let typed = Typed {
        auto_reply: None,
        zone: Some((form.zone, error)),
    };
    let page = auto_reply_page(&state, &owner, id, None, typed).await?;
    Ok(render(&page).into_response())
}

fn action(id: MailboxId) -> String {
    format!("/mailboxes/{}/auto-reply", id.0)
}

async fn zone_of(state: &AppState, owner: &Owner) -> Result<String, WebError> {
    let account = state.core.account(owner.scope, owner.account).await?;
    Ok(account.time_zone.name().to_owned())
}

async fn auto_reply_page(
    state: &AppState,
    owner: &Owner,
    id: MailboxId,
    notice: Option<&str>,
    typed: Typed,
) -> Result<MailboxAutoReplyPage, WebError> {
    let mailbox = header_of(state, owner, id, Tab::AutoReply).await?;
    let zone = zone_of(state, owner).await?;
    let auto_reply = match typed.auto_reply {
        Some(view) => view,
        None => {
            let saved = state
                .core
                .auto_reply(Manager::Admin(owner.scope, id))
                .await?;
            AutoReplyView::saved(&saved, action(id), &zone)
        }
    };
    let (zone, zone_error) = match typed.zone {
        Some((typed, error)) => (typed, Some(error)),
        None => (zone, None),
    };
    Ok(MailboxAutoReplyPage {
        frame: frame(owner),
        mailbox,
        notice: notice.map(str::to_owned),
        auto_reply,
        zone,
        zone_error,
    })
}
