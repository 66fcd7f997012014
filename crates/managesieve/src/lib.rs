//! TrekMail's ManageSieve server (RFC 5804). This crate reads the protocol and keeps each
//! connection's state; the core does the rest: sign-in through the door, a live session in the
//! registry (its ending closes the connection with `BYE`), and the mailbox's scripts.

mod command;
mod connection;
mod listener;
mod response;
mod stream;

pub use listener::{ManageSieveOptions, ManageSieveServer};
pub use trekmail_net::PlaintextAuth;
