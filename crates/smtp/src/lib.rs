//! TrekMail's SMTP. smtp-proto parses command lines; this crate frames lines, keeps each
//! connection's state and asks the core for the rest: sign-in through the door, a live session
//! in the registry (its ending closes the connection with `421 4.7.0`), who a recipient is,
//! durable delivery, and the outbound queue, which a worker here delivers by MX or relay.

mod bdat;
mod client;
mod client_tls;
mod data;
mod dsn;
#[cfg(feature = "fuzzing")]
pub mod fuzzing;
mod inbound;
mod listener;
mod outbound;
mod parser;
mod reply;
mod sender_checks;
mod session;
mod spool;
mod submission;

pub use client_tls::OutboundTls;
pub use listener::{Role, Smtp, SmtpOptions};
pub use outbound::{QueuePolicy, RelayLogin};
pub use sender_checks::{DmarcReject, SenderChecks};
pub use trekmail_net::PlaintextAuth;
