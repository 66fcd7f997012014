//! What comes in, kept apart from who can sign in: the addresses that deliver to a mailbox
//! (aliases, sub-addresses, a domain's catch-all), the senders it allows or blocks, and its
//! own Sieve scripts. The
//! delivery pipeline in [`crate::services`] applies them to every message.

mod alias;
mod auto_reply;
pub mod header;
mod sender_filter;
mod sieve_script;
pub mod srs;
mod subaddress;

pub use alias::{Alias, BlockedMail, Forward, MailboxRouting, Subaddressing};
pub use auto_reply::{AutoReply, Content, DEFAULT_INTERVAL_DAYS, ReplyTo, answer, suppressed};
pub use sender_filter::{FilterList, SenderFilter, SenderPattern, Verdict};
pub use sieve_script::{MAX_SIEVE_SCRIPTS, SieveScript, invalid_script_name};
pub use subaddress::{DELIMITER, split_tag};
