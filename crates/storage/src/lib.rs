//! TrekMail's storage adapters: the core's store ports ([`trekmail_core::store`]) on SQLite
//! (embedded) or PostgreSQL through one implementation, [`SqlStore`], and the node links that
//! carry cluster messages: [`PgLink`] (LISTEN/NOTIFY) and [`SocketLink`] (a Unix socket for the
//! embedded mode). Message bodies go to a [`trekmail_core::store::BlobStore`]: files
//! ([`FsBlobStore`]) or the database itself (`SqlStore` implements it too).

mod accounts;
mod api_tokens;
mod audit;
pub mod backup;
mod blob_ids;
mod brands;
mod changes;
mod conn;
mod credentials;
mod dkim_keys;
mod error;
mod folder_counts;
mod folders;
mod fs_blobs;
mod header_summaries;
mod mailboxes;
mod message_pages;
mod message_store;
mod messages;
mod migrate;
mod pg_link;
mod queue;
mod routing;
mod rows;
mod rows_with_bodies;
mod search;
mod sessions;
mod sieve;
mod socket_link;
mod sql_blobs;
mod sql_store;
mod sqlite_in_place;
mod status;
mod subscriptions;
mod throttle;
mod transfer;
mod usage;

pub use error::mask_password;
pub use fs_blobs::FsBlobStore;
pub use migrate::known_versions as known_schema_versions;
pub use pg_link::PgLink;
pub use socket_link::SocketLink;
pub use sql_store::{Backend, SqlStore};
