//! BINARY and BINARY.SIZE (RFC 3516): a section with its Content-Transfer-Encoding undone,
//! as Dovecot does it: every part inside the section is decoded, and a decoded part that
//! keeps its header there says `Content-Transfer-Encoding: binary` instead. Decoded data goes
//! as a literal8, as Dovecot sends it, and so does any holding NUL, which no other IMAP string
//! may carry.

use super::sections::split_fields;
use crate::content_transfer::{UnknownCte, decode, transforms};
use crate::mime::{self, Kind, Part};
use imap_codec::imap_types::core::{IString, Literal, LiteralMode, NString, NString8};
use imap_codec::imap_types::extensions::binary::Literal8;
use std::borrow::Cow;
use std::num::NonZeroU32;

/// A section as BINARY gives it.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct Binary {
    pub bytes: Vec<u8>,
    /// Whether some base64 or quoted-printable was undone in it.
    pub decoded: bool,
}

/// `BINARY[section]` of the message `raw`. The empty section is the whole message, header
/// included. A part that is not there is empty, as in BODY[].
pub(crate) fn binary_bytes(section: &[NonZeroU32], raw: &[u8]) -> Result<Binary, UnknownCte> {
    let tree = mime::parse(raw);
    let numbers: Vec<u32> = section.iter().map(|n| n.get()).collect();
    let mut out = Binary {
        bytes: Vec::new(),
        decoded: false,
    };
    if let Some(part) = tree.find(&numbers) {
        out.bytes.reserve(part.header.len() + part.body.len());
        converted(raw, part, section.is_empty(), &mut out)?;
    }
    Ok(out)
}

/// `part` decoded into `out`, with its header when `with_header`. A multipart keeps its
/// preamble, delimiters and epilogue; its parts, and a message/rfc822 part's message, are
/// converted in turn.
fn converted(
    raw: &[u8],
    part: &Part<'_>,
    with_header: bool,
    out: &mut Binary,
) -> Result<(), UnknownCte> {
    let encoding = part.fields.encoding.as_str();
    // An encoding it cannot undo fails the whole section, even on a multipart.
    let decodes = transforms(encoding)?;
    out.decoded |= decodes;
    if with_header {
        match decodes {
            true => binary_header(part.header, &mut out.bytes),
            false => out.bytes.extend_from_slice(part.header),
        }
    }
    let body_start = part.start + part.header.len();
    match &part.kind {
        Kind::Multipart(children) => {
            let mut at = body_start;
            for child in children {
                let between = raw.get(at..child.start).unwrap_or_default();
                out.bytes.extend_from_slice(between);
                converted(raw, child, true, out)?;
                at = child.start + child.header.len() + child.body.len();
            }
            let end = body_start + part.body.len();
            out.bytes
                .extend_from_slice(raw.get(at..end).unwrap_or_default());
        }
        Kind::Message(inner) if !decodes => converted(raw, inner, true, out)?,
        _ => out.bytes.extend_from_slice(&decode(encoding, part.body)?),
    }
    Ok(())
}

/// A header without its Content-Transfer-Encoding, saying `binary` at its end instead.
fn binary_header(header: &[u8], out: &mut Vec<u8>) {
    let fields = split_fields(header);
    for field in &fields {
        let name = field.split(|b| *b == b':').next().unwrap_or_default();
        if !name
            .trim_ascii()
            .eq_ignore_ascii_case(b"Content-Transfer-Encoding")
        {
            out.extend_from_slice(field);
        }
    }
    out.extend_from_slice(b"Content-Transfer-Encoding: binary\r\n");
    // The empty line that ends the header, as the header had it.
    let fields_len: usize = fields.iter().map(|f| f.len()).sum();
    out.extend_from_slice(header.get(fields_len..).unwrap_or(b"\r\n"));
}

/// BINARY data as the wire carries it: a literal8 when decoded (RFC 3516 §4.2 lets binary
/// data go so; Dovecot sends all decoded data so) or when it holds NUL, else a literal.
pub(crate) fn nstring8(data: &[u8], decoded: bool) -> NString8<'static> {
    let literal8 = || {
        NString8::Literal8(Literal8 {
            data: Cow::Owned(data.to_vec()),
            mode: LiteralMode::Sync,
        })
    };
    if decoded {
        return literal8();
    }
    match Literal::try_from(data.to_vec()) {
        Ok(literal) => NString8::NString(NString(Some(IString::from(literal)))),
        Err(_) => literal8(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn section(numbers: &[u32]) -> Vec<NonZeroU32> {
        numbers.iter().filter_map(|n| NonZeroU32::new(*n)).collect()
    }

    const MIXED: &[u8] = b"Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\n\
Content-Transfer-Encoding: base64\r\n\r\naGVsbG8gd29ybGQ=\r\n--b\r\n\
Content-Transfer-Encoding: quoted-printable\r\n\r\na=00b=\r\nc\r\n--b\r\n\
Content-Transfer-Encoding: x-uuencode\r\n\r\nbegin 644 x\r\n--b--\r\n";

    #[test]
    fn parts_are_decoded() {
        assert_eq!(
            binary_bytes(&section(&[1]), MIXED).unwrap().bytes,
            b"hello world"
        );
        assert_eq!(binary_bytes(&section(&[2]), MIXED).unwrap().bytes, b"a\0bc");
        assert_eq!(binary_bytes(&section(&[9]), MIXED).unwrap().bytes, b"");
        assert_eq!(
            binary_bytes(&section(&[3]), MIXED),
            Err(UnknownCte("X-UUENCODE".to_owned()))
        );
        // The whole message holds a part it cannot decode.
        assert!(binary_bytes(&[], MIXED).is_err());
        let odd_multipart = b"Content-Type: multipart/mixed; boundary=b\r\n\
Content-Transfer-Encoding: x-odd\r\n\r\n--b\r\n\r\nx\r\n--b--\r\n";
        assert_eq!(
            binary_bytes(&[], odd_multipart),
            Err(UnknownCte("X-ODD".to_owned()))
        );
    }

    /// BINARY[] of a multipart: preamble and delimiters as stored, each part decoded under a
    /// header that says so.
    #[test]
    fn a_whole_multipart_is_decoded_part_by_part() {
        let raw = b"Subject: x\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\npre\r\n--b\r\n\
Content-Type: text/plain\r\nContent-Transfer-Encoding: base64\r\nX-Keep: 1\r\n\r\naGk=\r\n--b\r\n\
Content-Type: message/rfc822\r\n\r\nSubject: in\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n\
a=3Db\r\n--b--\r\nepi\r\n";
        let want: &[u8] =
            b"Subject: x\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\npre\r\n--b\r\n\
Content-Type: text/plain\r\nX-Keep: 1\r\nContent-Transfer-Encoding: binary\r\n\r\nhi\r\n--b\r\n\
Content-Type: message/rfc822\r\n\r\nSubject: in\r\nContent-Transfer-Encoding: binary\r\n\r\n\
a=b\r\n--b--\r\nepi\r\n";
        assert_eq!(binary_bytes(&[], raw).unwrap().bytes, want);
        // A part's own header is not part of BINARY[2]; the message inside it is.
        assert_eq!(
            binary_bytes(&section(&[2]), raw).unwrap().bytes,
            b"Subject: in\r\nContent-Transfer-Encoding: binary\r\n\r\na=b"
        );
        assert_eq!(binary_bytes(&section(&[2, 1]), raw).unwrap().bytes, b"a=b");
    }

    #[test]
    fn a_decoded_single_part_message_says_it_is_binary() {
        let raw = b"Subject: x\r\nContent-Transfer-Encoding: base64\r\n\r\nAAEC\r\n";
        assert_eq!(
            binary_bytes(&[], raw).unwrap().bytes,
            b"Subject: x\r\nContent-Transfer-Encoding: binary\r\n\r\n\0\x01\x02"
        );
        assert_eq!(binary_bytes(&section(&[1]), raw).unwrap().bytes, [0, 1, 2]);
        let plain = b"Subject: y\n\nbody\n";
        assert_eq!(binary_bytes(&[], plain).unwrap().bytes, plain);
    }

    #[test]
    fn decoded_data_and_nul_go_as_literal8() {
        assert!(matches!(nstring8(b"a\0b", false), NString8::Literal8(_)));
        assert!(matches!(nstring8(b"ab", true), NString8::Literal8(_)));
        assert!(matches!(nstring8(b"ab", false), NString8::NString(_)));
        assert!(binary_bytes(&section(&[1]), MIXED).unwrap().decoded);
        assert!(
            !binary_bytes(&[], b"Subject: y\r\n\r\nbody\r\n")
                .unwrap()
                .decoded
        );
    }
}
