//! What SEARCH, SORT and THREAD read of a message, as decoded text: header fields with RFC 2047
//! words decoded, addresses as `name <address>`, the Date: field, and the body decoded per
//! content-transfer-encoding and charset. Parsing is mail-parser's; this file only says which
//! of its values a key compares.

use chrono::{DateTime, FixedOffset, NaiveDate, TimeZone};
use mail_parser::{Address, Header, HeaderValue, Message, MessageParser, PartType};
use std::borrow::Cow;

/// How much of a message the facts hold: SEARCH reads the body only for BODY and TEXT.
pub struct Parsed<'a> {
    /// `None` when the bytes have no header at all (mail-parser's empty message cannot be
    /// asked anything).
    message: Option<Message<'a>>,
    /// Whether `message` has its body, not only its header.
    pub whole: bool,
}

/// Unknown fields are decoded too, so `HEADER X-Anything` compares text, not encoded words.
fn parser() -> MessageParser {
    use mail_parser::HeaderName;
    MessageParser::new()
        .with_mime_headers()
        .with_date_headers()
        .with_address_headers()
        .with_message_ids()
        .header_text(HeaderName::Subject)
        .header_text(HeaderName::Comments)
        .header_comma_separated(HeaderName::Keywords)
        .header_raw(HeaderName::Received)
        .default_header_text()
}

impl<'a> Parsed<'a> {
    /// A message's header (its first bytes are enough); bytes without one read as a
    /// message with no fields.
    pub fn head(raw: &'a [u8]) -> Parsed<'a> {
        Parsed {
            message: parser().parse_headers(raw),
            whole: false,
        }
    }

    /// A whole message.
    pub fn whole(raw: &'a [u8]) -> Parsed<'a> {
        Parsed {
            message: parser().parse(raw),
            whole: true,
        }
    }

    /// The top-level fields named `name`, decoded.
    pub fn fields(&self, name: &str) -> Vec<Cow<'_, str>> {
        self.message
            .as_ref()
            .map(|m| fields_of(m, name))
            .unwrap_or_default()
    }

    /// The Subject: field decoded, or empty.
    pub fn subject(&self) -> &str {
        self.message
            .as_ref()
            .and_then(Message::subject)
            .unwrap_or("")
    }

    /// The Date: field as written, with its own zone; `None` when absent or unparsable.
    pub fn sent(&self) -> Option<DateTime<FixedOffset>> {
        let d = self.message.as_ref()?.date()?;
        let seconds = i32::from(d.tz_hour) * 3600 + i32::from(d.tz_minute) * 60;
        let zone = match d.tz_before_gmt {
            true => FixedOffset::west_opt(seconds)?,
            false => FixedOffset::east_opt(seconds)?,
        };
        let date =
            NaiveDate::from_ymd_opt(i32::from(d.year), u32::from(d.month), u32::from(d.day))?;
        let time = date.and_hms_opt(u32::from(d.hour), u32::from(d.minute), u32::from(d.second))?;
        zone.from_local_datetime(&time).single()
    }

    /// The first address of a field: its display name (decoded) and its `mailbox@host`. A
    /// group counts as its name, as ENVELOPE's group marker does.
    pub fn first_address(&self, name: &str) -> Option<(String, String)> {
        let header = self
            .message
            .as_ref()?
            .headers()
            .iter()
            .find(|h| h.name().eq_ignore_ascii_case(name))?;
        match header.value() {
            HeaderValue::Address(Address::List(list)) => {
                let first = list.first()?;
                Some((
                    first.name().unwrap_or("").to_owned(),
                    first.address().unwrap_or("").to_owned(),
                ))
            }
            HeaderValue::Address(Address::Group(groups)) => {
                let group = groups.first()?;
                match &group.name {
                    Some(n) => Some((String::new(), n.to_string())),
                    None => {
                        let first = group.addresses.first()?;
                        Some((
                            first.name().unwrap_or("").to_owned(),
                            first.address().unwrap_or("").to_owned(),
                        ))
                    }
                }
            }
            _ => None,
        }
    }

    /// Message-ID, In-Reply-To and References, without angle brackets, for threading.
    pub fn message_id(&self) -> Option<String> {
        self.message
            .as_ref()
            .and_then(Message::message_id)
            .map(str::to_owned)
    }

    /// The parents named by References, oldest first; In-Reply-To when there is none.
    pub fn references(&self) -> Vec<String> {
        let ids = |v: &HeaderValue<'_>| match v {
            HeaderValue::Text(t) => vec![t.to_string()],
            HeaderValue::TextList(l) => l.iter().map(ToString::to_string).collect(),
            _ => Vec::new(),
        };
        let Some(message) = self.message.as_ref() else {
            return Vec::new();
        };
        let refs = ids(message.references());
        match refs.is_empty() {
            true => ids(message.in_reply_to()).into_iter().take(1).collect(),
            false => refs,
        }
    }

    /// The body as TEXT and BODY see it: every text part decoded, nested messages with their
    /// header. Attachments that are not text are left out, as Dovecot does (their bytes are
    /// no text to find, only memory to spend). Empty for a header-only parse.
    pub fn body_text(&self) -> String {
        let mut out = String::new();
        if let Some(message) = self.message.as_ref().filter(|_| self.whole) {
            body_of(message, &mut out, 0);
        }
        out
    }

    /// The whole header as text: every field's name and decoded value, one a line.
    pub fn header_text(&self) -> String {
        let mut out = String::new();
        if let Some(message) = &self.message {
            header_of(message, &mut out);
        }
        out
    }
}

fn fields_of<'m>(message: &'m Message<'_>, name: &str) -> Vec<Cow<'m, str>> {
    message
        .headers()
        .iter()
        .filter(|h| h.name().eq_ignore_ascii_case(name))
        .map(|h| field_text(message, h))
        .collect()
}

/// One field's value as text: addresses formatted, text decoded, anything else (dates,
/// message ids with their brackets, content types) as written, unfolded.
fn field_text<'m>(message: &'m Message<'_>, header: &'m Header<'_>) -> Cow<'m, str> {
    use mail_parser::HeaderName as N;
    let id = matches!(
        header.name,
        N::MessageId | N::References | N::InReplyTo | N::ResentMessageId | N::ContentId
    );
    match header.value() {
        HeaderValue::Text(t) if !id => Cow::Borrowed(t.as_ref()),
        HeaderValue::Address(a) => Cow::Owned(address_text(a)),
        _ => {
            let start = usize::try_from(header.offset_start()).unwrap_or(0);
            let end = usize::try_from(header.offset_end()).unwrap_or(0);
            let raw = message.raw_message().get(start..end).unwrap_or_default();
            let text = String::from_utf8_lossy(raw);
            Cow::Owned(text.split_whitespace().collect::<Vec<_>>().join(" "))
        }
    }
}

/// Addresses as a client would show them: `name <mailbox@host>`, groups as `name: …;`.
fn address_text(address: &Address<'_>) -> String {
    let one = |a: &mail_parser::Addr<'_>| match (a.name(), a.address()) {
        (Some(n), Some(addr)) => format!("{n} <{addr}>"),
        (Some(n), None) => n.to_owned(),
        (None, Some(addr)) => addr.to_owned(),
        (None, None) => String::new(),
    };
    match address {
        Address::List(list) => list.iter().map(one).collect::<Vec<_>>().join(", "),
        Address::Group(groups) => groups
            .iter()
            .map(|g| {
                let members = g.addresses.iter().map(one).collect::<Vec<_>>().join(", ");
                match &g.name {
                    Some(name) => format!("{name}: {members};"),
                    None => members,
                }
            })
            .collect::<Vec<_>>()
            .join(", "),
    }
}

fn header_of(message: &Message<'_>, out: &mut String) {
    for header in message.headers() {
        out.push_str(header.name());
        out.push_str(": ");
        out.push_str(&field_text(message, header));
        out.push('\n');
    }
}

/// Nested messages deeper than this are not read: a crafted message cannot recurse forever.
const MAX_DEPTH: usize = 8;

fn body_of(message: &Message<'_>, out: &mut String, depth: usize) {
    let parts = message.parts.iter().skip(match message.parts.len() {
        1 => 0,
        _ => 1,
    });
    for part in parts {
        match &part.body {
            PartType::Text(t) | PartType::Html(t) => out.push_str(t),
            PartType::Message(nested) if depth < MAX_DEPTH => {
                header_of(nested, out);
                body_of(nested, out, depth + 1);
            }
            PartType::Binary(_)
            | PartType::InlineBinary(_)
            | PartType::Message(_)
            | PartType::Multipart(_) => {}
        }
        out.push('\n');
    }
}

/// Case-insensitive for all of Unicode, spaces collapsed (a folded header line and a
/// wrapped body line compare like one).
pub fn fold(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut space = false;
    for c in text.chars() {
        if c.is_whitespace() {
            space = true;
            continue;
        }
        if space && !out.is_empty() {
            out.push(' ');
        }
        space = false;
        out.extend(c.to_lowercase());
    }
    if space && !out.is_empty() {
        out.push(' ');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const MAIL: &[u8] = b"From: =?utf-8?q?J=C3=BCrgen?= <jurgen@example.org>, b@example.org\r\n\
To: team: ann@example.org, bob@example.org;\r\n\
Cc: <c (note) @ (note) example.org>\r\n\
Subject: =?iso-8859-1?q?Gr=FC=DFe?= aus\r\n Berlin\r\n\
X-Note: =?utf-8?b?w6l0w6k=?=\r\n\
Date: Sun, 25 Mar 2007 01:30:00 +0300\r\n\
Message-ID: <m2@example.org>\r\n\
References: <m0@example.org> <m1@example.org>\r\n\
Content-Type: text/plain; charset=iso-8859-1\r\n\
Content-Transfer-Encoding: quoted-printable\r\n\
\r\n\
Sch=F6ne Gr=FC=DFe\r\n";

    #[test]
    fn fields_are_decoded() {
        let p = Parsed::head(MAIL);
        assert_eq!(
            p.fields("from"),
            vec!["Jürgen <jurgen@example.org>, b@example.org"]
        );
        assert_eq!(
            p.fields("TO"),
            vec!["team: ann@example.org, bob@example.org;"]
        );
        assert!(
            p.fields("cc")[0].contains("c@example.org"),
            "{:?}",
            p.fields("cc")
        );
        assert_eq!(p.subject(), "Grüße aus Berlin");
        assert_eq!(p.fields("x-note"), vec!["été"]);
        assert_eq!(p.fields("message-id"), vec!["<m2@example.org>"]);
        assert!(p.fields("bcc").is_empty());
        assert!(p.body_text().is_empty());
    }

    #[test]
    fn bytes_without_a_header_have_no_fields() {
        for raw in [&b""[..], b"\r\n", b"just text, no colon\r\n"] {
            for p in [Parsed::head(raw), Parsed::whole(raw)] {
                assert!(p.fields("subject").is_empty());
                assert_eq!(p.subject(), "");
                assert_eq!(p.sent(), None);
                assert_eq!(p.first_address("from"), None);
                assert_eq!(p.message_id(), None);
                assert!(p.references().is_empty());
                assert!(p.header_text().is_empty());
                assert!(p.body_text().len() < 40);
            }
        }
    }

    #[test]
    fn dates_keep_their_zone() {
        let sent = Parsed::head(MAIL).sent().unwrap();
        assert_eq!(sent.to_rfc3339(), "2007-03-25T01:30:00+03:00");
        let bad = Parsed::head(b"Date: someday\r\n\r\n");
        assert_eq!(bad.sent(), None);
    }

    #[test]
    fn addresses_and_ids() {
        let p = Parsed::head(MAIL);
        assert_eq!(
            p.first_address("From"),
            Some(("Jürgen".to_owned(), "jurgen@example.org".to_owned()))
        );
        assert_eq!(
            p.first_address("to"),
            Some((String::new(), "team".to_owned()))
        );
        assert_eq!(p.message_id().as_deref(), Some("m2@example.org"));
        assert_eq!(p.references(), vec!["m0@example.org", "m1@example.org"]);
        let reply = Parsed::head(b"In-Reply-To: <p@x> <q@x>\r\n\r\n");
        assert_eq!(reply.references(), vec!["p@x"]);
    }

    #[test]
    fn bodies_are_decoded() {
        let p = Parsed::whole(MAIL);
        assert!(p.body_text().contains("Schöne Grüße"), "{}", p.body_text());
        let nested = b"Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\n\
Content-Type: text/plain\r\n\r\nouter\r\n--b\r\nContent-Type: message/rfc822\r\n\r\n\
Subject: inner\r\nContent-Transfer-Encoding: base64\r\n\r\naGlkZGVu\r\n--b\r\n\
Content-Type: application/octet-stream\r\n\r\nopaque bytes\r\n--b--\r\n";
        let text = Parsed::whole(nested).body_text();
        assert!(text.contains("outer"), "{text}");
        assert!(text.contains("Subject: inner"), "{text}");
        assert!(text.contains("hidden"), "{text}");
        assert!(!text.contains("opaque"), "{text}");
        assert!(Parsed::whole(MAIL).header_text().contains("X-Note: été"));
    }

    #[test]
    fn folding() {
        assert_eq!(fold("  Ab\r\n\tCD  É "), "ab cd é ");
    }
}
