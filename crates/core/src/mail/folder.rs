use crate::ids::MailboxId;
use serde::{Deserialize, Serialize};

/// The one folder name IMAP treats case-insensitively.
pub const INBOX: &str = "INBOX";

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct FolderId(pub i64);

/// RFC 6154 special-use folders, made with every mailbox.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum SpecialUse {
    Sent,
    Drafts,
    Trash,
    Junk,
    Archive,
}

impl SpecialUse {
    pub const ALL: [SpecialUse; 5] = [
        SpecialUse::Sent,
        SpecialUse::Drafts,
        SpecialUse::Trash,
        SpecialUse::Junk,
        SpecialUse::Archive,
    ];

    /// The folder's name when TrekMail makes it.
    pub fn default_name(self) -> &'static str {
        match self {
            SpecialUse::Sent => "Sent",
            SpecialUse::Drafts => "Drafts",
            SpecialUse::Trash => "Trash",
            SpecialUse::Junk => "Junk",
            SpecialUse::Archive => "Archive",
        }
    }

    /// The stored word, also the RFC 6154 attribute without its backslash.
    pub fn as_str(self) -> &'static str {
        self.default_name()
    }

    pub fn parse(s: &str) -> Option<SpecialUse> {
        SpecialUse::ALL
            .into_iter()
            .find(|u| u.as_str().eq_ignore_ascii_case(s))
    }
}

/// A folder of one mailbox. `name` is the full path with `/` between levels.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Folder {
    pub id: FolderId,
    pub mailbox_id: MailboxId,
    pub name: String,
    pub special_use: Option<SpecialUse>,
    pub uid_validity: u32,
    /// The UID the next message appended will get.
    pub uid_next: u32,
    /// The mod-sequence of the folder's last change (RFC 7162 HIGHESTMODSEQ).
    pub highest_modseq: u64,
    /// The first UID no session has yet seen as \Recent.
    pub recent_uid: u32,
}

/// What STATUS asks of a folder, counted by the store in one aggregate query, so its cost
/// does not grow with what it would take to read every message.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct FolderCounts {
    pub messages: u32,
    /// Messages without `\Seen`.
    pub unseen: u32,
    /// Messages with `\Deleted`, and their bytes (RFC 9051's DELETED and DELETED-STORAGE).
    pub deleted: u32,
    pub deleted_bytes: u64,
    /// The bytes of every message (RFC 8438's SIZE).
    pub bytes: u64,
    /// Messages no session has seen as \Recent yet: the next SELECT's.
    pub recent: u32,
}

/// How many messages a folder holds and how many are unread: what a mail list shows beside
/// a folder, counted from indexes alone.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct MessageTotals {
    pub messages: u32,
    /// Messages without `\Seen`.
    pub unseen: u32,
}
