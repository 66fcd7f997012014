//! CSRF tokens. Signed in, the token is derived from the session's secret cookie token, so it
//! needs no storage and dies with the session; before sign-in, a random cookie is echoed in the
//! form (double submit). Both are compared in constant time.

use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

/// The token for the session whose cookie token is `session_token`.
pub fn for_session(session_token: &str) -> String {
    let mut hasher = Sha256::new();
    hasher.update(b"trekmail csrf v1\0");
    hasher.update(session_token.as_bytes());
    data_encoding::HEXLOWER.encode(&hasher.finalize())
}

/// Whether `sent` is `expected`, without leaking how much of it matched.
pub fn matches(expected: &str, sent: &str) -> bool {
    !expected.is_empty() && bool::from(expected.as_bytes().ct_eq(sent.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_token_belongs_to_one_session() {
        let a = for_session("aaaa");
        assert_eq!(a.len(), 64);
        assert!(matches(&a, &for_session("aaaa")));
        assert!(!matches(&a, &for_session("aaab")));
        assert!(!matches(&a, ""));
        assert!(!matches("", ""));
        assert!(!matches(&a, &a[..63]));
    }
}
