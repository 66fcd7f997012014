//! The mailbox page: its folders and the chosen folder's messages, newest first.

use super::MailState;
use super::brand::Brand;
use super::mail::{FolderLink, HEAD_BYTES, SEEN, chosen, frame};
use super::message_text::Parsed;
use super::owner::MailOwner;
use super::pages::Frame;
use crate::error::WebError;
use crate::views::render;
use askama::Template;
use axum::Router;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde::Deserialize;
use trekmail_core::mail::INBOX;

/// The list shows this many of a folder's newest messages.
const PAGE: usize = 50;

pub(super) fn routes() -> Router<MailState> {
    Router::new().route("/", get(inbox))
}

/// One message in the list.
pub struct MessageRow {
    pub uid: u32,
    pub from: String,
    pub subject: String,
    pub date: String,
    pub unread: bool,
}

#[derive(Template)]
#[template(path = "webmail/inbox.html")]
pub struct InboxPage {
    pub brand: Brand,
    pub frame: Frame,
    pub folders: Vec<FolderLink>,
    pub folder: String,
    pub folder_id: i64,
    pub messages: Vec<MessageRow>,
    /// How many older messages are not listed.
    pub more: usize,
}

#[derive(Deserialize, Default)]
pub struct FolderQuery {
    folder: Option<i64>,
}

pub async fn inbox(
    State(state): State<MailState>,
    owner: MailOwner,
    Query(query): Query<FolderQuery>,
) -> Result<Response, WebError> {
    let core = &state.core;
    let mut folders = core.folders(&owner.access).await?;
    // INBOX first, the others by name, as mail apps list them.
    folders.sort_by_key(|f| (!f.name.eq_ignore_ascii_case(INBOX), f.name.clone()));
    let current = match query.folder {
        Some(id) => chosen(&folders, id)?,
        None => folders
            .iter()
            .find(|f| f.name.eq_ignore_ascii_case(INBOX))
            .or(folders.first())
            .cloned()
            .ok_or(WebError::NotFound)?,
    };
    let all = core.messages(&owner.access, &current).await?;
    let more = all.len().saturating_sub(PAGE);
    let mut messages = Vec::new();
    for meta in all.iter().rev().take(PAGE) {
        let head = core
            .message_head(&owner.access, &current, meta, HEAD_BYTES)
            .await?;
        let parsed = Parsed::headers_only(&head);
        messages.push(MessageRow {
            uid: meta.uid,
            from: parsed.from,
            subject: parsed.subject,
            date: meta.internal_date.format("%Y-%m-%d %H:%M").to_string(),
            unread: !meta.flags.contains(SEEN),
        });
    }
    let page = InboxPage {
        brand: owner.brand.clone(),
        frame: frame(&owner),
        folders: folders
            .iter()
            .map(|f| FolderLink {
                id: f.id.0,
                name: f.name.clone(),
                current: f.id == current.id,
            })
            .collect(),
        folder: current.name.clone(),
        folder_id: current.id.0,
        messages,
        more,
    };
    Ok(render(&page).into_response())
}
