//! What the server says (RFC 5804 §1.3, §4): `OK`, `NO` and `BYE` with an optional response
//! code and text, strings quoted when they can be and literals when not, and the capability
//! listing the greeting, CAPABILITY and STARTTLS share.

/// The longest quoted string RFC 5804 allows; anything longer is sent as a literal.
const MAX_QUOTED: usize = 1024;

/// A response code (RFC 5804 §1.3).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Code<'a> {
    Active,
    AlreadyExists,
    EncryptNeeded,
    MaxScripts,
    MaxSize,
    Nonexistent,
    TryLater,
    /// NOOP's tag, echoed.
    Tag(&'a str),
}

impl Code<'_> {
    fn write(&self, out: &mut Vec<u8>) {
        let name = match self {
            Code::Active => "ACTIVE",
            Code::AlreadyExists => "ALREADYEXISTS",
            Code::EncryptNeeded => "ENCRYPT-NEEDED",
            Code::MaxScripts => "QUOTA/MAXSCRIPTS",
            Code::MaxSize => "QUOTA/MAXSIZE",
            Code::Nonexistent => "NONEXISTENT",
            Code::TryLater => "TRYLATER",
            Code::Tag(tag) => {
                out.extend_from_slice(b"(TAG ");
                string(out, tag.as_bytes());
                out.push(b')');
                return;
            }
        };
        out.push(b'(');
        out.extend_from_slice(name.as_bytes());
        out.push(b')');
    }
}

pub(crate) fn ok(code: Option<Code<'_>>, text: &str) -> Vec<u8> {
    status("OK", code, text)
}

pub(crate) fn no(code: Option<Code<'_>>, text: &str) -> Vec<u8> {
    status("NO", code, text)
}

pub(crate) fn bye(code: Option<Code<'_>>, text: &str) -> Vec<u8> {
    status("BYE", code, text)
}

fn status(kind: &str, code: Option<Code<'_>>, text: &str) -> Vec<u8> {
    let mut out = kind.as_bytes().to_vec();
    if let Some(code) = code {
        out.push(b' ');
        code.write(&mut out);
    }
    if !text.is_empty() {
        out.push(b' ');
        string(&mut out, text.as_bytes());
    }
    out.extend_from_slice(b"\r\n");
    out
}

/// A string: quoted when short and on one line, else a literal.
pub(crate) fn string(out: &mut Vec<u8>, s: &[u8]) {
    if s.len() > MAX_QUOTED || s.iter().any(|b| matches!(b, b'\r' | b'\n' | b'\0')) {
        literal(out, s);
        return;
    }
    out.push(b'"');
    for &b in s {
        if matches!(b, b'"' | b'\\') {
            out.push(b'\\');
        }
        out.push(b);
    }
    out.push(b'"');
}

/// `{N}` CRLF and the bytes (RFC 5804's server-to-client literal).
pub(crate) fn literal(out: &mut Vec<u8>, s: &[u8]) {
    out.extend_from_slice(format!("{{{}}}\r\n", s.len()).as_bytes());
    out.extend_from_slice(s);
}

/// What the capability listing says about a connection.
pub(crate) struct Capabilities<'a> {
    /// A password may be sent on this connection.
    pub(crate) sasl: bool,
    pub(crate) starttls: bool,
    pub(crate) max_redirects: usize,
    /// The signed-in mailbox.
    pub(crate) owner: Option<&'a str>,
}

/// The listing (RFC 5804 §1.7), ended by `OK`.
pub(crate) fn capabilities(caps: &Capabilities<'_>) -> Vec<u8> {
    let mut out = Vec::new();
    let mut line = |name: &str, value: Option<&str>| {
        string(&mut out, name.as_bytes());
        if let Some(value) = value {
            out.push(b' ');
            string(&mut out, value.as_bytes());
        }
        out.extend_from_slice(b"\r\n");
    };
    line("IMPLEMENTATION", Some("TrekMail"));
    // Empty when no password may be sent here yet, which RFC 5804 allows only beside STARTTLS.
    line("SASL", Some(if caps.sasl { "PLAIN" } else { "" }));
    line("SIEVE", Some(&trekmail_sieve::EXTENSIONS.join(" ")));
    if caps.starttls {
        line("STARTTLS", None);
    }
    line("MAXREDIRECTS", Some(&caps.max_redirects.to_string()));
    if let Some(owner) = caps.owner {
        line("OWNER", Some(owner));
    }
    line("VERSION", Some("1.0"));
    out.extend_from_slice(&ok(None, ""));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(bytes: Vec<u8>) -> String {
        String::from_utf8(bytes).unwrap_or_default()
    }

    #[test]
    fn statuses_with_codes_and_strings() {
        assert_eq!(text(ok(None, "")), "OK\r\n");
        assert_eq!(
            text(no(Some(Code::MaxSize), "Too \"big\"")),
            "NO (QUOTA/MAXSIZE) \"Too \\\"big\\\"\"\r\n"
        );
        assert_eq!(
            text(ok(Some(Code::Tag("t\\1")), "Done")),
            "OK (TAG \"t\\\\1\") \"Done\"\r\n"
        );
        assert_eq!(
            text(no(None, "line 1, column 2: x\nline 3, column 4: y")),
            "NO {39}\r\nline 1, column 2: x\nline 3, column 4: y\r\n"
        );
    }

    #[test]
    fn the_listing_names_what_the_connection_may_do() {
        let caps = Capabilities {
            sasl: false,
            starttls: true,
            max_redirects: 4,
            owner: None,
        };
        let listing = text(capabilities(&caps));
        assert!(listing.starts_with("\"IMPLEMENTATION\" \"TrekMail\"\r\n"));
        assert!(listing.contains("\"SASL\" \"\"\r\n"));
        assert!(listing.contains("\"STARTTLS\"\r\n"));
        assert!(listing.contains("\"SIEVE\" \"fileinto "));
        assert!(listing.contains("\"MAXREDIRECTS\" \"4\"\r\n"));
        assert!(listing.ends_with("\"VERSION\" \"1.0\"\r\nOK\r\n"));
        let caps = Capabilities {
            sasl: true,
            starttls: false,
            max_redirects: 4,
            owner: Some("ann@example.com"),
        };
        let listing = text(capabilities(&caps));
        assert!(listing.contains("\"SASL\" \"PLAIN\"\r\n"));
        assert!(listing.contains("\"OWNER\" \"ann@example.com\"\r\n"));
        assert!(!listing.contains("STARTTLS"));
    }
}
