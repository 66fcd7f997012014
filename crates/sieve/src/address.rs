//! Addresses: the parts `address` and `envelope` compare (RFC 5228 section 2.7.4, RFC 5233
//! subaddresses with "+"), parsing address headers, and the syntax check on redirect targets.

use mail_parser::HeaderValue;
use mail_parser::parsers::MessageStream;

use crate::ast::AddressPart;

/// The subaddress separator of RFC 5233.
const SEPARATOR: char = '+';

/// The requested part of `address`; `None` when it has no such part (`:detail` without
/// a separator), which then matches nothing.
pub(crate) fn part(address: &str, part: AddressPart) -> Option<String> {
    let (local, domain) = match address.rsplit_once('@') {
        Some((local, domain)) => (local, domain),
        None => (address, ""),
    };
    Some(match part {
        AddressPart::All => address.to_string(),
        AddressPart::LocalPart => local.to_string(),
        AddressPart::Domain => domain.to_string(),
        AddressPart::User => local
            .split_once(SEPARATOR)
            .map_or(local, |(u, _)| u)
            .to_string(),
        AddressPart::Detail => local.split_once(SEPARATOR)?.1.to_string(),
    })
}

/// The mail addresses in one raw header value, groups flattened.
pub(crate) fn parse_list(raw: &[u8]) -> Vec<String> {
    let mut owned = raw.to_vec();
    owned.push(b'\n');
    match MessageStream::new(&owned).parse_address() {
        HeaderValue::Address(list) => list
            .iter()
            .filter_map(|a| a.address.as_deref())
            .map(str::to_string)
            .collect(),
        _ => Vec::new(),
    }
}

/// A bare `local@domain` (RFC 5321 Mailbox): what redirect may send to.
pub(crate) fn is_valid_mailbox(address: &str) -> bool {
    let Some((local, domain)) = address.rsplit_once('@') else {
        return false;
    };
    valid_local(local) && valid_domain(domain)
}

fn valid_local(local: &str) -> bool {
    if local.len() > 64 || local.is_empty() {
        return false;
    }
    if let Some(inner) = local.strip_prefix('"').and_then(|l| l.strip_suffix('"')) {
        return inner
            .chars()
            .all(|c| !c.is_control() && c != '"' && c != '\\');
    }
    let atext = |c: char| c.is_alphanumeric() || "!#$%&'*+-/=?^_`{|}~".contains(c);
    local
        .split('.')
        .all(|atom| !atom.is_empty() && atom.chars().all(atext))
}

fn valid_domain(domain: &str) -> bool {
    if let Some(literal) = domain.strip_prefix('[').and_then(|d| d.strip_suffix(']')) {
        return !literal.is_empty()
            && literal
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || ".:-".contains(c));
    }
    domain.len() <= 255
        && domain.split('.').all(|label| {
            !label.is_empty()
                && label.len() <= 63
                && !label.starts_with('-')
                && !label.ends_with('-')
                && label.chars().all(|c| c.is_alphanumeric() || c == '-')
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parts() {
        let a = "Ken+Sieve@Example.com";
        assert_eq!(
            part(a, AddressPart::LocalPart).as_deref(),
            Some("Ken+Sieve")
        );
        assert_eq!(part(a, AddressPart::Domain).as_deref(), Some("Example.com"));
        assert_eq!(part(a, AddressPart::User).as_deref(), Some("Ken"));
        assert_eq!(part(a, AddressPart::Detail).as_deref(), Some("Sieve"));
        assert_eq!(part("ken@x", AddressPart::Detail), None);
        assert_eq!(part("ken+@x", AddressPart::Detail).as_deref(), Some(""));
    }

    #[test]
    fn header_lists() {
        assert_eq!(
            parse_list(b" \"A B\" <a@x.org>, c@y.org, g: d@z.org;"),
            vec!["a@x.org", "c@y.org", "d@z.org"]
        );
    }

    #[test]
    fn mailboxes() {
        assert!(is_valid_mailbox("a.b+c@example.org"));
        assert!(is_valid_mailbox("\"a b\"@example.org"));
        assert!(!is_valid_mailbox("a b@example.org"));
        assert!(!is_valid_mailbox("@example.org"));
        assert!(!is_valid_mailbox("a@"));
        assert!(!is_valid_mailbox("a@-x.org"));
        assert!(!is_valid_mailbox("<a@x.org>"));
    }
}
