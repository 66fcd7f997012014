//! One part of a message as an answer of its own: an image the HTML shows in place, or an
//! attachment to save. Only raster images are served as what they are; anything else is
//! `application/octet-stream` and always `attachment`, never sniffed and under a sandboxing
//! policy, so nothing a sender attached can open as a page of this site.

use super::MailState;
use super::download_name::{content_disposition, file_name};
use super::message_parts::{attachment, safe_image_type};
use super::owner::MailOwner;
use super::reading::open;
use crate::error::WebError;
use axum::extract::{Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use mail_parser::{MessageParser, MimeHeaders};
use serde::Deserialize;

const SANDBOXED: &str = "sandbox; default-src 'none'";
const DOWNLOAD_TYPE: &str = "application/octet-stream";

#[derive(Deserialize)]
pub struct PartQuery {
    folder: i64,
    uid: u32,
    part: u32,
    /// Present: save it, even an image.
    download: Option<u8>,
}

pub async fn part(
    State(state): State<MailState>,
    owner: MailOwner,
    Query(query): Query<PartQuery>,
) -> Result<Response, WebError> {
    let opened = open(&state, &owner, query.folder, query.uid).await?;
    let message = MessageParser::default()
        .parse(&opened.body)
        .ok_or(WebError::NotFound)?;
    let part = attachment(&message, query.part).ok_or(WebError::NotFound)?;
    let image = safe_image_type(part);
    let kind = match (image, query.download) {
        (Some(_), None) => "inline",
        _ => "attachment",
    };
    let disposition = content_disposition(kind, &file_name(part.attachment_name()));
    Ok((
        [
            (header::CONTENT_TYPE, image.unwrap_or(DOWNLOAD_TYPE)),
            (header::CONTENT_SECURITY_POLICY, SANDBOXED),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        ],
        [(header::CONTENT_DISPOSITION, disposition)],
        part.contents().to_vec(),
    )
        .into_response())
}
