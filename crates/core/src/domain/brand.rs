use crate::ids::AccountId;
use chrono::{DateTime, Utc};

/// An account's own webmail look: reached at `host`, titled `name`, in `colour`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Brand {
    pub account_id: AccountId,
    /// A DNS name, lower-cased, pointing at the webmail listener.
    pub host: String,
    pub name: String,
    /// `#rrggbb`, lower-cased.
    pub colour: String,
    pub updated_at: DateTime<Utc>,
}

/// The one form host names are stored and compared in: trimmed, lower-case, without the
/// root's trailing dot, so `Mail.Example.COM.` and `mail.example.com` are one host.
pub fn host_key(host: &str) -> String {
    host.trim().trim_end_matches('.').to_ascii_lowercase()
}

/// Whether `colour` is `#rrggbb`: the only form a stylesheet gets, so it cannot inject CSS.
pub fn colour_is_valid(colour: &str) -> bool {
    colour.len() == 7
        && colour.starts_with('#')
        && colour[1..].bytes().all(|b| b.is_ascii_hexdigit())
}

#[cfg(test)]
mod tests {
    use super::colour_is_valid;

    #[test]
    fn only_six_hex_digits_pass() {
        assert!(colour_is_valid("#1A2b3c"));
        for bad in [
            "", "#123", "123456", "#12345g", "#1234567", "red", "#12345;",
        ] {
            assert!(!colour_is_valid(bad), "{bad:?}");
        }
    }
}
