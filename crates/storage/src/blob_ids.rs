//! Blob ids: the lowercase hex SHA-256 of the bytes, so equal bodies are stored once.

use trekmail_core::mail::BlobId;
use trekmail_core::store::{StoreError, StoreResult};

/// The id's text if it is one we hand out (64 lowercase hex digits). Anything else is
/// refused: the file store turns ids into paths.
pub(crate) fn checked(id: &BlobId) -> StoreResult<&str> {
    let text = id.0.as_str();
    if text.len() == 64 && text.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')) {
        Ok(text)
    } else {
        Err(StoreError::Backend(format!("invalid blob id {text:?}")))
    }
}

/// Hashes on the blocking pool (a large body would stall the runtime's thread); gives the
/// bytes back for the caller to store.
pub(crate) async fn hash(bytes: Vec<u8>) -> StoreResult<(BlobId, Vec<u8>)> {
    tokio::task::spawn_blocking(move || (BlobId::of(&bytes), bytes))
        .await
        .map_err(|e| StoreError::Backend(format!("hashing a message body failed: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_sha256_hex_and_checked() {
        let id = BlobId::of(b"abc");
        assert_eq!(
            id.0,
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        assert!(checked(&id).is_ok());
        for bad in ["", "../etc/passwd", &id.0.to_uppercase(), &id.0[..63]] {
            assert!(checked(&BlobId(bad.to_owned())).is_err(), "{bad}");
        }
    }
}
