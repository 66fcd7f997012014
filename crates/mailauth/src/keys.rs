//! DKIM key pairs: RSA-2048 and Ed25519 (RFC 8463), and the TXT record that publishes each.

use crate::AuthError;
use data_encoding::BASE64;
use mail_auth::dkim::generate::DkimKeyPair;
use std::fmt;
use std::str::FromStr;
use zeroize::Zeroizing;

/// The RSA modulus size; 2048 bits is what receivers expect and what fits one TXT record.
const RSA_BITS: usize = 2048;

/// A DKIM signing algorithm; each domain signs with both, so a receiver that knows Ed25519
/// checks the short key and every other one checks RSA.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DkimAlgorithm {
    Rsa,
    Ed25519,
}

impl DkimAlgorithm {
    pub const ALL: [DkimAlgorithm; 2] = [DkimAlgorithm::Rsa, DkimAlgorithm::Ed25519];

    /// The `k=` tag value, also the stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            DkimAlgorithm::Rsa => "rsa",
            DkimAlgorithm::Ed25519 => "ed25519",
        }
    }
}

impl fmt::Display for DkimAlgorithm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            DkimAlgorithm::Rsa => "RSA-2048",
            DkimAlgorithm::Ed25519 => "Ed25519",
        })
    }
}

impl FromStr for DkimAlgorithm {
    type Err = String;

    fn from_str(s: &str) -> Result<DkimAlgorithm, String> {
        DkimAlgorithm::ALL
            .into_iter()
            .find(|a| a.as_str() == s)
            .ok_or_else(|| format!("unknown DKIM algorithm {s:?}: expected rsa or ed25519"))
    }
}

/// A new key pair: the private half as the signer reads it (PKCS#1 for RSA, PKCS#8 for
/// Ed25519), the public half as DNS publishes it.
pub struct GeneratedKey {
    pub private_der: Zeroizing<Vec<u8>>,
    pub public_key: Vec<u8>,
}

/// Makes a key pair from the system's randomness.
pub fn generate(algorithm: DkimAlgorithm) -> Result<GeneratedKey, AuthError> {
    let pair = match algorithm {
        DkimAlgorithm::Rsa => DkimKeyPair::generate_rsa(RSA_BITS),
        DkimAlgorithm::Ed25519 => DkimKeyPair::generate_ed25519(),
    }
    .map_err(|e| AuthError::KeyGeneration(e.to_string()))?;
    let (private, public) = pair.into_inner();
    let public_key = match algorithm {
        DkimAlgorithm::Rsa => subject_public_key_info(&public),
        DkimAlgorithm::Ed25519 => public,
    };
    Ok(GeneratedKey {
        private_der: Zeroizing::new(private),
        public_key,
    })
}

/// The TXT record at `selector._domainkey.domain`.
pub fn dns_record(algorithm: DkimAlgorithm, public_key: &[u8]) -> String {
    format!(
        "v=DKIM1; k={}; p={}",
        algorithm.as_str(),
        BASE64.encode(public_key)
    )
}

/// The rsaEncryption AlgorithmIdentifier: OID 1.2.840.113549.1.1.1 with NULL parameters.
const RSA_ALGORITHM_ID: [u8; 15] = [
    0x30, 0x0d, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01, 0x05, 0x00,
];

/// Wraps a PKCS#1 RSAPublicKey in a SubjectPublicKeyInfo: the form `opendkim-genkey` publishes
/// and every verifier reads (some read nothing else).
fn subject_public_key_info(pkcs1: &[u8]) -> Vec<u8> {
    let mut bit_string = vec![0x00];
    bit_string.extend_from_slice(pkcs1);
    let mut inner = RSA_ALGORITHM_ID.to_vec();
    inner.extend(der_item(0x03, &bit_string));
    der_item(0x30, &inner)
}

/// One DER element: tag, definite length, content.
fn der_item(tag: u8, content: &[u8]) -> Vec<u8> {
    let mut out = vec![tag];
    let len = content.len();
    if len < 0x80 {
        out.push(len as u8);
    } else {
        let bytes: Vec<u8> = len
            .to_be_bytes()
            .into_iter()
            .skip_while(|b| *b == 0)
            .collect();
        out.push(0x80 | bytes.len() as u8);
        out.extend(bytes);
    }
    out.extend_from_slice(content);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_rsa_key_publishes_a_subject_public_key_info() {
        let key = generate(DkimAlgorithm::Rsa).unwrap();
        // SEQUENCE of 294 bytes, then the rsaEncryption identifier.
        assert_eq!(&key.public_key[..4], &[0x30, 0x82, 0x01, 0x22]);
        assert_eq!(&key.public_key[4..19], &RSA_ALGORITHM_ID);
        assert_eq!(key.public_key.len(), 294);
        assert!(
            dns_record(DkimAlgorithm::Rsa, &key.public_key)
                .starts_with("v=DKIM1; k=rsa; p=MIIBIjAN")
        );
    }

    #[test]
    fn an_ed25519_key_publishes_its_32_bytes() {
        let key = generate(DkimAlgorithm::Ed25519).unwrap();
        assert_eq!(key.public_key.len(), 32);
        assert!(
            dns_record(DkimAlgorithm::Ed25519, &key.public_key)
                .starts_with("v=DKIM1; k=ed25519; p=")
        );
    }

    #[test]
    fn algorithms_read_back_from_their_names() {
        for a in DkimAlgorithm::ALL {
            assert_eq!(a.as_str().parse::<DkimAlgorithm>(), Ok(a));
        }
        assert!("dsa".parse::<DkimAlgorithm>().is_err());
    }
}
