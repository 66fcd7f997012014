//! TrekMail's storage adapters: the core's store ports ([`trekmail_core::store`]) on SQLite
//! (embedded) or PostgreSQL through one implementation, [`SqlStore`], and the node links that
//! carry cluster messages: [`PgLink`] (LISTEN/NOTIFY) and [`SocketLink`] (a Unix socket for the
//! embedded mode).

mod accounts;
mod audit;
mod credentials;
mod error;
mod mailboxes;
mod migrate;
mod pg_link;
mod rows;
mod sessions;
mod socket_link;
mod sql_store;

pub use error::mask_password;
pub use pg_link::PgLink;
pub use socket_link::SocketLink;
pub use sql_store::{Backend, SqlStore};
