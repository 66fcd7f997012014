//! What comes in, kept apart from who can sign in: the addresses that deliver to a mailbox
//! (aliases, sub-addresses, a domain's catch-all) and the senders it allows or blocks. The
//! delivery pipeline in [`crate::services`] applies them to every message.

mod alias;
mod auto_reply;
pub mod header;
mod sender_filter;
pub mod srs;
mod subaddress;

pub use alias::{Alias, BlockedMail, Forward, MailboxRouting, Subaddressing};
pub use auto_reply::{AutoReply, DEFAULT_INTERVAL_DAYS, ReplyTo, suppressed};
pub use sender_filter::{FilterList, SenderFilter, SenderPattern, Verdict};
pub use subaddress::{DELIMITER, split_tag};
