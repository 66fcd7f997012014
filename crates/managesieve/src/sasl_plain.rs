//! RFC 4616 SASL PLAIN in its base64 form: `authzid NUL authcid NUL password`.

/// The login and password of a base64 PLAIN message; `None` if malformed or if it asks to act
/// as someone else (the authzid must be empty or the authcid).
pub(crate) fn parse(base64: &[u8]) -> Option<(String, String)> {
    let message = data_encoding::BASE64.decode(base64).ok()?;
    let mut parts = message.split(|b| *b == 0);
    let (authz, authc, password) = (parts.next()?, parts.next()?, parts.next()?);
    if parts.next().is_some() || authc.is_empty() || !(authz.is_empty() || authz == authc) {
        return None;
    }
    let login = std::str::from_utf8(authc).ok()?.to_owned();
    let password = std::str::from_utf8(password).ok()?.to_owned();
    Some((login, password))
}

#[cfg(test)]
mod tests {
    use super::parse;

    fn b64(s: &[u8]) -> Vec<u8> {
        data_encoding::BASE64.encode(s).into_bytes()
    }

    #[test]
    fn plain_messages() {
        let ann = Some(("ann@x.com".to_owned(), "pw".to_owned()));
        assert_eq!(parse(&b64(b"\0ann@x.com\0pw")), ann);
        assert_eq!(parse(&b64(b"ann@x.com\0ann@x.com\0pw")), ann);
        assert_eq!(parse(&b64(b"bob@x.com\0ann@x.com\0pw")), None);
        assert_eq!(parse(&b64(b"\0ann@x.com")), None);
        assert_eq!(parse(&b64(b"\0\0pw")), None);
        assert_eq!(parse(b"not base64!"), None);
    }
}
