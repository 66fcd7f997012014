//! RFC 4616 SASL PLAIN: `authzid NUL authcid NUL password`.

/// The login and password of a PLAIN message; `None` if malformed or if it asks to act as
/// someone else.
pub fn parse(message: &[u8]) -> Option<(String, String)> {
    let mut parts = message.split(|b| *b == 0);
    let (authz, authc, password) = (parts.next()?, parts.next()?, parts.next()?);
    if parts.next().is_some() || authc.is_empty() {
        return None;
    }
    if !authz.is_empty() && authz != authc {
        return None;
    }
    let login = std::str::from_utf8(authc).ok()?.to_owned();
    let password = std::str::from_utf8(password).ok()?.to_owned();
    Some((login, password))
}

#[cfg(test)]
mod tests {
    use super::parse;

    #[test]
    fn plain_messages() {
        assert_eq!(
            parse(b"\0ann@x.com\0pw"),
            Some(("ann@x.com".into(), "pw".into()))
        );
        assert_eq!(
            parse(b"ann@x.com\0ann@x.com\0pw"),
            Some(("ann@x.com".into(), "pw".into()))
        );
        assert_eq!(parse(b"bob@x.com\0ann@x.com\0pw"), None);
        assert_eq!(parse(b"\0ann@x.com"), None);
        assert_eq!(parse(b"\0\0pw"), None);
        assert_eq!(parse(b"\0a\0b\0c"), None);
    }
}
