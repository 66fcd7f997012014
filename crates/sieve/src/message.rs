//! What tests read from the message: top-level header fields (raw, decoded, in order), the
//! size, and the body in the three forms of RFC 5173, all via mail-parser.

use std::borrow::Cow;

use mail_parser::decoders::html::html_to_text;
use mail_parser::parsers::MessageStream;
use mail_parser::{HeaderValue, Message, MessageParser, MimeHeaders, PartType};

/// A parsed message; a message mail-parser cannot read has no header and an empty body.
pub(crate) struct Mail<'a> {
    raw: &'a [u8],
    parsed: Option<Message<'a>>,
}

impl<'a> Mail<'a> {
    pub fn parse(raw: &'a [u8]) -> Mail<'a> {
        Mail {
            raw,
            parsed: MessageParser::new().with_mime_headers().parse(raw),
        }
    }

    pub fn size(&self) -> u64 {
        u64::try_from(self.raw.len()).unwrap_or(u64::MAX)
    }

    /// The raw values (after the colon, up to the end of the field) of the top-level fields
    /// named `name`, in message order.
    pub fn fields(&self, name: &str) -> Vec<&'a [u8]> {
        let Some(message) = &self.parsed else {
            return Vec::new();
        };
        message
            .root_part()
            .headers
            .iter()
            .filter(|h| h.name.as_str().eq_ignore_ascii_case(name))
            .filter_map(|h| {
                let start = usize::try_from(h.offset_start).ok()?;
                let end = usize::try_from(h.offset_end).ok()?;
                self.raw.get(start..end)
            })
            .collect()
    }

    pub fn has_field(&self, name: &str) -> bool {
        !self.fields(name).is_empty()
    }

    /// The body after the top-level header, undecoded (`:raw`).
    pub fn raw_body(&self) -> String {
        let start = self
            .parsed
            .as_ref()
            .and_then(|m| usize::try_from(m.root_part().offset_body).ok())
            .unwrap_or(self.raw.len());
        String::from_utf8_lossy(self.raw.get(start..).unwrap_or_default()).into_owned()
    }

    /// The decoded leaf parts whose type `wanted` accepts, nested messages included.
    pub fn parts(&self, wanted: impl Fn(&str, &str) -> bool) -> Vec<String> {
        let mut out = Vec::new();
        let mut pending: Vec<&Message<'_>> = self.parsed.iter().collect();
        while let Some(message) = pending.pop() {
            for part in &message.parts {
                let (ctype, subtype) = part.content_type().map_or(
                    (Cow::Borrowed("text"), Cow::Borrowed("plain")),
                    |ct| {
                        (
                            Cow::Owned(ct.c_type.to_ascii_lowercase()),
                            Cow::Owned(
                                ct.c_subtype
                                    .as_deref()
                                    .unwrap_or_default()
                                    .to_ascii_lowercase(),
                            ),
                        )
                    },
                );
                let text = match &part.body {
                    PartType::Text(text) | PartType::Html(text) => text.to_string(),
                    PartType::Binary(bytes) | PartType::InlineBinary(bytes) => {
                        String::from_utf8_lossy(bytes).into_owned()
                    }
                    PartType::Message(inner) => {
                        pending.push(inner);
                        continue;
                    }
                    PartType::Multipart(_) => continue,
                };
                if wanted(&ctype, &subtype) {
                    out.push(text);
                }
            }
        }
        out
    }

    /// The text parts as plain text, HTML rendered (`:text`).
    pub fn texts(&self) -> Vec<String> {
        let mut out = Vec::new();
        let mut pending: Vec<&Message<'_>> = self.parsed.iter().collect();
        while let Some(message) = pending.pop() {
            for part in &message.parts {
                match &part.body {
                    PartType::Text(text) => out.push(text.to_string()),
                    PartType::Html(html) => out.push(html_to_text(html)),
                    PartType::Message(inner) => pending.push(inner),
                    _ => {}
                }
            }
        }
        out
    }
}

/// A raw header value unfolded and with RFC 2047 words decoded, trimmed.
pub(crate) fn decode_text(raw: &[u8]) -> String {
    let mut owned = raw.to_vec();
    owned.push(b'\n');
    match MessageStream::new(&owned).parse_unstructured() {
        HeaderValue::Text(text) => text.trim().to_string(),
        _ => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MAIL: &[u8] = b"From: a@x.org\r\nSubject: =?utf-8?q?caf=C3=A9?=\r\n  folded\r\nX-A: 1\r\nx-a: 2\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\nhello\r\n--b\r\nContent-Type: text/html\r\n\r\n<p>world</p>\r\n--b--\r\n";

    #[test]
    fn headers_in_order_and_decoded() {
        let m = Mail::parse(MAIL);
        let fields = m.fields("x-a");
        assert_eq!(fields.len(), 2);
        assert_eq!(
            decode_text(fields.first().copied().unwrap_or_default()),
            "1"
        );
        let subject = m.fields("subject");
        assert_eq!(
            decode_text(subject.first().copied().unwrap_or_default()),
            "café folded"
        );
    }

    #[test]
    fn body_forms() {
        let m = Mail::parse(MAIL);
        assert!(m.raw_body().contains("<p>world</p>"));
        let plain = m.parts(|t, s| t == "text" && s == "plain");
        assert_eq!(plain.len(), 1);
        assert!(
            m.texts()
                .iter()
                .any(|t| t.contains("world") && !t.contains('<'))
        );
    }
}
