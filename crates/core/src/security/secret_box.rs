//! Encryption at rest for secrets the server must read back (TOTP keys) and for short-lived
//! tickets handed to clients (the second sign-in step, a pending 2FA enrolment). The key is a
//! file beside the data, never in the database, so a database dump alone reveals no secret.

use super::random;
use crate::error::CoreError;
use chacha20poly1305::aead::{Aead, Payload};
use chacha20poly1305::{KeyInit, XChaCha20Poly1305, XNonce};
use std::io::Write;
use std::path::Path;
use zeroize::Zeroizing;

const VERSION: u8 = 1;
const NONCE_LEN: usize = 24;

/// Seals and opens byte strings with the server key (XChaCha20-Poly1305, random nonces), and
/// signs short values with a key derived from it (HMAC-SHA256).
#[derive(Clone)]
pub struct SecretBox {
    cipher: XChaCha20Poly1305,
    signing: std::sync::Arc<Zeroizing<[u8; 32]>>,
}

impl std::fmt::Debug for SecretBox {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SecretBox(..)")
    }
}

impl SecretBox {
    pub fn from_key(key: &[u8; 32]) -> Result<SecretBox, CoreError> {
        let cipher = XChaCha20Poly1305::new_from_slice(key)
            .map_err(|_| CoreError::Internal("server key has the wrong length".into()))?;
        // Never the encryption key itself: a signature gives nothing away about it.
        let signing = Zeroizing::new(hmac(key, b"trekmail signing key v1"));
        Ok(SecretBox {
            cipher,
            signing: std::sync::Arc::new(signing),
        })
    }

    /// Reads the key file, or makes one with 0600 rights when there is none. Every node that
    /// shares a database must share this file.
    pub fn load_or_create(path: &Path) -> Result<SecretBox, CoreError> {
        let key = match std::fs::read(path) {
            Ok(text) => parse_key_file(path, &text)?,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => create_key_file(path)?,
            Err(e) => {
                return Err(CoreError::Config(format!(
                    "cannot read server key {}: {e}",
                    path.display()
                )));
            }
        };
        SecretBox::from_key(&key)
    }

    /// `context` binds the ciphertext to its purpose and owner, so a sealed value copied to
    /// another row or another use does not open.
    pub fn seal(&self, context: &str, plaintext: &[u8]) -> Result<Vec<u8>, CoreError> {
        let nonce_bytes = random::bytes::<NONCE_LEN>()?;
        let nonce = XNonce::from(nonce_bytes);
        let sealed = self
            .cipher
            .encrypt(
                &nonce,
                Payload {
                    msg: plaintext,
                    aad: context.as_bytes(),
                },
            )
            .map_err(|_| CoreError::Internal("sealing failed".into()))?;
        let mut out = Vec::with_capacity(1 + NONCE_LEN + sealed.len());
        out.push(VERSION);
        out.extend_from_slice(&nonce_bytes);
        out.extend_from_slice(&sealed);
        Ok(out)
    }

    /// `None` when the value was altered, sealed under another key or for another context.
    pub fn open(&self, context: &str, sealed: &[u8]) -> Option<Zeroizing<Vec<u8>>> {
        let (&version, rest) = sealed.split_first()?;
        if version != VERSION || rest.len() < NONCE_LEN {
            return None;
        }
        let (nonce_bytes, ciphertext) = rest.split_at(NONCE_LEN);
        let nonce = XNonce::try_from(nonce_bytes).ok()?;
        self.cipher
            .decrypt(
                &nonce,
                Payload {
                    msg: ciphertext,
                    aad: context.as_bytes(),
                },
            )
            .ok()
            .map(Zeroizing::new)
    }
}

impl SecretBox {
    /// A keyed hash of `data` for `purpose` (SRS addresses, …): the same on every node that
    /// shares the server key, and different for each purpose.
    pub fn sign(&self, purpose: &str, data: &[u8]) -> [u8; 32] {
        let mut input = Vec::with_capacity(purpose.len() + 1 + data.len());
        input.extend_from_slice(purpose.as_bytes());
        input.push(0);
        input.extend_from_slice(data);
        hmac(&self.signing[..], &input)
    }
}

fn hmac(key: &[u8], data: &[u8]) -> [u8; 32] {
    use hmac::{Hmac, KeyInit, Mac};
    let mut mac = <Hmac<sha2::Sha256> as KeyInit>::new_from_slice(key)
        .unwrap_or_else(|_| unreachable!("HMAC takes a key of any length"));
    mac.update(data);
    mac.finalize().into_bytes().into()
}

fn parse_key_file(path: &Path, text: &[u8]) -> Result<[u8; 32], CoreError> {
    check_private(path)?;
    let hex: Vec<u8> = text
        .iter()
        .copied()
        .filter(|b| !b.is_ascii_whitespace())
        .collect();
    let bytes = Zeroizing::new(
        data_encoding::HEXLOWER_PERMISSIVE
            .decode(&hex)
            .map_err(|_| {
                CoreError::Config(format!(
                    "server key {} is not 64 hex digits",
                    path.display()
                ))
            })?,
    );
    <[u8; 32]>::try_from(bytes.as_slice()).map_err(|_| {
        CoreError::Config(format!(
            "server key {} is not 64 hex digits",
            path.display()
        ))
    })
}

#[cfg(unix)]
fn check_private(path: &Path) -> Result<(), CoreError> {
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(path)
        .map_err(|e| CoreError::Config(format!("cannot read server key {}: {e}", path.display())))?
        .permissions()
        .mode();
    if mode & 0o077 != 0 {
        return Err(CoreError::Config(format!(
            "server key {} is readable by others (mode {:o}): run chmod 600 on it",
            path.display(),
            mode & 0o777
        )));
    }
    Ok(())
}

#[cfg(not(unix))]
fn check_private(_path: &Path) -> Result<(), CoreError> {
    Ok(())
}

fn create_key_file(path: &Path) -> Result<[u8; 32], CoreError> {
    let key = random::bytes::<32>()?;
    let cannot = |e: std::io::Error| {
        CoreError::Config(format!("cannot create server key {}: {e}", path.display()))
    };
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(cannot)?;
    }
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options.open(path).map_err(cannot)?;
    let hex = Zeroizing::new(data_encoding::HEXLOWER.encode(&key));
    file.write_all(hex.as_bytes()).map_err(cannot)?;
    file.write_all(b"\n").map_err(cannot)?;
    file.sync_all().map_err(cannot)?;
    Ok(key)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seals_and_opens_only_in_its_context() {
        let b = SecretBox::from_key(&[7; 32]).unwrap();
        let sealed = b.seal("totp:mailbox:1", b"secret").unwrap();
        assert_eq!(
            b.open("totp:mailbox:1", &sealed).unwrap().as_slice(),
            b"secret"
        );
        assert!(b.open("totp:mailbox:2", &sealed).is_none());
        let mut tampered = sealed.clone();
        if let Some(last) = tampered.last_mut() {
            *last ^= 1;
        }
        assert!(b.open("totp:mailbox:1", &tampered).is_none());
        let other = SecretBox::from_key(&[8; 32]).unwrap();
        assert!(other.open("totp:mailbox:1", &sealed).is_none());
        assert!(b.open("x", &[]).is_none());
    }

    #[test]
    fn key_file_is_created_private_and_read_back() {
        let dir =
            std::env::temp_dir().join(format!("trekmail-key-{}", random::hex_token().unwrap()));
        let path = dir.join("server.key");
        let first = SecretBox::load_or_create(&path).unwrap();
        let sealed = first.seal("c", b"v").unwrap();
        let second = SecretBox::load_or_create(&path).unwrap();
        assert_eq!(second.open("c", &sealed).unwrap().as_slice(), b"v");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
            let err = SecretBox::load_or_create(&path).unwrap_err().to_string();
            assert!(err.contains("chmod 600"), "{err}");
        }
        std::fs::remove_dir_all(dir).unwrap();
    }
}
