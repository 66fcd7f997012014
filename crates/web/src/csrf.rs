//! CSRF tokens. Signed in, the token is derived from the session's secret cookie token, so it
//! needs no storage and dies with the session; before sign-in, a random cookie is echoed in the
//! form (double submit). Both are compared in constant time.

use crate::error::WebError;
use crate::session;
use axum::http::HeaderMap;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;
use trekmail_core::security::random;

/// The token for the session whose cookie token is `session_token`.
pub fn for_session(session_token: &str) -> String {
    let mut hasher = Sha256::new();
    hasher.update(b"trekmail csrf v1\0");
    hasher.update(session_token.as_bytes());
    data_encoding::HEXLOWER.encode(&hasher.finalize())
}

/// Whether `sent` is `expected`, without leaking how much of it matched.
fn matches(expected: &str, sent: &str) -> bool {
    !expected.is_empty() && bool::from(expected.as_bytes().ct_eq(sent.as_bytes()))
}

/// Refuses a state-changing request whose token is not the session's.
pub fn check(expected: &str, sent: &str) -> Result<(), WebError> {
    match matches(expected, sent) {
        true => Ok(()),
        false => Err(WebError::Csrf),
    }
}

/// The pre-session value kept in cookie `name`: the browser's, or a new one.
pub fn pre_token(headers: &HeaderMap, name: &str) -> Result<String, WebError> {
    match session::cookie(headers, name) {
        Some(value) if value.len() == 32 && value.bytes().all(|b| b.is_ascii_hexdigit()) => {
            Ok(value)
        }
        _ => Ok(random::hex_token()?),
    }
}

/// Whether a sign-in form echoed the pre-session cookie `name`.
pub fn pre_matches(headers: &HeaderMap, name: &str, sent: &str) -> bool {
    session::cookie(headers, name).is_some_and(|cookie| matches(&cookie, sent))
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
