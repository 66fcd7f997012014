//! Sender authentication for TrekMail, over mail-auth: the DKIM keys of hosted domains and the
//! signatures made with them, the SPF, DKIM, DMARC and ARC checks on arrival with the
//! Authentication-Results header they produce, and DNS look-ups through one resolver whose
//! name server the config may set (tests point it at a loopback server).

pub mod arrival;
pub mod auth_results;
pub mod dns;
pub mod error;
pub mod keys;
pub mod signing;

pub use error::AuthError;
