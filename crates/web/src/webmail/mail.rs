//! Where the owner lands: the mailbox's folders, the chosen folder's messages (newest first)
//! and a message's text. Opening a message marks it read, as a mail app would.

use super::MailState;
use super::message_text::Parsed;
use super::owner::MailOwner;
use super::pages::{FolderLink, Frame, InboxPage, MessageRow, ReadPage};
use crate::error::WebError;
use crate::views::render;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use trekmail_core::mail::{FlagChange, Flags, Folder, INBOX};

/// The list shows this many of a folder's newest messages.
const PAGE: usize = 50;
/// What a list reads of each message: its headers fit, its body need not be read.
const HEAD_BYTES: usize = 64 * 1024;
const SEEN: &str = "\\Seen";

#[derive(Deserialize, Default)]
pub struct FolderQuery {
    folder: Option<i64>,
}

#[derive(Deserialize)]
pub struct ReadQuery {
    folder: i64,
    uid: u32,
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

/// One of the owner's own folders; any other id is not found.
fn chosen(folders: &[Folder], id: i64) -> Result<Folder, WebError> {
    folders
        .iter()
        .find(|f| f.id.0 == id)
        .cloned()
        .ok_or(WebError::NotFound)
}

pub(super) fn frame(owner: &MailOwner) -> Frame {
    Frame {
        address: owner.address.clone(),
        csrf: owner.csrf.clone(),
    }
}
