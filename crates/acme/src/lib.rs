//! Certificates from an ACME CA (RFC 8555) for the names this server answers to. The CA checks
//! control of each name by HTTP-01 (a token answered on port 80) or TLS-ALPN-01 (a challenge
//! certificate answered on port 443, RFC 8737); both answers go through what the listeners
//! already serve ([`trekmail_net::ChallengeTokens`], [`trekmail_net::Certificates`]), so no
//! listener is stopped or added for an order. Files and scheduling are the caller's.

mod account;
mod challenge_certificate;
mod order;
mod renewal;

pub use account::{AcmeAccount, Opened};
pub use order::Issued;
pub use renewal::{renew_at, retry_delay};

/// How the CA is to check that a name is ours.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Challenge {
    /// A token at `http://name/.well-known/acme-challenge/…` (port 80).
    Http01,
    /// A challenge certificate under ALPN `acme-tls/1` (port 443).
    TlsAlpn01,
}

#[derive(Debug, thiserror::Error)]
pub enum AcmeError {
    #[error("ACME: {0}")]
    Protocol(#[from] instant_acme::Error),
    #[error("the saved ACME account is unreadable: {0}")]
    SavedAccount(#[from] serde_json::Error),
    #[error("cannot make a key or request: {0}")]
    Key(#[from] rcgen::Error),
    #[error("the certificate from the CA cannot be served: {0}")]
    Certificate(#[from] trekmail_net::CertificateError),
    #[error("the CA offers no {0} challenge for {1}")]
    NoChallenge(&'static str, String),
    #[error("the CA did not validate {0}")]
    Invalid(String),
}
