//! The live-session registry: every IMAP or SMTP connection and every web session of a mailbox
//! (or of an account owner's dashboard) is here, and ending them all is one call.

mod live_session;
mod local;
mod registry;

pub use live_session::{LiveSession, ResumedWeb, SessionWatch};
pub use registry::{RegistryTimings, SessionRegistry, WebToken};
