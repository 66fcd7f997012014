//! TrekMail's IMAP server. imap-next parses and frames the protocol; this crate keeps each
//! connection's state and asks the core for everything else: sign-in through the door, a live
//! session in the registry (its ending closes the connection with `* BYE`), folders and mail.

mod base_subject;
mod commands;
mod connection;
#[cfg(feature = "fuzzing")]
pub mod fuzzing;
mod limits;
mod listener;
mod message_text;
mod mime;
mod names;
mod responses;
mod sasl_plain;
mod sequence;
mod threading;
mod transport;

pub use listener::{ImapOptions, ImapServer, PlaintextAuth};
