//! BINARY and BINARY.SIZE (RFC 3516): a section with its Content-Transfer-Encoding undone.
//! The data goes as a literal8 when it holds NUL, which no other IMAP string may carry.

use crate::content_transfer::{UnknownCte, decode};
use crate::mime;
use imap_codec::imap_types::core::{IString, Literal, LiteralMode, NString, NString8};
use imap_codec::imap_types::extensions::binary::Literal8;
use std::borrow::Cow;
use std::num::NonZeroU32;

/// The decoded bytes of `BINARY[section]`. The empty section is the whole message: its header
/// and its decoded body. A part that is not there is empty, as in BODY[].
pub(crate) fn binary_bytes(section: &[NonZeroU32], raw: &[u8]) -> Result<Vec<u8>, UnknownCte> {
    let tree = mime::parse(raw);
    if section.is_empty() {
        let mut whole = tree.header.to_vec();
        whole.extend_from_slice(&decode(&tree.fields.encoding, tree.body)?);
        return Ok(whole);
    }
    let numbers: Vec<u32> = section.iter().map(|n| n.get()).collect();
    match tree.find(&numbers) {
        Some(part) => decode(&part.fields.encoding, part.body).map(Cow::into_owned),
        None => Ok(Vec::new()),
    }
}

/// Decoded data as the wire carries it: a literal, or a literal8 when it holds NUL.
pub(crate) fn nstring8(data: &[u8]) -> NString8<'static> {
    match Literal::try_from(data.to_vec()) {
        Ok(literal) => NString8::NString(NString(Some(IString::from(literal)))),
        Err(_) => NString8::Literal8(Literal8 {
            data: Cow::Owned(data.to_vec()),
            mode: LiteralMode::Sync,
        }),
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
        assert_eq!(binary_bytes(&section(&[1]), MIXED).unwrap(), b"hello world");
        assert_eq!(binary_bytes(&section(&[2]), MIXED).unwrap(), b"a\0bc");
        assert_eq!(binary_bytes(&section(&[9]), MIXED).unwrap(), b"");
        assert_eq!(
            binary_bytes(&section(&[3]), MIXED),
            Err(UnknownCte("X-UUENCODE".to_owned()))
        );
        // A multipart's own body is not encoded: the whole message is as stored.
        assert_eq!(binary_bytes(&[], MIXED).unwrap(), MIXED);
    }

    #[test]
    fn a_single_part_message_keeps_its_header() {
        let raw = b"Subject: x\r\nContent-Transfer-Encoding: base64\r\n\r\nAAEC\r\n";
        assert_eq!(
            binary_bytes(&[], raw).unwrap(),
            b"Subject: x\r\nContent-Transfer-Encoding: base64\r\n\r\n\0\x01\x02"
        );
        assert_eq!(binary_bytes(&section(&[1]), raw).unwrap(), [0, 1, 2]);
    }

    #[test]
    fn nul_goes_as_literal8() {
        assert!(matches!(nstring8(b"a\0b"), NString8::Literal8(_)));
        assert!(matches!(nstring8(b"ab"), NString8::NString(_)));
    }
}
