//! The one door every channel signs in through: dashboard, webmail, IMAP and SMTP alike.

mod door;
mod recently_verified;
mod throttle;

pub(crate) use door::totp_context;
pub use door::{Authenticated, CodeTicket, PasswordStep, SignInDoor};
pub use throttle::{Attempt, Reserved, Throttle, ThrottlePolicy, WRONG_CODES_PER_TICKET, network};
