use super::{Flags, FolderId, HeaderSummary};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// A message body in the blob store: the SHA-256 of its bytes in hex, so equal bodies (a copy,
/// a message sent to several of one's own folders) are kept once.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct BlobId(pub String);

impl BlobId {
    /// The id of a body: the lowercase hex SHA-256 of its bytes.
    pub fn of(bytes: &[u8]) -> BlobId {
        use sha2::Digest;
        BlobId(data_encoding::HEXLOWER.encode(&sha2::Sha256::digest(bytes)))
    }
}

/// A message to append: its body is already durable in the blob store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewMessage {
    pub blob: BlobId,
    pub size: i64,
    pub flags: Flags,
    pub internal_date: DateTime<Utc>,
    pub summary: HeaderSummary,
}

/// A message to append with its body, before any of it is stored: what an APPEND brings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IncomingMessage<'a> {
    pub body: &'a [u8],
    pub flags: Flags,
    pub internal_date: DateTime<Utc>,
}

/// A message in a folder, without its body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MessageMeta {
    pub folder_id: FolderId,
    pub uid: u32,
    pub flags: Flags,
    pub internal_date: DateTime<Utc>,
    pub size: i64,
    pub blob: BlobId,
    /// The mod-sequence of its last change (RFC 7162).
    pub modseq: u64,
}
