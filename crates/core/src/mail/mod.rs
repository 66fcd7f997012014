//! The message store's domain: a mailbox's folders and the messages in them, as IMAP sees them
//! (UIDs, UIDVALIDITY, flags), with message bodies kept apart in a blob store.

mod changes;
mod flags;
mod folder;
mod folder_deltas;
mod header_summary;
mod in_flight;
mod message;
pub mod message_text;
mod uid_runs;
mod watch;

pub use changes::{FlagsStored, FolderChanges, MessageState, RecentClaim};
pub use flags::{FlagChange, Flags};
pub use folder::{Folder, FolderCounts, FolderId, INBOX, MessageTotals, SpecialUse};
pub(crate) use folder_deltas::FolderDeltas;
pub use header_summary::{FieldHolds, HeaderSummary, SummaryField};
pub use in_flight::BodiesInFlight;
pub use message::{BlobId, IncomingMessage, MessageMeta, NewMessage};
pub use uid_runs::uid_runs;
pub use watch::{Heard, MailChange, MailChangeKind, MailWatch};
