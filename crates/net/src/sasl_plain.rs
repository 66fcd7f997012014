//! RFC 4616 SASL PLAIN, `authzid NUL authcid NUL password`: one decoder for every protocol that
//! takes a password (IMAP, SMTP, ManageSieve), so they all refuse the same messages.

/// The login and password of a (base64-decoded) PLAIN message; `None` if malformed or if it
/// asks to act as someone else (the authzid must be empty or the authcid).
pub fn sasl_plain(message: &[u8]) -> Option<(String, String)> {
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
    use super::sasl_plain;

    #[test]
    fn plain_messages() {
        let ann = Some(("ann@x.com".to_owned(), "pw".to_owned()));
        assert_eq!(sasl_plain(b"\0ann@x.com\0pw"), ann);
        assert_eq!(sasl_plain(b"ann@x.com\0ann@x.com\0pw"), ann);
        assert_eq!(sasl_plain(b"bob@x.com\0ann@x.com\0pw"), None);
        assert_eq!(sasl_plain(b"\0ann@x.com"), None);
        assert_eq!(sasl_plain(b"\0\0pw"), None);
        assert_eq!(sasl_plain(b"\0a\0b\0c"), None);
        assert_eq!(sasl_plain(b"\0\xff\0pw"), None);
    }
}
