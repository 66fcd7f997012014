//! Settings → Incoming mail: the owner's own addresses and forwarding (read-only: those are
//! the admin's), and their auto-reply and allowed and blocked senders, which they manage
//! themselves.

use super::MailState;
use super::owner::MailOwner;
use super::pages::{Frame, IncomingPage};
use crate::auto_reply_form::{self, AutoReplyForm, AutoReplyView};
use crate::error::WebError;
use crate::sender_forms::{self, SenderForm, Typed as SendersTyped};
use crate::sign_in::CsrfForm;
use crate::views::render;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use trekmail_core::ids::SenderFilterId;
use trekmail_core::routing::Subaddressing;
use trekmail_core::services::Manager;

/// Where the sender forms post.
const SENDERS: &str = "/settings/senders";

/// Where the auto-reply form posts.
const AUTO_REPLY: &str = "/settings/auto-reply";

/// What the page was sent back for, after a change.
#[derive(Deserialize, Default)]
pub struct Done {
    added: Option<u8>,
    removed: Option<u8>,
    saved: Option<u8>,
}

/// The page's forms as typed, when one was refused.
#[derive(Default)]
struct Typed {
    senders: SendersTyped,
    auto_reply: Option<AutoReplyView>,
}

pub async fn page(
    State(state): State<MailState>,
    owner: MailOwner,
    Query(done): Query<Done>,
) -> Result<Response, WebError> {
    let notice = match (done.added, done.removed, done.saved) {
        (Some(_), _, _) => Some("Sender added. It applies to the next message."),
        (_, Some(_), _) => Some("Sender removed. It applies to the next message."),
        (_, _, Some(_)) => Some("Auto-reply saved. It applies to the next message."),
        _ => None,
    };
    show(&state, &owner, notice, Typed::default()).await
}

pub async fn add_sender(
    State(state): State<MailState>,
    owner: MailOwner,
    Form(form): Form<SenderForm>,
) -> Result<Response, WebError> {
    owner.check_csrf(&form.csrf)?;
    let manager = Manager::Owner(&owner.access);
    match sender_forms::add(&state.core, manager, form, &owner.actor()).await? {
        None => Ok(Redirect::to("/settings/mail?added=1#senders").into_response()),
        Some(senders) => {
            let typed = Typed {
                senders,
                auto_reply: None,
            };
            show(&state, &owner, None, typed).await
        }
    }
}

pub async fn save_auto_reply(
    State(state): State<MailState>,
    owner: MailOwner,
    Form(form): Form<AutoReplyForm>,
) -> Result<Response, WebError> {
    owner.check_csrf(&form.csrf)?;
    let zone = zone_of(&state, &owner).await?;
    let manager = Manager::Owner(&owner.access);
    let refused = auto_reply_form::save(
        &state.core,
        manager,
        form,
        &owner.actor(),
        AUTO_REPLY.to_owned(),
        &zone,
    )
    .await?;
    match refused {
        None => Ok(Redirect::to("/settings/mail?saved=1#auto-reply").into_response()),
        Some(view) => {
            let typed = Typed {
                senders: SendersTyped::default(),
                auto_reply: Some(view),
            };
            show(&state, &owner, None, typed).await
        }
    }
}

/// The time zone of the owner's account, whose days the auto-reply's dates are.
async fn zone_of(state: &MailState, owner: &MailOwner) -> Result<String, WebError> {
    let zone = state
        .core
        .time_zone_of(Manager::Owner(&owner.access))
        .await?;
    Ok(zone.name().to_owned())
}

pub async fn remove_sender(
    State(state): State<MailState>,
    owner: MailOwner,
    Path(id): Path<i64>,
    Form(form): Form<CsrfForm>,
) -> Result<Response, WebError> {
    owner.check_csrf(&form.csrf)?;
    state
        .core
        .remove_sender_filter(
            Manager::Owner(&owner.access),
            SenderFilterId(id),
            &owner.actor(),
        )
        .await?;
    Ok(Redirect::to("/settings/mail?removed=1#senders").into_response())
}

async fn show(
    state: &MailState,
    owner: &MailOwner,
    notice: Option<&str>,
    typed: Typed,
) -> Result<Response, WebError> {
    let core = &state.core;
    let manager = Manager::Owner(&owner.access);
    let mut addresses = vec![owner.address.clone()];
    addresses.extend(
        core.aliases(manager)
            .await?
            .into_iter()
            .map(|a| a.address.to_string()),
    );
    let routing = core.routing(manager).await?;
    let forwards = core
        .forwards(manager)
        .await?
        .into_iter()
        .map(|f| f.destination.to_string())
        .collect();
    let subaddressing = match routing.subaddressing {
        Subaddressing::Off => "refused",
        Subaddressing::Inbox => "delivered to INBOX",
        Subaddressing::Folders => {
            "filed into the folder named by the tag when there is one, INBOX otherwise"
        }
    };
    let page = IncomingPage {
        brand: owner.brand.clone(),
        frame: Frame {
            address: owner.address.clone(),
            csrf: owner.csrf.clone(),
        },
        notice: notice.map(str::to_owned),
        addresses,
        subaddressing,
        forwards,
        keep_copy: routing.keep_copy,
        senders: sender_forms::view(core, manager, SENDERS.to_owned(), typed.senders).await?,
        auto_reply: match typed.auto_reply {
            Some(view) => view,
            None => {
                let zone = zone_of(state, owner).await?;
                let saved = core.auto_reply(manager).await?;
                AutoReplyView::saved(&saved, AUTO_REPLY.to_owned(), &zone)
            }
        },
    };
    Ok(render(&page).into_response())
}
