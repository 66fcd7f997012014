//! Mod-sequences (RFC 7162): every change to a folder takes the folder's next one, so what
//! changed since a point is a range read, for CONDSTORE and QRESYNC clients and for the IMAP
//! sessions keeping their own view of a folder up to date.

use super::{Flags, MessageMeta};

/// A message's UID, flags and the mod-sequence of its last change: what a session keeps of
/// each message of the folder it has open.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MessageState {
    pub uid: u32,
    pub flags: Flags,
    pub modseq: u64,
}

/// What changed in a folder after a mod-sequence, up to `highest_modseq`: messages appended
/// or re-flagged (as they are now, in UID order) and the UIDs expunged.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FolderChanges {
    pub highest_modseq: u64,
    pub changed: Vec<MessageState>,
    pub expunged: Vec<u32>,
    /// Some message is still \Recent to no session: only then is a claim worth its write.
    pub unclaimed_recent: bool,
}

/// The UIDs `first..next` a session has claimed as its \Recent ones: no other session sees
/// them as recent (RFC 3501 §2.3.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RecentClaim {
    pub first: u32,
    pub next: u32,
}

/// What a STORE did: every message found among the UIDs, as it now is, and the UIDs left
/// alone because they changed after the client's UNCHANGEDSINCE (RFC 7162 §3.1.3).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FlagsStored {
    pub messages: Vec<MessageMeta>,
    pub modified: Vec<u32>,
}
