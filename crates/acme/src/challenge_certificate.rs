//! The TLS-ALPN-01 answer (RFC 8737 section 3): a self-signed certificate for the one name,
//! carrying the SHA-256 of the key authorization in the critical acmeIdentifier extension.

use crate::AcmeError;
use rcgen::{CertificateParams, CustomExtension, KeyPair};
use trekmail_net::ServedKey;

pub(crate) fn challenge_certificate(name: &str, digest: &[u8]) -> Result<ServedKey, AcmeError> {
    let mut params = CertificateParams::new(vec![name.to_owned()])?;
    params.custom_extensions = vec![CustomExtension::new_acme_identifier(digest)];
    let key = KeyPair::generate()?;
    let cert = params.self_signed(&key)?;
    Ok(ServedKey::challenge_from_pem(
        cert.pem().as_bytes(),
        key.serialize_pem().as_bytes(),
    )?)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn a_challenge_certificate_is_servable() {
        let served = challenge_certificate("mail.example.test", &[7u8; 32]).unwrap();
        assert!(served.not_after().is_some());
    }
}
