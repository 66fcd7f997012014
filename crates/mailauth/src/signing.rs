//! DKIM signatures (RFC 6376) for a message leaving a hosted domain: one per key, so an RSA
//! and an Ed25519 signature travel together (RFC 8463 §3).

use crate::AuthError;
use crate::keys::DkimAlgorithm;
use mail_auth::common::crypto::{Ed25519Key, RsaKey, Sha256};
use mail_auth::common::headers::HeaderWriter;
use mail_auth::dkim::{DkimSigner, Done};
use rustls_pki_types::{PrivateKeyDer, PrivatePkcs1KeyDer};
use zeroize::Zeroizing;

/// The headers signed: those a forger would change to mislead the reader, plus the MIME ones
/// that say how the body reads. A header missing from the message is signed as absent, so it
/// cannot be added later (RFC 6376 §5.4).
const SIGNED_HEADERS: [&str; 14] = [
    "From",
    "Reply-To",
    "Subject",
    "Date",
    "To",
    "Cc",
    "Message-ID",
    "In-Reply-To",
    "References",
    "MIME-Version",
    "Content-Type",
    "Content-Transfer-Encoding",
    "List-Unsubscribe",
    "Sender",
];

/// One key a domain signs with.
pub struct SigningKey {
    pub algorithm: DkimAlgorithm,
    pub selector: String,
    pub private_der: Zeroizing<Vec<u8>>,
}

/// A domain's keys, read and checked once (reading an RSA key costs more than a signature),
/// ready to sign any number of messages.
pub struct Signer {
    selectors: Vec<String>,
    signers: Vec<KeySigner>,
}

enum KeySigner {
    Rsa(DkimSigner<RsaKey<Sha256>, Done>),
    Ed25519(DkimSigner<Ed25519Key, Done>),
}

impl Signer {
    /// A signer for `domain` with each of `keys`; `BadKey` for one that does not read.
    pub fn new(domain: &str, keys: &[SigningKey]) -> Result<Signer, AuthError> {
        let mut signers = Vec::with_capacity(keys.len());
        for key in keys {
            signers.push(match key.algorithm {
                DkimAlgorithm::Rsa => {
                    let der =
                        PrivateKeyDer::Pkcs1(PrivatePkcs1KeyDer::from(key.private_der.as_slice()));
                    let rsa = RsaKey::<Sha256>::from_key_der(der)
                        .map_err(|e| AuthError::BadKey(e.to_string()))?;
                    KeySigner::Rsa(
                        DkimSigner::from_key(rsa)
                            .domain(domain)
                            .selector(&key.selector)
                            .headers(SIGNED_HEADERS),
                    )
                }
                DkimAlgorithm::Ed25519 => {
                    let ed = Ed25519Key::from_pkcs8_der(&key.private_der)
                        .map_err(|e| AuthError::BadKey(e.to_string()))?;
                    KeySigner::Ed25519(
                        DkimSigner::from_key(ed)
                            .domain(domain)
                            .selector(&key.selector)
                            .headers(SIGNED_HEADERS),
                    )
                }
            });
        }
        Ok(Signer {
            selectors: keys.iter().map(|k| k.selector.clone()).collect(),
            signers,
        })
    }

    /// The selectors it signs with, in order.
    pub fn selectors(&self) -> &[String] {
        &self.selectors
    }

    /// The `DKIM-Signature` header fields for `message`, one per key, each ending in CRLF, to
    /// be put before the message's first line.
    pub fn sign(&self, message: &[u8]) -> Result<String, AuthError> {
        let mut headers = String::new();
        for signer in &self.signers {
            let signature = match signer {
                KeySigner::Rsa(signer) => signer.sign(message),
                KeySigner::Ed25519(signer) => signer.sign(message),
            }
            .map_err(|e| AuthError::Signing(e.to_string()))?;
            headers.push_str(&signature.to_header());
        }
        Ok(headers)
    }
}
