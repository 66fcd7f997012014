//! What a message holds besides its headers, as mail-parser reads it: its HTML body, its plain
//! text, the images its HTML shows by Content-ID, and its attachments, each known by its
//! number in mail-parser's list of parts (what the download links carry).

use super::download_name::file_name;
use mail_parser::{Message, MessagePart, MimeHeaders, PartType};
use std::collections::HashMap;

/// Image types a browser only draws, served as what they are; anything else is a download.
const SAFE_IMAGES: [(&str, &str); 5] = [
    ("png", "image/png"),
    ("jpeg", "image/jpeg"),
    ("jpg", "image/jpeg"),
    ("gif", "image/gif"),
    ("webp", "image/webp"),
];

/// One attachment, as the reading page lists it.
pub struct Attachment {
    pub part: u32,
    pub name: String,
    pub kind: String,
    pub size: String,
}

/// The message's HTML body parts, in order; `None` when it has none.
pub fn html_body(message: &Message<'_>) -> Option<String> {
    let html: Vec<&str> = bodies(message, &message.html_body)
        .filter_map(|part| match &part.body {
            PartType::Html(html) => Some(html.as_ref()),
            _ => None,
        })
        .collect();
    (!html.is_empty()).then(|| html.concat())
}

/// The message's plain-text body parts, in order; `None` when it has none.
pub fn plain_text(message: &Message<'_>) -> Option<String> {
    let text: Vec<&str> = bodies(message, &message.text_body)
        .filter_map(|part| match &part.body {
            PartType::Text(text) => Some(text.as_ref()),
            _ => None,
        })
        .collect();
    (!text.is_empty()).then(|| text.concat())
}

/// The message's images that HTML can show by `cid:`: Content-ID → part.
pub fn inline_images(message: &Message<'_>) -> HashMap<String, u32> {
    message
        .attachments
        .iter()
        .filter_map(|&id| {
            let part = message.parts.get(id as usize)?;
            safe_image_type(part)?;
            let cid = part.content_id()?.trim().trim_matches(['<', '>']);
            (!cid.is_empty()).then(|| (cid.to_owned(), id))
        })
        .collect()
}

/// The attachments, but for the images `html` shows in place.
pub fn attachments(message: &Message<'_>, html: Option<&str>) -> Vec<Attachment> {
    let inline = inline_images(message);
    message
        .attachments
        .iter()
        .filter(|id| {
            !inline.iter().any(|(cid, part)| {
                part == *id && html.is_some_and(|h| h.contains(&format!("cid:{cid}")))
            })
        })
        .filter_map(|&id| {
            let part = message.parts.get(id as usize)?;
            Some(Attachment {
                part: id,
                name: file_name(part.attachment_name()),
                kind: kind(part),
                size: size(part.contents().len()),
            })
        })
        .collect()
}

/// Attachment `id` of the message (an inline image is one too); no other part.
pub fn attachment<'m>(message: &'m Message<'_>, id: u32) -> Option<&'m MessagePart<'m>> {
    message
        .attachments
        .contains(&id)
        .then(|| message.parts.get(id as usize))
        .flatten()
}

/// The part's type if it is an image a browser only draws (no SVG: it can hold script).
pub fn safe_image_type(part: &MessagePart<'_>) -> Option<&'static str> {
    let kind = part.content_type()?;
    if !kind.c_type.eq_ignore_ascii_case("image") {
        return None;
    }
    let subtype = kind.c_subtype.as_deref()?.to_ascii_lowercase();
    SAFE_IMAGES
        .iter()
        .find(|(name, _)| *name == subtype)
        .map(|(_, served)| *served)
}

fn bodies<'m>(
    message: &'m Message<'_>,
    ids: &'m [u32],
) -> impl Iterator<Item = &'m MessagePart<'m>> {
    ids.iter().filter_map(|&id| message.parts.get(id as usize))
}

/// `type/subtype` as the message gives it, for the list.
fn kind(part: &MessagePart<'_>) -> String {
    match part.content_type() {
        Some(kind) => match &kind.c_subtype {
            Some(subtype) => format!("{}/{}", kind.c_type, subtype).to_ascii_lowercase(),
            None => kind.c_type.to_ascii_lowercase(),
        },
        None if part.is_message() => "message/rfc822".to_owned(),
        None => "application/octet-stream".to_owned(),
    }
}

fn size(bytes: usize) -> String {
    const KB: f64 = 1024.0;
    let exact = bytes as f64;
    match bytes {
        0..1024 => format!("{bytes} bytes"),
        1024..1_048_576 => format!("{:.1} KB", exact / KB),
        _ => format!("{:.1} MB", exact / (KB * KB)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use mail_parser::MessageParser;

    const MIXED: &[u8] = b"Content-Type: multipart/mixed; boundary=m\r\n\r\n\
--m\r\nContent-Type: multipart/related; boundary=r\r\n\r\n\
--r\r\nContent-Type: multipart/alternative; boundary=a\r\n\r\n\
--a\r\nContent-Type: text/plain\r\n\r\nplain words\r\n\
--a\r\nContent-Type: text/html\r\n\r\n<p>html <img src=\"cid:logo@x\"></p>\r\n\
--a--\r\n\
--r\r\nContent-Type: image/png\r\nContent-ID: <logo@x>\r\nContent-Transfer-Encoding: base64\r\n\r\niVBORw0KGgo=\r\n\
--r\r\nContent-Type: image/svg+xml\r\nContent-ID: <vector@x>\r\n\r\n<svg/>\r\n\
--r--\r\n\
--m\r\nContent-Type: text/html; name=\"../../evil\\\".html\"\r\nContent-Disposition: attachment; filename=\"../../evil\\\".html\"\r\n\r\n<script>x</script>\r\n\
--m--\r\n";

    #[test]
    fn finds_the_bodies_the_inline_images_and_the_attachments() {
        let message = MessageParser::default().parse(MIXED).unwrap();
        let html = html_body(&message).unwrap();
        assert!(
            html.contains("<p>html <img src=\"cid:logo@x\"></p>"),
            "{html}"
        );
        assert_eq!(plain_text(&message).unwrap().trim(), "plain words");
        let inline = inline_images(&message);
        assert_eq!(inline.keys().collect::<Vec<_>>(), vec!["logo@x"]);
        let listed = attachments(&message, Some(&html));
        let names: Vec<(&str, &str)> = listed
            .iter()
            .map(|a| (a.name.as_str(), a.kind.as_str()))
            .collect();
        assert_eq!(
            names,
            vec![("attachment", "image/svg+xml"), ("evil_.html", "text/html")]
        );
        let logo = attachment(&message, inline["logo@x"]).unwrap();
        assert_eq!(safe_image_type(logo), Some("image/png"));
        assert_eq!(logo.contents(), b"\x89PNG\r\n\x1a\n");
        let svg = attachment(&message, listed[0].part).unwrap();
        assert_eq!(safe_image_type(svg), None);
        // A body part is not an attachment.
        assert!(
            message
                .html_body
                .iter()
                .all(|&id| attachment(&message, id).is_none())
        );
        assert_eq!(listed[1].size, "18 bytes");
    }

    #[test]
    fn plain_messages_have_no_html() {
        let message = MessageParser::default()
            .parse(b"Content-Type: text/plain\r\n\r\nhi\r\n")
            .unwrap();
        assert_eq!(html_body(&message), None);
        assert_eq!(plain_text(&message).as_deref(), Some("hi\r\n"));
        assert!(attachments(&message, None).is_empty());
        assert_eq!(size(2048), "2.0 KB");
        assert_eq!(size(3 * 1024 * 1024), "3.0 MB");
    }
}
