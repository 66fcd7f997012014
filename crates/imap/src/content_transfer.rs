//! Content-Transfer-Encoding decoding for BINARY (RFC 3516): a part's body as the bytes it
//! stands for. Lenient as RFC 2045 asks of decoders (characters outside the base64
//! alphabet are ignored, a malformed quoted-printable escape is kept as it stands), so only an
//! encoding this server does not know is refused. Pure; never panics.

use std::borrow::Cow;

/// An encoding BINARY cannot undo: answered `NO [UNKNOWN-CTE]`.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("cannot decode the Content-Transfer-Encoding {0}")]
pub(crate) struct UnknownCte(pub String);

/// Whether `encoding` (as BODYSTRUCTURE reports it, upper case) changes the bytes it
/// carries: false for 7bit, 8bit and binary; an error for an encoding this server does not know.
pub(crate) fn transforms(encoding: &str) -> Result<bool, UnknownCte> {
    match encoding {
        "7BIT" | "8BIT" | "BINARY" => Ok(false),
        "BASE64" | "QUOTED-PRINTABLE" => Ok(true),
        other => Err(UnknownCte(other.to_owned())),
    }
}

/// `body` decoded from `encoding`.
pub(crate) fn decode<'a>(encoding: &str, body: &'a [u8]) -> Result<Cow<'a, [u8]>, UnknownCte> {
    Ok(match (transforms(encoding)?, encoding) {
        (false, _) => Cow::Borrowed(body),
        (true, "BASE64") => Cow::Owned(base64(body)),
        (true, _) => Cow::Owned(quoted_printable(body)),
    })
}

fn base64_value(b: u8) -> Option<u32> {
    let value = match b {
        b'A'..=b'Z' => b - b'A',
        b'a'..=b'z' => b - b'a' + 26,
        b'0'..=b'9' => b - b'0' + 52,
        b'+' => 62,
        b'/' => 63,
        _ => return None,
    };
    Some(u32::from(value))
}

/// Base64 up to the first `=`; line breaks and other stray characters skipped.
fn base64(body: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(body.len() / 4 * 3);
    let mut group = 0u32;
    let mut count = 0u8;
    for &b in body {
        if b == b'=' {
            break;
        }
        let Some(value) = base64_value(b) else {
            continue;
        };
        group = (group << 6) | value;
        count += 1;
        if count == 4 {
            let [_, a, b, c] = group.to_be_bytes();
            out.extend_from_slice(&[a, b, c]);
            group = 0;
            count = 0;
        }
    }
    // A last group of 2 or 3 characters holds 1 or 2 bytes; a lone one holds none.
    match count {
        2 => {
            let [_, _, _, a] = (group >> 4).to_be_bytes();
            out.push(a);
        }
        3 => {
            let [_, _, a, b] = (group >> 2).to_be_bytes();
            out.extend_from_slice(&[a, b]);
        }
        _ => {}
    }
    out
}

fn hex(b: u8) -> Option<u8> {
    char::from(b)
        .to_digit(16)
        .and_then(|d| u8::try_from(d).ok())
}

/// Quoted-printable line by line: `=XY` is a byte, `=` at a line's end joins it to the
/// next, trailing blanks (transport padding) are dropped, line ends are kept as sent.
fn quoted_printable(body: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(body.len());
    for line in body.split_inclusive(|b| *b == b'\n') {
        let (content, ending): (&[u8], &[u8]) = match line {
            [rest @ .., b'\r', b'\n'] => (rest, b"\r\n"),
            [rest @ .., b'\n'] => (rest, b"\n"),
            _ => (line, b""),
        };
        let content = trim_blanks_end(content);
        let (content, soft) = match content {
            [rest @ .., b'='] => (rest, true),
            _ => (content, false),
        };
        let mut i = 0;
        while let Some(&b) = content.get(i) {
            let escaped = match (b, content.get(i + 1), content.get(i + 2)) {
                (b'=', Some(&h), Some(&l)) => hex(h).zip(hex(l)).map(|(h, l)| (h << 4) | l),
                _ => None,
            };
            match escaped {
                Some(byte) => {
                    out.push(byte);
                    i += 3;
                }
                None => {
                    out.push(b);
                    i += 1;
                }
            }
        }
        if !soft {
            out.extend_from_slice(ending);
        }
    }
    out
}

fn trim_blanks_end(mut bytes: &[u8]) -> &[u8] {
    while let [rest @ .., b' ' | b'\t'] = bytes {
        bytes = rest;
    }
    bytes
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_ignores_line_breaks_and_stops_at_padding() {
        assert_eq!(base64(b"aGVsbG8g\r\nd29ybGQ=\r\n"), b"hello world");
        assert_eq!(base64(b"aGVsbG8gd29ybGQh"), b"hello world!");
        assert_eq!(base64(b"AAEC"), [0, 1, 2]);
        assert_eq!(base64(b"AA=="), [0]);
        assert_eq!(base64(b"AAA="), [0, 0]);
        assert_eq!(base64(b"A"), b"");
        assert_eq!(base64(b"*aG k*"), b"hi");
    }

    #[test]
    fn quoted_printable_escapes_soft_breaks_and_padding() {
        assert_eq!(
            quoted_printable(b"caf=C3=A9 =3D ok\r\nsoft=\r\nbreak  \r\nend"),
            "café = ok\r\nsoftbreak\r\nend".as_bytes()
        );
        assert_eq!(quoted_printable(b"a=00b"), b"a\0b");
        // Malformed escapes stand as sent.
        assert_eq!(quoted_printable(b"=ZZ =4 ="), b"=ZZ =4 ");
        assert_eq!(quoted_printable(b"lf\nonly=\n"), b"lf\nonly");
    }

    #[test]
    fn identity_and_unknown_encodings() {
        assert_eq!(decode("7BIT", b"x\0y").unwrap().as_ref(), b"x\0y");
        assert_eq!(decode("BINARY", b"\xff").unwrap().as_ref(), b"\xff");
        assert_eq!(
            decode("X-UUENCODE", b"begin"),
            Err(UnknownCte("X-UUENCODE".to_owned()))
        );
        assert_eq!(transforms("BASE64"), Ok(true));
        assert_eq!(transforms("8BIT"), Ok(false));
    }
}
