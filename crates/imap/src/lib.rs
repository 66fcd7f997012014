//! TrekMail's IMAP server. imap-next parses and frames the protocol; this crate keeps each
//! connection's state and asks the core for everything else: sign-in through the door, a live
//! session in the registry (its ending closes the connection with `* BYE`), folders and mail.

mod addresses;
mod base_subject;
mod commands;
mod connection;
mod content_transfer;
mod deflate;
mod folder_state;
mod folder_states;
mod folder_tree;
#[cfg(feature = "fuzzing")]
pub mod fuzzing;
mod limits;
mod listener;
mod mime;
mod mime_params;
mod names;
mod refused;
mod response_edits;
mod responses;
mod selection;
mod sequence;
mod threading;
mod transport;
mod view;
mod view_flags;

pub use listener::{ImapOptions, ImapServer};
pub use trekmail_net::PlaintextAuth;
