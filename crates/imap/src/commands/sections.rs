//! Sections of a message as FETCH names them (RFC 3501 §6.4.5): the header, the text, header
//! fields, a MIME part and its MIME header, and the message inside a message/rfc822 part.

use crate::mime;
use imap_codec::imap_types::core::AString;
use imap_codec::imap_types::fetch::Section;

/// Where the body starts: after the first empty line, or the end when there is none. An
/// entity that starts with an empty line has no header fields (a MIME part may not).
pub(crate) fn body_start(raw: &[u8]) -> usize {
    if raw.starts_with(b"\r\n") {
        return 2;
    }
    if raw.starts_with(b"\n") {
        return 1;
    }
    let crlf = raw.windows(4).position(|w| w == b"\r\n\r\n").map(|p| p + 4);
    let lf = raw.windows(2).position(|w| w == b"\n\n").map(|p| p + 2);
    match (crlf, lf) {
        (Some(a), Some(b)) => a.min(b),
        (a, b) => a.or(b).unwrap_or(raw.len()),
    }
}

/// The header, with the empty line that ends it.
pub(crate) fn header(raw: &[u8]) -> &[u8] {
    raw.get(..body_start(raw)).unwrap_or(raw)
}

pub(crate) fn text(raw: &[u8]) -> &[u8] {
    raw.get(body_start(raw)..).unwrap_or_default()
}

/// A section's bytes (RFC 3501 §6.4.5); a part that is not there is empty. HEADER, TEXT and
/// HEADER.FIELDS of a part are of the message a message/rfc822 part holds.
pub(crate) fn section_bytes(section: Option<&Section<'_>>, raw: &[u8]) -> Vec<u8> {
    let Some(section) = section else {
        return raw.to_vec();
    };
    let (path, what) = match section {
        Section::Part(p) => (Some(p), What::Body),
        Section::Mime(p) => (Some(p), What::Mime),
        Section::Header(p) => (p.as_ref(), What::Header),
        Section::Text(p) => (p.as_ref(), What::Text),
        Section::HeaderFields(p, f) => (p.as_ref(), What::Fields(f.as_ref(), true)),
        Section::HeaderFieldsNot(p, f) => (p.as_ref(), What::Fields(f.as_ref(), false)),
    };
    // Of the message itself: no MIME parsing needed.
    let message = match path {
        None => raw,
        Some(path) => {
            let numbers: Vec<u32> = path.0.as_ref().iter().map(|n| n.get()).collect();
            let tree = mime::parse(raw);
            let Some(part) = tree.find(&numbers) else {
                return Vec::new();
            };
            match (what, &part.kind) {
                (What::Body, _) => return part.body.to_vec(),
                (What::Mime, _) => return part.header.to_vec(),
                (_, mime::Kind::Message(_)) => part.body,
                // HEADER or TEXT of a part that holds no message.
                _ => return Vec::new(),
            }
        }
    };
    match what {
        What::Header => header(message).to_vec(),
        What::Text => text(message).to_vec(),
        What::Fields(fields, wanted) => header_fields(message, fields, wanted),
        What::Body | What::Mime => message.to_vec(),
    }
}

#[derive(Clone, Copy)]
enum What<'a> {
    Body,
    Mime,
    Header,
    Text,
    Fields(&'a [AString<'a>], bool),
}

/// The header fields named in `fields` (or all others), each with its folded lines, and the
/// empty line that ends a header.
fn header_fields(raw: &[u8], fields: &[AString<'_>], wanted: bool) -> Vec<u8> {
    let mut out = Vec::new();
    for field in split_fields(header(raw)) {
        let name = field.split(|b| *b == b':').next().unwrap_or_default();
        let named = fields
            .iter()
            .any(|f| f.as_ref().eq_ignore_ascii_case(name.trim_ascii()));
        if named == wanted {
            out.extend_from_slice(field);
        }
    }
    out.extend_from_slice(b"\r\n");
    out
}

/// The value (after the colon, as sent) of the first field called `name` in `header`.
pub(crate) fn field_value<'a>(header: &'a [u8], name: &str) -> Option<&'a [u8]> {
    split_fields(header).into_iter().find_map(|field| {
        let (field_name, value) = field.split_at(field.iter().position(|b| *b == b':')?);
        field_name
            .trim_ascii()
            .eq_ignore_ascii_case(name.as_bytes())
            .then(|| value.get(1..).unwrap_or_default())
    })
}

/// A field value without its line breaks and surrounding blanks, as ENVELOPE and
/// BODYSTRUCTURE report unstructured fields.
pub(crate) fn unfold(value: &[u8]) -> String {
    let kept: Vec<u8> = value
        .iter()
        .copied()
        .filter(|b| !matches!(b, b'\r' | b'\n'))
        .collect();
    String::from_utf8_lossy(kept.trim_ascii()).into_owned()
}

/// A header's fields, each with its continuation lines and line ends.
pub(crate) fn split_fields(header: &[u8]) -> Vec<&[u8]> {
    let mut fields = Vec::new();
    let mut start = 0;
    let mut line_start = 0;
    while line_start < header.len() {
        let end = header[line_start..]
            .iter()
            .position(|b| *b == b'\n')
            .map_or(header.len(), |p| line_start + p + 1);
        let line = &header[line_start..end];
        let continuation = matches!(line.first(), Some(b' ' | b'\t'));
        let blank = line == b"\r\n" || line == b"\n";
        if !continuation && line_start > start {
            fields.push(&header[start..line_start]);
            start = line_start;
        }
        if blank {
            start = end;
        }
        line_start = end;
    }
    if start < header.len() {
        fields.push(&header[start..]);
    }
    fields
}

#[cfg(test)]
mod tests {
    use super::*;

    const MAIL: &[u8] = b"From: a@x\r\nSubject: hi\r\n  there\r\nTo: b@y\r\n\r\nBody\r\n";

    #[test]
    fn header_and_text() {
        assert_eq!(
            header(MAIL),
            b"From: a@x\r\nSubject: hi\r\n  there\r\nTo: b@y\r\n\r\n"
        );
        assert_eq!(text(MAIL), b"Body\r\n");
        assert_eq!(text(b"no body"), b"");
    }

    #[test]
    fn fields() {
        let subject = AString::try_from("SUBJECT").unwrap();
        assert_eq!(
            header_fields(MAIL, std::slice::from_ref(&subject), true),
            b"Subject: hi\r\n  there\r\n\r\n"
        );
        assert_eq!(
            header_fields(MAIL, &[subject], false),
            b"From: a@x\r\nTo: b@y\r\n\r\n"
        );
    }
}
