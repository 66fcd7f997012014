//! The things TrekMail hosts: accounts on a plan, their domains and mailboxes, and an
//! account's webmail brand.

mod account;
mod address;
mod brand;
mod dkim_key;
mod mailbox;
mod plan;
mod public_endpoints;

pub use account::Account;
pub use address::{AddressError, EmailAddress, domain_name_is_valid};
pub use brand::{Brand, colour_is_valid, host_key};
pub use dkim_key::{DkimAlgorithm, DkimKey};
pub use mailbox::{Domain, Mailbox};
pub use plan::{Plan, PlanLimits, Plans};
pub use public_endpoints::PublicEndpoints;
