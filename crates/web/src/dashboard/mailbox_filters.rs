//! A mailbox's settings page, Filters tab: allowed and blocked senders, and whether blocked
//! mail is refused or filed into Junk.

use super::AppState;
use super::mailbox_tabs::{Changed, Tab, frame, header_of};
use crate::error::WebError;
use crate::sender_forms::{self, SenderForm, Typed};
use crate::session::Owner;
use crate::sign_in::CsrfForm;
use crate::views::{Choice, MailboxFiltersPage, render};
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use trekmail_core::CoreError;
use trekmail_core::ids::{MailboxId, SenderFilterId};
use trekmail_core::routing::BlockedMail;
use trekmail_core::services::Manager;

#[derive(Deserialize)]
pub struct BlockedMailForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    blocked_mail: String,
}

pub async fn page(
    State(state): State<AppState>,
    owner: Owner,
    Path(id): Path<i64>,
    Query(done): Query<Changed>,
) -> Result<Response, WebError> {
    let notice = done.notice(
        "Sender added. It applies to the next message.",
        "Sender removed. It applies to the next message.",
    );
    let page = filters_page(&state, &owner, MailboxId(id), notice, Typed::default()).await?;
    Ok(render(&page).into_response())
}

pub async fn add(
    State(state): State<AppState>,
    owner: Owner,
    Path(id): Path<i64>,
    Form(form): Form<SenderForm>,
) -> Result<Response, WebError> {
    owner.check_csrf(&form.csrf)?;
    let id = MailboxId(id);
    let manager = Manager::Admin(owner.scope, id);
    match sender_forms::add(&state.core, manager, form, &owner.actor()).await? {
        None => Ok(Tab::Filters.back(id, "added=1#senders")),
        Some(typed) => {
            Ok(render(&filters_page(&state, &owner, id, None, typed).await?).into_response())
        }
    }
}

pub async fn remove(
    State(state): State<AppState>,
    owner: Owner,
    Path((id, entry)): Path<(i64, i64)>,
    Form(form): Form<CsrfForm>,
) -> Result<Response, WebError> {
    owner.check_csrf(&form.csrf)?;
    let id = MailboxId(id);
    state
        .core
        .remove_sender_filter(
            Manager::Admin(owner.scope, id),
            SenderFilterId(entry),
            &owner.actor(),
        )
        .await?;
    Ok(Tab::Filters.back(id, "removed=1#senders"))
}

pub async fn blocked_mail(
    State(state): State<AppState>,
    owner: Owner,
    Path(id): Path<i64>,
    Form(form): Form<BlockedMailForm>,
) -> Result<Response, WebError> {
    owner.check_csrf(&form.csrf)?;
    let id = MailboxId(id);
    let choice = form
        .blocked_mail
        .parse::<BlockedMail>()
        .map_err(|e| WebError::Core(CoreError::Invalid(e)))?;
    state
        .core
        .set_blocked_mail(owner.scope, id, choice, &owner.actor())
        .await?;
    Ok(Tab::Filters.back(id, "saved=1#blocked-mail"))
}

async fn filters_page(
    state: &AppState,
    owner: &Owner,
    id: MailboxId,
    notice: Option<&str>,
    typed: Typed,
) -> Result<MailboxFiltersPage, WebError> {
    let core = &state.core;
    let mailbox = header_of(state, owner, id, Tab::Filters).await?;
    let manager = Manager::Admin(owner.scope, id);
    let routing = core.routing(manager).await?;
    let blocked_mail = BlockedMail::ALL
        .iter()
        .map(|&b| Choice {
            value: b.as_str(),
            label: match b {
                BlockedMail::Refuse => "Refuse it",
                BlockedMail::Junk => "File it into Junk",
            },
            hint: match b {
                BlockedMail::Refuse => {
                    "The sender's server is told 550 5.7.1 and nothing is stored.".to_owned()
                }
                BlockedMail::Junk => {
                    "The message is accepted and kept in the Junk folder.".to_owned()
                }
            },
            checked: b == routing.blocked,
        })
        .collect();
    Ok(MailboxFiltersPage {
        frame: frame(owner),
        mailbox,
        notice: notice.map(str::to_owned),
        senders: sender_forms::view(core, manager, format!("/mailboxes/{}/filters", id.0), typed)
            .await?,
        blocked_mail,
    })
}
