use serde::{Deserialize, Serialize};
use std::fmt;

/// Why a string is not an address we host or accept as a login.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AddressError {
    #[error("an address needs exactly one @ with text on both sides")]
    Shape,
    #[error(
        "the part before @ may hold letters, digits and . _ + - only, without leading, trailing or double dots"
    )]
    LocalPart,
    #[error("the domain must be a name such as example.com")]
    Domain,
    #[error("an address is at most 254 characters")]
    TooLong,
}

/// A lower-cased mailbox address, validated once so the rest of the code can trust it.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct EmailAddress(String);

impl EmailAddress {
    pub fn parse(input: &str) -> Result<EmailAddress, AddressError> {
        let lower = input.trim().to_ascii_lowercase();
        if lower.len() > 254 {
            return Err(AddressError::TooLong);
        }
        let (local, domain) = lower.split_once('@').ok_or(AddressError::Shape)?;
        if local.is_empty() || domain.is_empty() || domain.contains('@') {
            return Err(AddressError::Shape);
        }
        if !local_part_is_valid(local) {
            return Err(AddressError::LocalPart);
        }
        if !domain_name_is_valid(domain) {
            return Err(AddressError::Domain);
        }
        Ok(EmailAddress(lower))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn local_part(&self) -> &str {
        self.0.split_once('@').map_or("", |(l, _)| l)
    }

    pub fn domain(&self) -> &str {
        self.0.split_once('@').map_or("", |(_, d)| d)
    }
}

fn local_part_is_valid(local: &str) -> bool {
    local.len() <= 64
        && !local.starts_with('.')
        && !local.ends_with('.')
        && !local.contains("..")
        && local
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'+' | b'-'))
}

/// A DNS host name of at least two labels, each 1–63 letters, digits or inner hyphens.
pub fn domain_name_is_valid(domain: &str) -> bool {
    let labels: Vec<&str> = domain.split('.').collect();
    domain.len() <= 253
        && labels.len() >= 2
        && labels.iter().all(|l| {
            !l.is_empty()
                && l.len() <= 63
                && !l.starts_with('-')
                && !l.ends_with('-')
                && l.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
        })
}

impl fmt::Display for EmailAddress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl TryFrom<String> for EmailAddress {
    type Error = AddressError;
    fn try_from(s: String) -> Result<EmailAddress, AddressError> {
        EmailAddress::parse(&s)
    }
}

impl From<EmailAddress> for String {
    fn from(a: EmailAddress) -> String {
        a.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_lowercases() {
        let a = EmailAddress::parse(" Support@Example.COM ").unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(a.as_str(), "support@example.com");
        assert_eq!(a.local_part(), "support");
        assert_eq!(a.domain(), "example.com");
    }

    #[test]
    fn rejects_bad_shapes() {
        for bad in [
            "",
            "a",
            "@x.com",
            "a@",
            "a@@x.com",
            "a@x",
            "a..b@x.com",
            ".a@x.com",
            "a b@x.com",
            "a@-x.com",
            "a@x..com",
        ] {
            assert!(EmailAddress::parse(bad).is_err(), "{bad:?} was accepted");
        }
    }
}
