//! A message opened: its headers and text. Opening a message marks it read, as a mail app
//! would.

use super::MailState;
use super::brand::Brand;
use super::mail::{FolderLink, SEEN, chosen, frame};
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
use trekmail_core::mail::{FlagChange, Flags};

pub(super) fn routes() -> Router<MailState> {
    Router::new().route("/read", get(read))
}

#[derive(Template)]
#[template(path = "webmail/read.html")]
pub struct ReadPage {
    pub brand: Brand,
    pub frame: Frame,
    pub folder: String,
    pub folder_id: i64,
    pub uid: u32,
    /// Whether the message is flagged, for the actions (`message_actions.html`).
    pub flagged: bool,
    /// The mailbox's folders, for "Move to".
    pub folders: Vec<FolderLink>,
    pub from: String,
    pub to: String,
    pub subject: String,
    pub date: String,
    pub text: String,
}

#[derive(Deserialize)]
pub struct ReadQuery {
    folder: i64,
    uid: u32,
}

pub async fn read(
    State(state): State<MailState>,
    owner: MailOwner,
    Query(query): Query<ReadQuery>,
) -> Result<Response, WebError> {
    let core = &state.core;
    let folders = core.folders(&owner.access).await?;
    let folder = chosen(&folders, query.folder)?;
    let meta = core
        .messages(&owner.access, &folder)
        .await?
        .into_iter()
        .find(|m| m.uid == query.uid)
        .ok_or(WebError::NotFound)?;
    let body = core.message_body(&owner.access, &folder, &meta).await?;
    if !meta.flags.contains(SEEN) {
        core.store_flags(
            &owner.access,
            &folder,
            &[meta.uid],
            FlagChange::Add,
            &Flags::new([SEEN]),
        )
        .await?;
    }
    let parsed = Parsed::whole(&body);
    let page = ReadPage {
        brand: owner.brand.clone(),
        frame: frame(&owner),
        folder: folder.name.clone(),
        folder_id: folder.id.0,
        uid: meta.uid,
        flagged: meta.flags.contains("\\Flagged"),
        folders: folders
            .iter()
            .map(|f| FolderLink {
                id: f.id.0,
                name: f.name.clone(),
                current: f.id == folder.id,
            })
            .collect(),
        from: parsed.from,
        to: parsed.to,
        subject: parsed.subject,
        date: match parsed.date.is_empty() {
            true => meta.internal_date.format("%Y-%m-%d %H:%M UTC").to_string(),
            false => parsed.date,
        },
        text: parsed.text,
    };
    Ok(render(&page).into_response())
}
