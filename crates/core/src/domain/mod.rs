//! The things TrekMail hosts: accounts on a plan, their domains and mailboxes.

mod account;
mod address;
mod mailbox;
mod plan;

pub use account::Account;
pub use address::{AddressError, EmailAddress, domain_name_is_valid};
pub use mailbox::{Domain, Mailbox};
pub use plan::{Plan, PlanLimits, Plans};
