//! A message opened: its headers, its text with links made clickable, its HTML (sanitised, in
//! a sandboxed frame whose document is `/read/html`, never in this page) and its attachments
//! (served by `/read/part`). Remote images stay hidden until the owner asks for them, for
//! this message and this view only. Opening a message marks it read, as a mail app would.

use super::MailState;
use super::brand::Brand;
use super::linkified_text::{Segment, linkify};
use super::mail::{FolderLink, SEEN, chosen, frame};
use super::message_parts::{Attachment, attachments, html_body, plain_text};
use super::message_text::Parsed;
use super::owner::MailOwner;
use super::pages::Frame;
use super::safe_html::{self, Images};
use super::{message_download, message_frame};
use crate::error::WebError;
use crate::headers::CSP;
use crate::views::render;
use askama::Template;
use axum::Router;
use axum::extract::{Query, State};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use mail_parser::MessageParser;
use serde::Deserialize;
use std::collections::HashMap;
use trekmail_core::mail::{FlagChange, Flags, Folder, MessageMeta};

pub(super) fn routes() -> Router<MailState> {
    Router::new()
        .route("/read", get(read))
        .route("/read/html", get(message_frame::document))
        .route("/read/part", get(message_download::part))
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
    /// The plain text (an HTML message's text version, if it has one), links clickable.
    pub text: Vec<Segment>,
    /// How the HTML body is framed; `None` for a message without one.
    pub html: Option<HtmlView>,
    pub attachments: Vec<Attachment>,
}

/// The reading page's view of an HTML body (the body itself is only in the frame).
pub struct HtmlView {
    /// Whether remote images are shown, as the owner asked.
    pub remote: bool,
    /// Remote images held back, for "Show images".
    pub hidden_remote: usize,
}

#[derive(Deserialize)]
pub struct ReadQuery {
    pub folder: i64,
    pub uid: u32,
    /// `1`: show this message's remote images.
    pub images: Option<u8>,
}

impl ReadQuery {
    pub fn remote_images(&self) -> bool {
        self.images == Some(1)
    }
}

/// One of the owner's own messages, its body read once.
pub(super) struct Opened {
    pub folders: Vec<Folder>,
    pub folder: Folder,
    pub meta: MessageMeta,
    pub body: Vec<u8>,
}

/// Message `uid` of the owner's folder `folder`; another folder's, another mailbox's or a
/// missing one is not found. Only that message is read, not the folder's list.
pub(super) async fn open(
    state: &MailState,
    owner: &MailOwner,
    folder: i64,
    uid: u32,
) -> Result<Opened, WebError> {
    let core = &state.core;
    let folders = core.folders(&owner.access).await?;
    let folder = chosen(&folders, folder)?;
    let meta = core
        .messages_with_uids(&owner.access, &folder, &[uid])
        .await?
        .into_iter()
        .find(|m| m.uid == uid)
        .ok_or(WebError::NotFound)?;
    let body = core.message_body(&owner.access, &folder, &meta).await?;
    Ok(Opened {
        folders,
        folder,
        meta,
        body,
    })
}

pub async fn read(
    State(state): State<MailState>,
    owner: MailOwner,
    Query(query): Query<ReadQuery>,
) -> Result<Response, WebError> {
    let opened = open(&state, &owner, query.folder, query.uid).await?;
    let (folder, meta) = (&opened.folder, &opened.meta);
    if !meta.flags.contains(SEEN) {
        state
            .core
            .store_flags(
                &owner.access,
                folder,
                &[meta.uid],
                FlagChange::Add,
                &Flags::new([SEEN]),
            )
            .await?;
    }
    let message = MessageParser::default().parse(&opened.body);
    let (parsed, html, text, listed) = match &message {
        Some(message) => {
            let parsed = Parsed::of(message);
            let html = html_body(message);
            let view = html.as_deref().map(|html| {
                // Only to count what it holds back: this page never holds the HTML.
                let images = Images {
                    inline: HashMap::new(),
                    remote: query.remote_images(),
                };
                let safe = safe_html::clean(html, images);
                HtmlView {
                    remote: query.remote_images(),
                    hidden_remote: safe.hidden_remote,
                }
            });
            let text = match view {
                Some(_) => plain_text(message).unwrap_or_default(),
                None => parsed.text.clone(),
            };
            let listed = attachments(message, html.as_deref());
            (parsed, view, text, listed)
        }
        None => {
            let parsed = Parsed::not_a_message();
            let text = parsed.text.clone();
            (parsed, None, text, Vec::new())
        }
    };
    let page = ReadPage {
        brand: owner.brand.clone(),
        frame: frame(&owner),
        folder: folder.name.clone(),
        folder_id: folder.id.0,
        uid: meta.uid,
        flagged: meta.flags.contains("\\Flagged"),
        folders: opened
            .folders
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
        text: linkify(&text),
        html,
        attachments: listed,
    };
    let mut response = render(&page).into_response();
    // The page's own policy, but for the message's frame: still no inline script.
    let policy = HeaderValue::from_str(&format!("{CSP}; frame-src 'self'"))
        .unwrap_or(HeaderValue::from_static(CSP));
    response
        .headers_mut()
        .insert(header::CONTENT_SECURITY_POLICY, policy);
    Ok(response)
}
