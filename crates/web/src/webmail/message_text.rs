//! Just enough RFC 5322 and MIME to show a message as text: unfolded headers with encoded
//! words decoded, and the first text/plain part in base64 or quoted-printable. Anything it
//! cannot read is shown as is, never an error.

/// How deep nested multiparts are followed.
const MAX_DEPTH: usize = 5;

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
        let (head, _) = split(raw);
        let headers = unfold(&head);
        let get = |name: &str| {
            headers
                .iter()
                .find(|(k, _)| k.eq_ignore_ascii_case(name))
                .map(|(_, v)| decode_words(v))
                .unwrap_or_default()
        };
        let subject = get("Subject");
        Parsed {
            from: get("From"),
            to: get("To"),
            subject: match subject.trim().is_empty() {
                true => "(no subject)".to_owned(),
                false => subject,
            },
            date: get("Date"),
            text: String::new(),
        }
    }

    /// The headers and the message's text.
    pub fn whole(raw: &[u8]) -> Parsed {
        let mut parsed = Parsed::headers_only(raw);
        parsed.text = text_of(raw, 0)
            .unwrap_or_else(|| "(This message has no plain-text part to show.)".to_owned());
        parsed
    }
}

/// Header block and body, at the first empty line.
fn split(raw: &[u8]) -> (String, &[u8]) {
    let at = find(raw, b"\r\n\r\n")
        .map(|i| (i, i + 4))
        .or_else(|| find(raw, b"\n\n").map(|i| (i, i + 2)));
    match at {
        Some((end, body)) => (
            String::from_utf8_lossy(&raw[..end]).into_owned(),
            &raw[body..],
        ),
        None => (String::from_utf8_lossy(raw).into_owned(), &[]),
    }
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

fn unfold(head: &str) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = Vec::new();
    for line in head.lines() {
        if line.starts_with([' ', '\t']) {
            if let Some((_, value)) = out.last_mut() {
                value.push(' ');
                value.push_str(line.trim());
            }
        } else if let Some((name, value)) = line.split_once(':') {
            out.push((name.trim().to_owned(), value.trim().to_owned()));
        }
    }
    out
}

/// A header parameter such as `boundary` or `charset`, unquoted.
fn parameter(value: &str, name: &str) -> Option<String> {
    value.split(';').skip(1).find_map(|p| {
        let (k, v) = p.split_once('=')?;
        k.trim()
            .eq_ignore_ascii_case(name)
            .then(|| v.trim().trim_matches('"').to_owned())
    })
}

/// The first text/plain part's text.
fn text_of(raw: &[u8], depth: usize) -> Option<String> {
    let (head, body) = split(raw);
    let headers = unfold(&head);
    let get = |name: &str| {
        headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.clone())
    };
    let kind = get("Content-Type").unwrap_or_else(|| "text/plain".to_owned());
    let mime = kind
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    if mime.starts_with("multipart/") {
        if depth >= MAX_DEPTH {
            return None;
        }
        let boundary = format!("--{}", parameter(&kind, "boundary")?);
        return parts(body, boundary.as_bytes())
            .into_iter()
            .find_map(|part| text_of(part, depth + 1));
    }
    if mime != "text/plain" {
        return None;
    }
    let encoding = get("Content-Transfer-Encoding")
        .unwrap_or_default()
        .to_ascii_lowercase();
    let bytes = match encoding.trim() {
        "base64" => {
            let clean: Vec<u8> = body
                .iter()
                .copied()
                .filter(|b| !b.is_ascii_whitespace())
                .collect();
            data_encoding::BASE64.decode(&clean).ok()?
        }
        "quoted-printable" => quoted_printable(body, false),
        _ => body.to_vec(),
    };
    Some(in_charset(&bytes, parameter(&kind, "charset").as_deref()))
}

/// The bodies between `boundary` lines.
fn parts<'a>(body: &'a [u8], boundary: &[u8]) -> Vec<&'a [u8]> {
    let mut out = Vec::new();
    let mut rest = body;
    let mut started = false;
    while let Some(at) = find(rest, boundary) {
        if started {
            let part = &rest[..at];
            out.push(
                part.strip_suffix(b"\r\n")
                    .or(part.strip_suffix(b"\n"))
                    .unwrap_or(part),
            );
        }
        started = true;
        rest = &rest[at + boundary.len()..];
        if rest.starts_with(b"--") {
            break;
        }
        let line_end = find(rest, b"\n").map_or(rest.len(), |i| i + 1);
        rest = &rest[line_end..];
    }
    out
}

fn quoted_printable(input: &[u8], underscore_is_space: bool) -> Vec<u8> {
    let mut out = Vec::with_capacity(input.len());
    let mut i = 0;
    while i < input.len() {
        match input[i] {
            b'=' if input.get(i + 1) == Some(&b'\r') && input.get(i + 2) == Some(&b'\n') => i += 3,
            b'=' if input.get(i + 1) == Some(&b'\n') => i += 2,
            b'=' => match input
                .get(i + 1..i + 3)
                .and_then(|h| u8::from_str_radix(std::str::from_utf8(h).ok()?, 16).ok())
            {
                Some(byte) => {
                    out.push(byte);
                    i += 3;
                }
                None => {
                    out.push(b'=');
                    i += 1;
                }
            },
            b'_' if underscore_is_space => {
                out.push(b' ');
                i += 1;
            }
            b => {
                out.push(b);
                i += 1;
            }
        }
    }
    out
}

/// UTF-8 (and US-ASCII) as is; ISO-8859-1 and Windows-1252 byte by byte; others lossily.
fn in_charset(bytes: &[u8], charset: Option<&str>) -> String {
    match charset.map(str::to_ascii_lowercase).as_deref() {
        Some("iso-8859-1" | "latin1" | "windows-1252") => {
            bytes.iter().map(|&b| char::from(b)).collect()
        }
        _ => String::from_utf8_lossy(bytes).into_owned(),
    }
}

/// Decodes RFC 2047 encoded words (`=?utf-8?B?...?=`, `=?iso-8859-1?Q?...?=`).
fn decode_words(value: &str) -> String {
    let mut out = String::new();
    let mut rest = value;
    let mut last_was_word = false;
    while let Some(start) = rest.find("=?") {
        let Some(word) = encoded_word(&rest[start..]) else {
            out.push_str(&rest[..start + 2]);
            rest = &rest[start + 2..];
            last_was_word = false;
            continue;
        };
        let between = &rest[..start];
        // Whitespace between two encoded words is not part of the text.
        if !(last_was_word && between.trim().is_empty()) {
            out.push_str(between);
        }
        out.push_str(&word.0);
        rest = &rest[start + word.1..];
        last_was_word = true;
    }
    out.push_str(rest);
    out
}

/// One encoded word at the start of `s`: its text and its length.
fn encoded_word(s: &str) -> Option<(String, usize)> {
    let inner = s.strip_prefix("=?")?;
    let (charset, inner) = inner.split_once('?')?;
    let (encoding, inner) = inner.split_once('?')?;
    let end = inner.find("?=")?;
    let text = &inner[..end];
    let bytes = match encoding {
        "B" | "b" => data_encoding::BASE64.decode(text.as_bytes()).ok()?,
        "Q" | "q" => quoted_printable(text.as_bytes(), true),
        _ => return None,
    };
    let len = 2 + charset.len() + 1 + encoding.len() + 1 + end + 2;
    Some((in_charset(&bytes, Some(charset)), len))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_headers_and_plain_text() {
        let raw = b"From: Ann <ann@example.com>\r\nSubject: Hello\r\n there\r\nDate: Mon, 1 Jun 2026 10:00:00 +0000\r\n\r\nBody line\r\n";
        let p = Parsed::whole(raw);
        assert_eq!(p.from, "Ann <ann@example.com>");
        assert_eq!(p.subject, "Hello there");
        assert_eq!(p.text, "Body line\r\n");
    }

    #[test]
    fn decodes_encoded_words_and_transfer_encodings() {
        assert_eq!(
            decode_words("=?utf-8?B?SMOpbGxv?= =?utf-8?Q?_w=C3=B6rld?="),
            "Héllo wörld"
        );
        assert_eq!(decode_words("plain =?bad"), "plain =?bad");
        let raw = b"Content-Type: multipart/alternative; boundary=\"b1\"\n\n--b1\nContent-Type: text/html\n\n<p>x</p>\n--b1\nContent-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: quoted-printable\n\ncaf=C3=A9 =\nau lait\n--b1--\n";
        assert_eq!(Parsed::whole(raw).text, "café au lait");
        let raw = b"Content-Type: text/plain\nContent-Transfer-Encoding: base64\n\naGVs\nbG8=\n";
        assert_eq!(Parsed::whole(raw).text, "hello");
    }

    #[test]
    fn html_only_and_junk_are_shown_plainly() {
        let p = Parsed::whole(b"Content-Type: text/html\n\n<p>hi</p>");
        assert!(p.text.contains("no plain-text part"));
        assert_eq!(Parsed::headers_only(b"\xff\xfe").subject, "(no subject)");
    }
}
