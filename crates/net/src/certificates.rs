//! The one certificate holder every TLS listener shares: a default key, keys for particular
//! SNI names (branded webmail hosts), and TLS-ALPN-01 challenge keys (RFC 8737), each
//! replaceable while the server runs. A new handshake sees the key installed last; a
//! connection already open keeps the one it was made with.

use rustls::crypto::CryptoProvider;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use rustls::server::{ClientHello, ResolvesServerCert};
use rustls::sign::CertifiedKey;
use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, RwLock, RwLockReadGuard, RwLockWriteGuard};
use std::time::{Duration, SystemTime};

/// The ALPN protocol of TLS-ALPN-01 validation (RFC 8737 section 6.2).
pub const ACME_TLS_ALPN: &[u8] = b"acme-tls/1";

/// A certificate chain and key that could not be used.
#[derive(Debug, thiserror::Error)]
pub enum CertificateError {
    #[error("no certificate in the PEM")]
    NoCertificate,
    #[error("unreadable PEM: {0}")]
    Pem(String),
    #[error("the key does not suit the certificate: {0}")]
    Key(#[from] rustls::Error),
}

/// A chain (leaf first) and its key, ready to serve, and when the leaf expires.
#[derive(Clone)]
pub struct ServedKey {
    key: Arc<CertifiedKey>,
    not_after: Option<SystemTime>,
}

impl ServedKey {
    /// From PEM: the chain leaf first, and its private key (PKCS#8, PKCS#1 or SEC1), which
    /// must be the leaf's.
    pub fn from_pem(chain: &[u8], key: &[u8]) -> Result<ServedKey, CertificateError> {
        ServedKey::parse(chain, key, true)
    }

    /// A TLS-ALPN-01 challenge certificate: as [`ServedKey::from_pem`] without matching the
    /// key to the certificate, which needs a parse that refuses the critical acmeIdentifier
    /// extension (RFC 8737); the certificate is made together with its key.
    pub fn challenge_from_pem(chain: &[u8], key: &[u8]) -> Result<ServedKey, CertificateError> {
        ServedKey::parse(chain, key, false)
    }

    fn parse(chain: &[u8], key: &[u8], check: bool) -> Result<ServedKey, CertificateError> {
        let chain = CertificateDer::pem_slice_iter(chain)
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| CertificateError::Pem(e.to_string()))?;
        let key =
            PrivateKeyDer::from_pem_slice(key).map_err(|e| CertificateError::Pem(e.to_string()))?;
        let leaf = chain.first().ok_or(CertificateError::NoCertificate)?;
        let not_after = not_after(leaf);
        let provider = CryptoProvider::get_default()
            .cloned()
            .unwrap_or_else(|| Arc::new(rustls::crypto::ring::default_provider()));
        let key = match check {
            true => CertifiedKey::from_der(chain, key, &provider)?,
            false => CertifiedKey::new(chain, provider.key_provider.load_private_key(key)?),
        };
        Ok(ServedKey {
            key: Arc::new(key),
            not_after,
        })
    }

    /// When the leaf certificate expires; `None` if its validity could not be read.
    pub fn not_after(&self) -> Option<SystemTime> {
        self.not_after
    }

    /// When the leaf certificate became valid.
    pub fn not_before(&self) -> Option<SystemTime> {
        let leaf = self.key.cert.first()?;
        validity(leaf).map(|(from, _)| from)
    }
}

impl fmt::Debug for ServedKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ServedKey")
            .field("not_after", &self.not_after)
            .finish_non_exhaustive()
    }
}

/// The keys in use; cheap to clone, every clone sees the same keys.
#[derive(Clone)]
pub struct Certificates {
    held: Arc<RwLock<Held>>,
}

struct Held {
    default: ServedKey,
    by_name: HashMap<String, ServedKey>,
    challenges: HashMap<String, Arc<CertifiedKey>>,
}

impl Certificates {
    pub fn new(default: ServedKey) -> Certificates {
        Certificates {
            held: Arc::new(RwLock::new(Held {
                default,
                by_name: HashMap::new(),
                challenges: HashMap::new(),
            })),
        }
    }

    /// Replaces the key served to every name without one of its own.
    pub fn set_default(&self, key: ServedKey) {
        self.write().default = key;
    }

    /// Serves `key` to clients asking for `name` (SNI, any case).
    pub fn set_named(&self, name: &str, key: ServedKey) {
        self.write().by_name.insert(name_key(name), key);
    }

    /// Stops serving `name` a key of its own (a brand gone): it gets the default again.
    pub fn remove_named(&self, name: &str) {
        self.write().by_name.remove(&name_key(name));
    }

    /// The names with a key of their own, lower case.
    pub fn named(&self) -> Vec<String> {
        self.read().by_name.keys().cloned().collect()
    }

    /// When the default certificate expires (for `/readyz` and the expiry gauge).
    pub fn not_after(&self) -> Option<SystemTime> {
        self.read().default.not_after
    }

    /// When the certificate served to `name` expires (its own, else the default).
    pub fn not_after_of(&self, name: &str) -> Option<SystemTime> {
        let held = self.read();
        held.by_name
            .get(&name_key(name))
            .unwrap_or(&held.default)
            .not_after
    }

    /// Installs the TLS-ALPN-01 answer for `name`, served only to `acme-tls/1` hellos.
    pub fn set_challenge(&self, name: &str, key: ServedKey) {
        self.write().challenges.insert(name_key(name), key.key);
    }

    pub fn remove_challenge(&self, name: &str) {
        self.write().challenges.remove(&name_key(name));
    }

    fn choose(&self, name: Option<&str>, challenge: bool) -> Option<Arc<CertifiedKey>> {
        let held = self.read();
        let name = name.map(name_key);
        if challenge {
            return held.challenges.get(&name?).cloned();
        }
        let own = name.and_then(|name| held.by_name.get(&name));
        Some(own.unwrap_or(&held.default).key.clone())
    }

    // A panicking writer leaves whole values behind (each write is one assignment), so a
    // poisoned lock is still safe to use.
    fn read(&self) -> RwLockReadGuard<'_, Held> {
        self.held.read().unwrap_or_else(|e| e.into_inner())
    }

    fn write(&self) -> RwLockWriteGuard<'_, Held> {
        self.held.write().unwrap_or_else(|e| e.into_inner())
    }
}

impl fmt::Debug for Certificates {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Certificates")
            .field("not_after", &self.not_after())
            .field("named", &self.named())
            .finish()
    }
}

impl ResolvesServerCert for Certificates {
    fn resolve(&self, hello: ClientHello<'_>) -> Option<Arc<CertifiedKey>> {
        let challenge = hello
            .alpn()
            .is_some_and(|mut offered| offered.any(|p| p == ACME_TLS_ALPN));
        self.choose(hello.server_name(), challenge)
    }
}

fn name_key(name: &str) -> String {
    name.trim_end_matches('.').to_ascii_lowercase()
}

fn not_after(cert: &CertificateDer<'_>) -> Option<SystemTime> {
    validity(cert).map(|(_, until)| until)
}

/// The leaf's notBefore and notAfter.
fn validity(cert: &CertificateDer<'_>) -> Option<(SystemTime, SystemTime)> {
    let (_, parsed) = x509_parser::parse_x509_certificate(cert.as_ref()).ok()?;
    let at = |t: x509_parser::time::ASN1Time| {
        let secs = u64::try_from(t.timestamp()).ok()?;
        SystemTime::UNIX_EPOCH.checked_add(Duration::from_secs(secs))
    };
    let validity = parsed.validity();
    Some((at(validity.not_before)?, at(validity.not_after)?))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    fn made(name: &str, until_year: i32) -> (ServedKey, Vec<u8>) {
        let mut params = rcgen::CertificateParams::new(vec![name.to_owned()]).unwrap();
        params.not_before = rcgen::date_time_ymd(2020, 1, 1);
        params.not_after = rcgen::date_time_ymd(until_year, 1, 1);
        let key = rcgen::KeyPair::generate().unwrap();
        let cert = params.self_signed(&key).unwrap();
        let served =
            ServedKey::from_pem(cert.pem().as_bytes(), key.serialize_pem().as_bytes()).unwrap();
        (served, cert.der().to_vec())
    }

    fn leaf(key: Option<Arc<CertifiedKey>>) -> Vec<u8> {
        key.unwrap().cert[0].to_vec()
    }

    #[test]
    fn sni_names_choose_their_own_key_in_any_case_and_others_get_the_default() {
        let (default, default_der) = made("mail.example.test", 2040);
        let (brand, brand_der) = made("webmail.brand.test", 2040);
        let certificates = Certificates::new(default);
        certificates.set_named("webmail.brand.test", brand);
        assert_eq!(
            leaf(certificates.choose(Some("WebMail.Brand.TEST"), false)),
            brand_der
        );
        assert_eq!(
            leaf(certificates.choose(Some("other.test"), false)),
            default_der
        );
        assert_eq!(leaf(certificates.choose(None, false)), default_der);
        assert_eq!(certificates.named(), vec!["webmail.brand.test".to_owned()]);
    }

    #[test]
    fn a_swap_is_seen_by_every_clone_and_moves_not_after() {
        let (first, _) = made("mail.example.test", 2030);
        let (second, second_der) = made("mail.example.test", 2031);
        let certificates = Certificates::new(first);
        let clone = certificates.clone();
        let before = certificates.not_after().unwrap();
        clone.set_default(second);
        assert_eq!(leaf(certificates.choose(None, false)), second_der);
        let after = certificates.not_after().unwrap();
        let days = after.duration_since(before).unwrap().as_secs() / 86_400;
        assert_eq!(days, 365);
        assert_eq!(
            clone.not_after_of("anything.test"),
            Some(after),
            "a name without a key of its own has the default's expiry"
        );
    }

    #[test]
    fn challenge_keys_answer_only_challenge_hellos_for_their_name() {
        let (default, default_der) = made("mail.example.test", 2040);
        let (challenge, challenge_der) = made("mail.example.test", 2041);
        let certificates = Certificates::new(default);
        assert!(
            certificates
                .choose(Some("mail.example.test"), true)
                .is_none()
        );
        certificates.set_challenge("Mail.Example.Test", challenge);
        assert_eq!(
            leaf(certificates.choose(Some("mail.example.test"), true)),
            challenge_der
        );
        assert_eq!(
            leaf(certificates.choose(Some("mail.example.test"), false)),
            default_der
        );
        assert!(certificates.choose(None, true).is_none());
        certificates.remove_challenge("mail.example.test");
        assert!(
            certificates
                .choose(Some("mail.example.test"), true)
                .is_none()
        );
    }

    #[test]
    fn a_key_of_another_certificate_is_refused() {
        let params = rcgen::CertificateParams::new(vec!["a.test".to_owned()]).unwrap();
        let key = rcgen::KeyPair::generate().unwrap();
        let cert = params.self_signed(&key).unwrap();
        let other = rcgen::KeyPair::generate().unwrap();
        let refused = ServedKey::from_pem(cert.pem().as_bytes(), other.serialize_pem().as_bytes());
        assert!(matches!(refused, Err(CertificateError::Key(_))));
        assert!(matches!(
            ServedKey::from_pem(b"", key.serialize_pem().as_bytes()),
            Err(CertificateError::NoCertificate)
        ));
    }
}
