//! What the webmail pages show of a message, read by mail-parser: From, To, Subject and Date
//! with encoded words decoded, and the text body (an HTML-only message shown as text). A
//! message it cannot read is shown with what could be read, never an error.

use mail_parser::{Address, Message, MessageParser};

const NO_SUBJECT: &str = "(no subject)";
const NO_TEXT: &str = "(This message has no text to show.)";

/// What the pages show of a message.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Parsed {
    pub from: String,
    pub to: String,
    pub subject: String,
    pub date: String,
    pub text: String,
}

impl Parsed {
    /// From, To, Subject and Date, for the list.
    pub fn headers_only(raw: &[u8]) -> Parsed {
        match MessageParser::default().parse_headers(raw) {
            Some(message) => Parsed::headers_of(&message),
            None => Parsed::unreadable(),
        }
    }

    /// The headers and the text of a message already parsed.
    pub fn of(message: &Message<'_>) -> Parsed {
        Parsed {
            text: message
                .body_text(0)
                .map_or_else(|| NO_TEXT.to_owned(), |text| text.into_owned()),
            ..Parsed::headers_of(message)
        }
    }

    /// What is shown of a message mail-parser cannot read at all.
    pub fn not_a_message() -> Parsed {
        Parsed {
            text: NO_TEXT.to_owned(),
            ..Parsed::unreadable()
        }
    }

    fn headers_of(message: &Message<'_>) -> Parsed {
        let subject = message.subject().unwrap_or_default().trim();
        Parsed {
            from: message.from().map(addresses).unwrap_or_default(),
            to: message.to().map(addresses).unwrap_or_default(),
            subject: match subject.is_empty() {
                true => NO_SUBJECT.to_owned(),
                false => subject.to_owned(),
            },
            date: message.date().map(|d| d.to_rfc822()).unwrap_or_default(),
            text: String::new(),
        }
    }

    fn unreadable() -> Parsed {
        Parsed {
            subject: NO_SUBJECT.to_owned(),
            ..Parsed::default()
        }
    }
}

/// `Name <address>, …` as a person writes them.
fn addresses(address: &Address<'_>) -> String {
    address
        .iter()
        .filter_map(|a| match (a.name(), a.address()) {
            (Some(name), Some(addr)) => Some(format!("{name} <{addr}>")),
            (None, Some(addr)) => Some(addr.to_owned()),
            (Some(name), None) => Some(name.to_owned()),
            (None, None) => None,
        })
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The headers and text of `raw`, as the reading page parses it.
    fn whole(raw: &[u8]) -> Parsed {
        match MessageParser::default().parse(raw) {
            Some(message) => Parsed::of(&message),
            None => Parsed::not_a_message(),
        }
    }

    #[test]
    fn reads_headers_and_plain_text() {
        let raw = b"From: Ann <ann@example.com>\r\nTo: bo@example.com, Cy <cy@example.com>\r\nSubject: Hello\r\n there\r\nDate: Mon, 1 Jun 2026 10:00:00 +0000\r\n\r\nBody line\r\n";
        let p = whole(raw);
        assert_eq!(p.from, "Ann <ann@example.com>");
        assert_eq!(p.to, "bo@example.com, Cy <cy@example.com>");
        assert_eq!(p.subject, "Hello there");
        assert!(p.date.contains("1 Jun 2026 10:00:00"), "{}", p.date);
        assert_eq!(p.text, "Body line\r\n");
    }

    #[test]
    fn decodes_encoded_words_and_transfer_encodings() {
        let raw = b"Subject: =?utf-8?B?SMOpbGxv?= =?utf-8?Q?_w=C3=B6rld?=\n\nx\n";
        assert_eq!(Parsed::headers_only(raw).subject, "Héllo wörld");
        let raw = b"Content-Type: multipart/alternative; boundary=\"b1\"\n\n--b1\nContent-Type: text/html\n\n<p>x</p>\n--b1\nContent-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: quoted-printable\n\ncaf=C3=A9 =\nau lait\n--b1--\n";
        assert_eq!(whole(raw).text.trim_end(), "café au lait");
        let raw = b"Content-Type: text/plain\nContent-Transfer-Encoding: base64\n\naGVs\nbG8=\n";
        assert_eq!(whole(raw).text, "hello");
    }

    #[test]
    fn html_only_and_junk_are_shown_plainly() {
        let p = whole(b"Content-Type: text/html\n\n<p>hi <b>there</b></p>");
        assert_eq!(p.text.trim(), "hi there");
        assert_eq!(Parsed::headers_only(b"\xff\xfe").subject, NO_SUBJECT);
        assert_eq!(whole(b"").text, NO_TEXT);
    }
}
