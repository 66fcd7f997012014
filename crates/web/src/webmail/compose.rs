//! Compose: a new message, a reply or a forward, written in one form that works without
//! JavaScript (the script saves the draft as the owner types and on leaving, and uploads
//! files with progress). Send goes through the core's submission path, on SMTP's rules.

use super::MailState;
use super::compose_form::{Action, ComposeForm, DRAINED_FACTOR, FieldError, Unread};
use super::compose_page::{SentPage, compose_page};
use super::drafts;
use super::mail::frame;
use super::outgoing_message::{Attachment, Bcc, MESSAGE_TYPE, Outgoing};
use super::owner::MailOwner;
use super::reading;
use super::reply_forward::{self, ReplyTo};
use crate::error::WebError;
use crate::views::render;
use axum::Router;
use axum::extract::{DefaultBodyLimit, FromRequest, Multipart, Query, Request, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Json, Redirect, Response};
use axum::routing::get;
use serde::Deserialize;
use trekmail_core::CoreError;
use trekmail_core::domain::EmailAddress;
use trekmail_core::security::random;
use trekmail_core::services::{Manager, Missed, SubmitRefused, Submitter};

/// What a form may add to the message's own size: its other fields and the multipart framing.
const FORM_OVERHEAD: usize = 1024 * 1024;

pub(super) fn routes(max_message_bytes: usize) -> Router<MailState> {
    Router::new()
        .route("/compose", get(page).post(submit))
        .layer(DefaultBodyLimit::max(
            max_message_bytes * DRAINED_FACTOR + FORM_OVERHEAD,
        ))
}

/// Where the form starts from.
#[derive(Deserialize, Default)]
pub struct Start {
    draft: Option<u32>,
    folder: Option<i64>,
    reply: Option<u32>,
    all: Option<u8>,
    forward: Option<u32>,
    attached: Option<u8>,
    to: Option<String>,
    saved: Option<u8>,
    too_large: Option<u8>,
}

pub async fn page(
    State(state): State<MailState>,
    owner: MailOwner,
    Query(start): Query<Start>,
) -> Result<Response, WebError> {
    let core = &state.core;
    let own = own_addresses(&state, &owner).await?;
    let mut attachments = Vec::new();
    let mut form = match (start.draft, start.folder, start.reply, start.forward) {
        (Some(uid), _, _, _) => {
            let raw = drafts::body(core, &owner.access, uid)
                .await?
                .ok_or(WebError::NotFound)?;
            let (form, files) = drafts::form_of(&raw, uid);
            attachments = files;
            form
        }
        (None, Some(folder), Some(uid), _) => {
            let raw = source(&state, &owner, folder, uid).await?;
            let whom = match start.all {
                Some(_) => ReplyTo::All,
                None => ReplyTo::Sender,
            };
            reply_forward::reply(&raw, &own, whom)
        }
        (None, Some(folder), None, Some(uid)) => {
            let raw = source(&state, &owner, folder, uid).await?;
            reply_forward::forward(&raw, (folder, uid), start.attached.is_some())
        }
        _ => ComposeForm {
            to: start.to.unwrap_or_default(),
            ..ComposeForm::default()
        },
    };
    if !own.iter().any(|a| a.as_str() == form.from) {
        form.from = owner.address.clone();
    }
    let mut page = compose_page(&state, &owner, own, form, &attachments);
    page.notice = start.saved.map(|_| "Draft saved.");
    if start.too_large.is_some() {
        page.error = Some(format!(
            "{} Nothing was sent; your last saved draft is in Drafts.",
            too_large_error(page.limit_mb)
        ));
    }
    Ok(render(&page).into_response())
}

pub async fn submit(
    State(state): State<MailState>,
    owner: MailOwner,
    headers: HeaderMap,
    request: Request,
) -> Result<Response, WebError> {
    let limit = state.options.max_message_bytes;
    let wants_json = wants_json(&headers);
    // Refused before a byte of the upload is read when the browser says it is far too large.
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok());
    if declared.is_some_and(|n| n > limit * DRAINED_FACTOR + FORM_OVERHEAD) {
        return Ok(too_large(limit, wants_json));
    }
    // A form that cannot be read has no token to show: refused like a forged one.
    let Ok(multipart) = Multipart::from_request(request, &state).await else {
        return Err(WebError::Csrf);
    };
    let form = match ComposeForm::read(multipart, limit).await {
        Ok(form) => form,
        Err(Unread::TooLarge) => return Ok(too_large(limit, wants_json)),
        Err(Unread::Malformed) => return Err(WebError::Csrf),
    };
    owner.check_csrf(&form.csrf)?;
    let core = &state.core;
    if form.action == Action::Discard {
        if let Some(uid) = form.draft {
            drafts::remove(core, &owner.access, uid).await?;
        }
        return Ok(Redirect::to("/").into_response());
    }
    let own = own_addresses(&state, &owner).await?;
    if form.oversized {
        let error = format!("{} Nothing was sent.", too_large_error(limit >> 20));
        if wants_json {
            return Ok(too_large(limit, true));
        }
        return reshow(&state, &owner, own, form, Some(error), Vec::new(), false).await;
    }
    let mut message = match form.outgoing(&own) {
        Ok(message) => message,
        Err(errors) => return reshow(&state, &owner, own, form, None, errors, wants_json).await,
    };
    message.attachments = attachments_of(&state, &owner, &form).await?;
    let size: usize = message.attachments.iter().map(|a| a.data.len()).sum();
    if size + message.text.len() > limit {
        let error = too_large_error(limit >> 20);
        return reshow(
            &state,
            &owner,
            own,
            form,
            Some(error),
            Vec::new(),
            wants_json,
        )
        .await;
    }
    let message_id = message_id(&message, &state.options.hostname)?;
    let now = core.clock().now();
    if form.action == Action::Save {
        let raw = message
            .build(&message_id, now, Bcc::Kept)
            .map_err(unwritten)?;
        let uid = drafts::save(core, &owner.access, &raw, form.draft).await?;
        return Ok(match wants_json {
            true => Json(serde_json::json!({ "draft": uid })).into_response(),
            false => Redirect::to(&format!("/compose?draft={uid}&saved=1")).into_response(),
        });
    }
    send(&state, &owner, own, form, message, &message_id).await
}

async fn send(
    state: &MailState,
    owner: &MailOwner,
    own: Vec<EmailAddress>,
    mut form: ComposeForm,
    message: Outgoing,
    message_id: &str,
) -> Result<Response, WebError> {
    let core = &state.core;
    let now = core.clock().now();
    let mailbox = core.own_mailbox(&owner.access).await?;
    let submitter = Submitter {
        access: &owner.access,
        mailbox: &mailbox,
    };
    let from = message.from.as_ref().map(|p| p.address.clone());
    let recipients = message.recipients();
    let raw = message
        .build(message_id, now, Bcc::Left)
        .map_err(unwritten)?;
    let refused = match &from {
        Some(from) => core.submit(submitter, from, &recipients, &raw).await,
        None => Err(SubmitRefused::NoFrom),
    };
    let copies = match refused {
        Ok(copies) => copies,
        Err(SubmitRefused::Core(e)) => return Err(e.into()),
        Err(refusal) => {
            // Nothing was sent: the message stays a draft, with its files, as it was typed.
            let draft = message
                .build(message_id, now, Bcc::Kept)
                .map_err(unwritten)?;
            form.draft = Some(drafts::save(core, &owner.access, &draft, form.draft).await?);
            form.forward = None;
            let error = format!("Not sent: {refusal}.");
            return reshow(state, owner, own, form, Some(error), Vec::new(), false).await;
        }
    };
    if let Some(uid) = form.draft {
        drafts::remove(core, &owner.access, uid).await?;
    }
    let page = SentPage {
        brand: owner.brand.clone(),
        frame: frame(owner),
        recipients: recipients.iter().map(|a| a.as_str().to_owned()).collect(),
        missed: copies
            .missed
            .iter()
            .map(|(address, why)| (address.as_str().to_owned(), missed_reason(why)))
            .collect(),
    };
    Ok(render(&page).into_response())
}

fn missed_reason(why: &Missed) -> &'static str {
    match why {
        Missed::Full => "their mailbox is full",
        Missed::Blocked | Missed::Rejected(_) => "their rules refused it",
        Missed::Failed => "it could not be stored; try again later",
    }
}

/// The form shown again with what was typed, the attachments it already had and why it was
/// not taken; for the autosave, the errors as JSON.
async fn reshow(
    state: &MailState,
    owner: &MailOwner,
    own: Vec<EmailAddress>,
    form: ComposeForm,
    error: Option<String>,
    errors: Vec<FieldError>,
    wants_json: bool,
) -> Result<Response, WebError> {
    if wants_json {
        let messages: Vec<String> = error
            .into_iter()
            .chain(errors.iter().map(|e| format!("{}: {}", e.field, e.message)))
            .collect();
        let body = Json(serde_json::json!({ "errors": messages }));
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, body).into_response());
    }
    let kept = match form.draft {
        Some(uid) => match drafts::body(&state.core, &owner.access, uid).await? {
            Some(raw) => drafts::attachments(&raw),
            None => Vec::new(),
        },
        None => Vec::new(),
    };
    let mut page = compose_page(state, owner, own, form, &kept);
    page.error = error;
    page.errors = errors;
    Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)).into_response())
}

/// What the message carries: the draft's files the owner kept, a forwarded message's (until
/// the first draft holds them), and the new uploads.
async fn attachments_of(
    state: &MailState,
    owner: &MailOwner,
    form: &ComposeForm,
) -> Result<Vec<Attachment>, WebError> {
    let mut files = Vec::new();
    match (form.draft, form.forward) {
        (Some(uid), _) => {
            if let Some(raw) = drafts::body(&state.core, &owner.access, uid).await? {
                let kept = drafts::attachments(&raw).into_iter().enumerate();
                files.extend(
                    kept.filter(|(i, _)| !form.removed.contains(i))
                        .map(|(_, a)| a),
                );
            }
        }
        (None, Some((folder, uid))) => {
            let raw = source(state, owner, folder, uid).await?;
            match form.forward_attached {
                true => files.push(Attachment {
                    name: "forwarded-message.eml".into(),
                    content_type: MESSAGE_TYPE.into(),
                    data: raw,
                }),
                false => files.extend(drafts::attachments(&raw)),
            }
        }
        (None, None) => {}
    }
    files.extend(form.files.iter().cloned());
    Ok(files)
}

/// A message of the owner's own folder, answered or forwarded.
async fn source(
    state: &MailState,
    owner: &MailOwner,
    folder: i64,
    uid: u32,
) -> Result<Vec<u8>, WebError> {
    Ok(reading::open(state, owner, folder, uid).await?.body)
}

/// The mailbox's address, then its aliases: what From may be.
async fn own_addresses(
    state: &MailState,
    owner: &MailOwner,
) -> Result<Vec<EmailAddress>, WebError> {
    let mailbox = state.core.own_mailbox(&owner.access).await?;
    let mut own = vec![mailbox.address];
    let aliases = state.core.aliases(Manager::Owner(&owner.access)).await?;
    own.extend(aliases.into_iter().map(|a| a.address));
    Ok(own)
}

/// A new Message-ID at the sender's domain (RFC 5322 3.6.4), or this server's name.
fn message_id(message: &Outgoing, hostname: &str) -> Result<String, WebError> {
    let domain = message
        .from
        .as_ref()
        .map_or(hostname, |p| p.address.domain());
    Ok(format!("{}@{domain}", random::hex_token()?))
}

fn wants_json(headers: &HeaderMap) -> bool {
    headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"))
}

/// The upload is refused whole: the draft stays as it was last saved.
fn too_large(limit: usize, wants_json: bool) -> Response {
    match wants_json {
        true => {
            let errors = [too_large_error(limit >> 20)];
            let body = Json(serde_json::json!({ "errors": errors }));
            (StatusCode::PAYLOAD_TOO_LARGE, body).into_response()
        }
        false => Redirect::to("/compose?too_large=1").into_response(),
    }
}

fn too_large_error(limit_mb: usize) -> String {
    format!("The attachments are larger than the {limit_mb} MB limit.")
}

fn unwritten(e: std::io::Error) -> WebError {
    WebError::Core(CoreError::Storage(format!(
        "the message could not be written: {e}"
    )))
}
