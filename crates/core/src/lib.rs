//! TrekMail's core: who may sign in to a mailbox, and what happens to their sessions when that
//! changes. Protocol crates (IMAP, SMTP, web) call the services here; storage implements the
//! ports in [`store`]. Nothing in this crate speaks a wire protocol or SQL.

pub mod access;
pub mod audit;
pub mod auth;
pub mod clock;
pub mod cluster;
pub mod core;
pub mod domain;
pub mod error;
pub mod events;
pub mod ids;
pub mod mail;
pub mod metrics;
pub mod routing;
pub mod security;
pub mod services;
pub mod sessions;
pub mod store;

pub use crate::core::{Core, CoreConfig};
pub use error::CoreError;
