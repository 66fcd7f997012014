//! A message's MIME tree over its raw bytes, for BODYSTRUCTURE, BINARY and sections such as
//! `BODY[1.2.MIME]`. Parts are byte ranges of the stored message, so a section is exactly the
//! bytes the client would find there, and header fields are reported as sent
//! ([`crate::mime_params`] reads the structured ones). Pure: no I/O, no protocol state,
//! bounded depth, never panics on any input.

use crate::commands::sections::{body_start, field_value, header, unfold};
use crate::mime_params;

/// Deeper nesting is served as an opaque part: bounds the work one message can cause.
const MAX_DEPTH: usize = 16;
/// More parts in one multipart are left out of the tree.
const MAX_PARTS: usize = 1_000;

/// One entity: its MIME header, its body and what the body holds.
#[derive(Debug)]
pub(crate) struct Part<'a> {
    /// Where the entity (its header) starts in the whole message: BINARY rebuilds a message
    /// from the bytes between parts and the parts decoded.
    pub start: usize,
    pub header: &'a [u8],
    pub body: &'a [u8],
    pub fields: Fields,
    pub kind: Kind<'a>,
}

#[derive(Debug)]
pub(crate) enum Kind<'a> {
    Multipart(Vec<Part<'a>>),
    /// message/rfc822: the encapsulated message as a part of its own.
    Message(Box<Part<'a>>),
    Single,
}

/// The header fields BODYSTRUCTURE reports: type, subtype and parameter names lower-cased
/// (RFC 2045 compares them so), the encoding upper-cased, unstructured fields as sent.
#[derive(Debug, Default, Clone)]
pub(crate) struct Fields {
    pub media_type: String,
    pub subtype: String,
    pub params: Vec<(String, String)>,
    pub id: Option<String>,
    pub description: Option<String>,
    pub encoding: String,
    pub md5: Option<String>,
    pub disposition: Option<(String, Vec<(String, String)>)>,
    pub language: Vec<String>,
    pub location: Option<String>,
}

/// The tree of a whole message.
pub(crate) fn parse(raw: &[u8]) -> Part<'_> {
    entity(raw, 0, ("text", "plain"), 0)
}

/// An entity from its bytes, which start at `start` in the message; `default` is its type
/// when it names none (text/plain, or message/rfc822 inside multipart/digest).
fn entity<'a>(raw: &'a [u8], start: usize, default: (&str, &str), depth: usize) -> Part<'a> {
    let header = header(raw);
    let body_offset = start + header.len();
    let body = raw.get(body_start(raw)..).unwrap_or_default();
    let fields = fields(header, default);
    let kind = if depth >= MAX_DEPTH {
        Kind::Single
    } else if fields.media_type == "multipart" {
        let boundary = fields
            .params
            .iter()
            .find(|(k, _)| k == "boundary")
            .map(|(_, v)| v.clone());
        match boundary {
            Some(b) if !b.is_empty() => {
                let child_default = match fields.subtype.as_str() {
                    "digest" => ("message", "rfc822"),
                    _ => ("text", "plain"),
                };
                let parts = split(body, b.as_bytes())
                    .into_iter()
                    .take(MAX_PARTS)
                    .map(|(at, p)| entity(p, body_offset + at, child_default, depth + 1))
                    .collect::<Vec<_>>();
                Kind::Multipart(parts)
            }
            _ => Kind::Multipart(Vec::new()),
        }
    } else if fields.media_type == "message" && fields.subtype == "rfc822" {
        Kind::Message(Box::new(entity(
            body,
            body_offset,
            ("text", "plain"),
            depth + 1,
        )))
    } else {
        Kind::Single
    };
    Part {
        start,
        header,
        body,
        fields,
        kind,
    }
}

/// The parts of a multipart body, each with where it starts in the body: between
/// `--boundary` lines, each without the line end that belongs to the next delimiter
/// (RFC 2046 §5.1.1).
fn split<'a>(body: &'a [u8], boundary: &[u8]) -> Vec<(usize, &'a [u8])> {
    let mut delimiter = b"--".to_vec();
    delimiter.extend_from_slice(boundary);
    let mut parts = Vec::new();
    // Where the current part's content starts, once the first delimiter is seen.
    let mut start: Option<usize> = None;
    let mut line_start = 0;
    while line_start < body.len() {
        let line_end = body[line_start..]
            .iter()
            .position(|b| *b == b'\n')
            .map_or(body.len(), |p| line_start + p + 1);
        let line = &body[line_start..line_end];
        if line.starts_with(&delimiter) {
            let rest = &line[delimiter.len()..];
            let closing = rest.starts_with(b"--");
            if rest
                .iter()
                .skip(if closing { 2 } else { 0 })
                .all(u8::is_ascii_whitespace)
            {
                if let Some(from) = start {
                    // The CRLF before the delimiter is the delimiter's.
                    let mut to = line_start;
                    if to > from && body.get(to - 1) == Some(&b'\n') {
                        to -= 1;
                        if to > from && body.get(to - 1) == Some(&b'\r') {
                            to -= 1;
                        }
                    }
                    parts.push((from, body.get(from..to.max(from)).unwrap_or_default()));
                }
                if closing {
                    return parts;
                }
                start = Some(line_end);
            }
        }
        line_start = line_end;
    }
    // No closing delimiter: the last part runs to the end.
    if let Some(from) = start {
        parts.push((from, body.get(from..).unwrap_or_default()));
    }
    parts
}

fn fields(header: &[u8], default: (&str, &str)) -> Fields {
    let raw = |name: &str| field_value(header, name).map(unfold);
    let mut fields = Fields {
        media_type: default.0.to_owned(),
        subtype: default.1.to_owned(),
        // An encoding that is not a token is no encoding: the default stands (RFC 2045 §6.1).
        encoding: raw("Content-Transfer-Encoding")
            .filter(|e| is_token(e))
            .map_or_else(|| "7BIT".to_owned(), |e| e.to_ascii_uppercase()),
        id: raw("Content-ID"),
        description: raw("Content-Description"),
        md5: raw("Content-MD5"),
        location: raw("Content-Location"),
        ..Fields::default()
    };
    if let Some(content_type) = field_value(header, "Content-Type").map(mime_params::parse) {
        // A type without a subtype is no type: the default stands.
        if let Some((media_type, subtype)) = content_type.value.split_once('/') {
            fields.media_type = media_type.trim().to_ascii_lowercase();
            fields.subtype = subtype.trim().to_ascii_lowercase();
            fields.params = content_type.params;
        }
    }
    fields.disposition = field_value(header, "Content-Disposition")
        .map(mime_params::parse)
        .filter(|d| !d.value.is_empty())
        .map(|d| (d.value, d.params));
    fields.language = field_value(header, "Content-Language")
        .map(|raw| {
            mime_params::parse(raw)
                .value
                .split(',')
                .map(str::trim)
                .filter(|tag| !tag.is_empty())
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default();
    fields
}

/// An RFC 2045 token: printable ASCII without blanks and tspecials.
fn is_token(text: &str) -> bool {
    !text.is_empty()
        && text
            .bytes()
            .all(|b| b.is_ascii_graphic() && !b"()<>@,;:\\\"/[]?=".contains(&b))
}

impl<'a> Part<'a> {
    /// The part a section's numbers name (RFC 3501 §6.4.5). Each number picks a child of a
    /// multipart; in any other part only `1` is valid and names that part itself (the body of
    /// a non-multipart message is its part 1). A message/rfc822 part that more numbers follow
    /// is entered: they count inside the message it holds. Numbers start at 1.
    pub(crate) fn find(&self, path: &[u32]) -> Option<&Part<'a>> {
        let mut part = self;
        let mut numbers = path.iter().peekable();
        while let Some(&number) = numbers.next() {
            let more = numbers.peek().is_some();
            part = match &part.kind {
                Kind::Multipart(children) => {
                    children.get(usize::try_from(number.checked_sub(1)?).ok()?)?
                }
                _ if number == 1 => part,
                _ => return None,
            };
            if more {
                match &part.kind {
                    Kind::Message(inner) => part = inner,
                    Kind::Multipart(_) => {}
                    Kind::Single => return None,
                }
            }
        }
        Some(part)
    }

    /// Lines in the body, as text and message/rfc822 parts report them: its line ends, as
    /// Dovecot counts (a part's last line end belongs to the boundary after it, RFC 2046
    /// §5.1.1, so "a\r\nb" before a boundary is one line).
    pub(crate) fn lines(&self) -> u32 {
        let newlines = self.body.iter().filter(|b| **b == b'\n').count();
        u32::try_from(newlines).unwrap_or(u32::MAX)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MIXED: &[u8] = b"From: a@x\r\nContent-Type: multipart/mixed; boundary=\"b1\"\r\n\r\n\
preamble\r\n--b1\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nHello\r\nthere\r\n\
--b1\r\nContent-Type: message/rfc822\r\n\r\nSubject: inner\r\nContent-Type: multipart/alternative; boundary=b2\r\n\r\n\
--b2\r\n\r\ninner text\r\n--b2\r\nContent-Type: text/html\r\n\r\n<p>hi</p>\r\n--b2--\r\n\
\r\n--b1\r\nContent-Type: application/pdf\r\nContent-Transfer-Encoding: base64\r\nContent-Disposition: attachment; filename=\"a.pdf\"\r\n\r\nAAAA\r\n--b1--\r\nepilogue\r\n";

    #[test]
    fn parts_are_the_bytes_between_delimiters() {
        let tree = parse(MIXED);
        let Kind::Multipart(parts) = &tree.kind else {
            panic!("not multipart: {tree:?}");
        };
        assert_eq!(parts.len(), 3);
        // The line end before a delimiter is the delimiter's.
        assert_eq!(tree.find(&[1]).unwrap().body, b"Hello\r\nthere");
        assert_eq!(tree.find(&[1]).unwrap().lines(), 1);
        assert_eq!(tree.find(&[1]).unwrap().fields.params[0].1, "utf-8");
        assert_eq!(tree.find(&[2, 1]).unwrap().body, b"inner text");
        assert_eq!(tree.find(&[2, 1]).unwrap().fields.subtype, "plain");
        assert_eq!(tree.find(&[2, 2]).unwrap().body, b"<p>hi</p>");
        let pdf = tree.find(&[3]).unwrap();
        assert_eq!(pdf.body, b"AAAA");
        assert_eq!(pdf.fields.encoding, "BASE64");
        assert_eq!(pdf.fields.disposition.as_ref().unwrap().0, "attachment");
        assert!(tree.find(&[4]).is_none());
        assert!(tree.find(&[0]).is_none());
        assert!(tree.find(&[1, 2]).is_none());
    }

    #[test]
    fn a_plain_message_is_its_own_part_one() {
        let raw = b"Subject: x\r\n\r\nbody\r\n";
        let tree = parse(raw);
        assert_eq!(tree.find(&[1]).unwrap().body, b"body\r\n");
        assert!(tree.find(&[2]).is_none());
        assert_eq!(tree.fields.media_type, "text");
    }

    /// A message that is itself message/rfc822, holding another: numbers go one message
    /// deeper each time, and `1` of a non-multipart names its body.
    #[test]
    fn numbers_enter_encapsulated_messages() {
        let raw = b"From: a@x\r\nContent-Type: message/rfc822\r\n\r\n\
From: b@x\r\nContent-Type: message/rfc822\r\n\r\nFrom: c@x\r\nSubject: c\r\n\r\nHello\r\n";
        let tree = parse(raw);
        let one = tree.find(&[1]).unwrap();
        assert!(one.body.starts_with(b"From: b@x\r\n"));
        assert!(matches!(one.kind, Kind::Message(_)));
        let one_one = tree.find(&[1, 1]).unwrap();
        assert!(one_one.body.starts_with(b"From: c@x\r\n"));
        assert_eq!(tree.find(&[1, 1, 1]).unwrap().body, b"Hello\r\n");
        assert!(tree.find(&[1, 1, 1, 1]).is_none());
        assert!(tree.find(&[2]).is_none());
        assert!(tree.find(&[1, 2]).is_none());
    }

    /// multipart/digest inside message/rfc822: children default to message/rfc822, and a
    /// child that starts with an empty line has an empty MIME header.
    #[test]
    fn digest_children_are_messages() {
        let raw = b"Content-Type: message/rfc822\r\n\r\nSubject: d\r\n\
Content-Type: multipart/digest; boundary=\"foo\"\r\n\r\nprologue\r\n\r\n--foo \r\n\r\n\
From: m1@x\r\n\r\nm1 body\r\n\r\n--foo \r\nX-Mime: m2\r\n\r\nFrom: m2@x\r\n\r\nm2 body\r\n\r\n--foo--\r\n";
        let tree = parse(raw);
        let first = tree.find(&[1, 1]).unwrap();
        assert_eq!(first.header, b"\r\n");
        assert_eq!(first.body, b"From: m1@x\r\n\r\nm1 body\r\n");
        assert!(matches!(first.kind, Kind::Message(_)));
        assert_eq!(tree.find(&[1, 2]).unwrap().header, b"X-Mime: m2\r\n\r\n");
        assert_eq!(tree.find(&[1, 2, 1]).unwrap().body, b"m2 body\r\n");
        assert!(tree.find(&[1, 3]).is_none());
    }

    #[test]
    fn nonsense_and_deep_nesting_do_not_panic() {
        for raw in [
            &b""[..],
            b"\r\n\r\n",
            b"Content-Type: multipart/mixed; boundary=\r\n\r\n--\r\n",
            b"Content-Type: multipart/mixed; boundary=x\r\n\r\n--x\r\n--x--",
            b"Content-Type: message/rfc822\r\n\r\nContent-Type: message/rfc822\r\n\r\n",
        ] {
            let tree = parse(raw);
            let _ = tree.find(&[1, 1, 1]);
        }
        let mut deep = Vec::new();
        for _ in 0..100 {
            deep.extend_from_slice(b"Content-Type: message/rfc822\r\n\r\n");
        }
        // Past the depth bound the rest is one opaque part: part 1 all the way down ends there.
        let tree = parse(&deep);
        assert!(tree.find(&[1; 50]).is_none());
        // Part numbers go into each encapsulated message, down to the opaque bottom.
        assert!(tree.find(&[1]).is_some());
    }
}
