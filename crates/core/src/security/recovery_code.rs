//! Recovery codes: 100 random bits a person can read out, e.g. `7KQ2-M9XH-...`. Only a hash is
//! stored; the code is shown once.

use super::random;
use crate::error::CoreError;
use sha2::{Digest, Sha256};
use zeroize::Zeroizing;

/// Crockford-like base32 without 0 O 1 I L U: nothing to confuse.
const ALPHABET: &[u8] = b"23456789ABCDEFGHJKMNPQRSTVWXYZ";
const GROUPS: usize = 5;
const GROUP_LEN: usize = 4;

/// A freshly made code, to show once.
pub struct RecoveryCode(Zeroizing<String>);

impl std::fmt::Debug for RecoveryCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("RecoveryCode(redacted)")
    }
}

impl RecoveryCode {
    pub fn generate() -> Result<RecoveryCode, CoreError> {
        let mut groups = Vec::with_capacity(GROUPS);
        for _ in 0..GROUPS {
            let mut group = String::with_capacity(GROUP_LEN);
            for _ in 0..GROUP_LEN {
                group.push(char::from(ALPHABET[random::index_below(ALPHABET.len())?]));
            }
            groups.push(group);
        }
        Ok(RecoveryCode(Zeroizing::new(groups.join("-"))))
    }

    /// The code as the person sees it, grouped.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// What is stored.
    pub fn hash(&self) -> Vec<u8> {
        hash_code(&self.0)
    }
}

/// Bits of entropy in a code.
pub fn entropy_bits() -> f64 {
    (GROUPS * GROUP_LEN) as f64 * (ALPHABET.len() as f64).log2()
}

/// The stored form of a typed code: case, spaces and dashes do not matter. A fast hash is
/// enough: the code has ~98 random bits, so there is nothing to brute-force offline.
pub fn hash_code(typed: &str) -> Vec<u8> {
    let normalised: Zeroizing<String> = Zeroizing::new(
        typed
            .chars()
            .filter(|c| c.is_ascii_alphanumeric())
            .map(|c| c.to_ascii_uppercase())
            .collect(),
    );
    let mut hasher = Sha256::new();
    hasher.update(b"trekmail-recovery-v1:");
    hasher.update(normalised.as_bytes());
    hasher.finalize().to_vec()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shape_and_entropy() {
        assert!(entropy_bits() >= 80.0, "{}", entropy_bits());
        let code = RecoveryCode::generate().unwrap();
        let text = code.expose();
        assert_eq!(text.len(), GROUPS * GROUP_LEN + GROUPS - 1);
        assert!(text.split('-').all(|g| g.len() == GROUP_LEN));
        assert!(text.bytes().all(|b| b == b'-' || ALPHABET.contains(&b)));
        assert_eq!(format!("{code:?}"), "RecoveryCode(redacted)");
    }

    #[test]
    fn typed_forms_hash_alike() {
        let code = RecoveryCode::generate().unwrap();
        let sloppy = code.expose().to_lowercase().replace('-', " ");
        assert_eq!(hash_code(&sloppy), code.hash());
        assert_ne!(RecoveryCode::generate().unwrap().hash(), code.hash());
    }
}
