//! What comes in, kept apart from who can sign in: the addresses that deliver to a mailbox
//! (aliases, sub-addresses, a domain's catch-all) and the senders it allows or blocks. The
//! delivery pipeline in [`crate::services`] applies them to every message.

mod alias;
mod sender_filter;
pub mod srs;
mod subaddress;

pub use alias::{Alias, BlockedMail, Forward, MailboxRouting, Subaddressing};
pub use sender_filter::{FilterList, SenderFilter, SenderPattern, Verdict};
pub use subaddress::{DELIMITER, split_tag};
