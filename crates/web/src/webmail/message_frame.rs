//! The document of the frame a message's HTML is shown in: the sanitised HTML and nothing
//! else, under a policy of its own. No script at all; images only from this site and `data:`,
//! and from the web only once the owner asked; framed only by this site's reading page, which
//! sandboxes it; and sandboxed even when opened alone.
//!
//! The message's own images (`cid:`) are written into the document as `data:` URLs. The
//! sandboxed frame has an opaque origin, so the browser sends no SameSite session cookie with
//! the frame's own requests: an image fetched from `/read/part` would be refused as signed
//! out.

use super::MailState;
use super::message_parts::{html_body, inline_images, safe_image_type};
use super::owner::MailOwner;
use super::reading::{ReadQuery, open};
use super::safe_html::{self, Images, SafeHtml};
use crate::error::WebError;
use crate::views::render;
use askama::Template;
use axum::extract::{Query, State};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use data_encoding::BASE64;
use mail_parser::{Message, MessageParser};

/// Remote images hidden: nothing but this site's images, `data:` ones and inline styles.
const LOCAL_ONLY: &str = "default-src 'none'; img-src 'self' data:; style-src 'unsafe-inline'; \
                          frame-ancestors 'self'; base-uri 'none'; form-action 'none'; \
                          sandbox allow-popups allow-popups-to-escape-sandbox";
/// Remote images shown, as the owner asked: HTTPS images too.
const WITH_REMOTE: &str = "default-src 'none'; img-src 'self' data: https:; \
                           style-src 'unsafe-inline'; frame-ancestors 'self'; base-uri 'none'; \
                           form-action 'none'; sandbox allow-popups allow-popups-to-escape-sandbox";

#[derive(Template)]
#[template(path = "webmail/message_frame.html")]
pub struct FramePage {
    /// Sanitised by `safe_html`: the only HTML of the sender's that is ever served.
    pub html: String,
}

pub async fn document(
    State(state): State<MailState>,
    owner: MailOwner,
    Query(query): Query<ReadQuery>,
) -> Result<Response, WebError> {
    let opened = open(&state, &owner, query.folder, query.uid).await?;
    let message = MessageParser::default()
        .parse(&opened.body)
        .ok_or(WebError::NotFound)?;
    let html = html_body(&message).ok_or(WebError::NotFound)?;
    let remote = query.remote_images();
    let safe = sanitised(&message, &html, remote);
    let mut response = render(&FramePage { html: safe.html }).into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(match remote {
            true => WITH_REMOTE,
            false => LOCAL_ONLY,
        }),
    );
    headers.insert(
        header::X_FRAME_OPTIONS,
        HeaderValue::from_static("SAMEORIGIN"),
    );
    Ok(response)
}

/// The message's HTML made safe, its own images written in as `data:` URLs.
fn sanitised(message: &Message<'_>, html: &str, remote: bool) -> SafeHtml {
    let inline = inline_images(message)
        .into_iter()
        .filter_map(|(cid, id)| {
            let part = message.parts.get(id as usize)?;
            let kind = safe_image_type(part)?;
            Some((
                cid,
                format!("data:{kind};base64,{}", BASE64.encode(part.contents())),
            ))
        })
        .collect();
    safe_html::clean(html, Images { inline, remote })
}
