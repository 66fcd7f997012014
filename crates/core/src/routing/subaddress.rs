//! Sub-addressing (RFC 5233): `user+tag@domain` reaches `user@domain`.

use crate::domain::EmailAddress;

/// What separates the user from the tag.
pub const DELIMITER: char = '+';

/// `user+tag@domain` as `user@domain` and `tag` (the tag may be empty, `user+@`); `None`
/// for an address without the delimiter.
pub fn split_tag(address: &EmailAddress) -> Option<(EmailAddress, String)> {
    let (user, tag) = address.local_part().split_once(DELIMITER)?;
    let base = EmailAddress::parse(&format!("{user}@{}", address.domain())).ok()?;
    Some((base, tag.to_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn a(s: &str) -> EmailAddress {
        EmailAddress::parse(s).unwrap_or_else(|e| panic!("{s}: {e}"))
    }

    #[test]
    fn the_tag_is_what_follows_the_first_delimiter() {
        assert_eq!(
            split_tag(&a("ann+trips@example.com")),
            Some((a("ann@example.com"), "trips".to_owned()))
        );
        assert_eq!(
            split_tag(&a("ann+a+b@example.com")),
            Some((a("ann@example.com"), "a+b".to_owned()))
        );
        assert_eq!(
            split_tag(&a("ann+@example.com")),
            Some((a("ann@example.com"), String::new()))
        );
        assert_eq!(split_tag(&a("ann@example.com")), None);
        // No user before the delimiter: nothing to reach.
        assert_eq!(split_tag(&a("+x@example.com")), None);
    }
}
