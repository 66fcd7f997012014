//! Capabilities: values only the core mints, which the mail methods require. A channel holds
//! one only after the door and the registry let it in, so a route that forgets to check has
//! nothing to pass and cannot compile.
//!
//! ```compile_fail,E0451
//! // Outside the core, a mailbox's access cannot be made up from its id.
//! let forged = trekmail_core::access::MailboxAccess { mailbox: trekmail_core::ids::MailboxId(1) };
//! ```
//!
//! ```compile_fail,E0451
//! // Nor can an owner's own credentials be reached from a principal an admin names.
//! use trekmail_core::ids::{AccountId, MailboxId, Principal};
//! let forged = trekmail_core::access::OwnAccess {
//!     who: Principal::Mailbox(MailboxId(1)),
//!     account: AccountId(1),
//! };
//! ```

use crate::error::CoreError;
use crate::ids::{AccountId, MailboxId, Principal};
use crate::mail::{Folder, MessageMeta};
use crate::services::Scope;

/// A signed-in mailbox: minted from a live IMAP/SMTP session, a resumed webmail session, or
/// by the operator. Every mail method reads the mailbox from here, never from a bare id.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MailboxAccess {
    mailbox: MailboxId,
}

impl MailboxAccess {
    pub(crate) fn new(mailbox: MailboxId) -> MailboxAccess {
        MailboxAccess { mailbox }
    }

    pub fn mailbox(&self) -> MailboxId {
        self.mailbox
    }

    pub fn who(&self) -> Principal {
        Principal::Mailbox(self.mailbox)
    }

    /// A folder of another mailbox is "not found", like a folder that does not exist.
    pub(crate) fn owns(&self, folder: &Folder) -> Result<(), CoreError> {
        match folder.mailbox_id == self.mailbox {
            true => Ok(()),
            false => Err(CoreError::NotFound),
        }
    }

    /// As [`Self::owns`], and the message is in that folder.
    pub(crate) fn owns_message(
        &self,
        folder: &Folder,
        meta: &MessageMeta,
    ) -> Result<(), CoreError> {
        self.owns(folder)?;
        match meta.folder_id == folder.id {
            true => Ok(()),
            false => Err(CoreError::NotFound),
        }
    }
}

/// A signed-in owner acting on their own credentials (2FA, password, sessions): minted from
/// a resumed web session (an account owner in the dashboard, a mailbox owner in webmail) or
/// by the operator. An admin acting on a mailbox of their account never gets one: those
/// methods take the account's `Scope` and the mailbox's id instead.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OwnAccess {
    who: Principal,
    account: AccountId,
}

impl OwnAccess {
    pub(crate) fn new(who: Principal, account: AccountId) -> OwnAccess {
        OwnAccess { who, account }
    }

    pub fn who(&self) -> Principal {
        self.who
    }

    /// The account `who` belongs to (its own id for an account owner).
    pub fn account(&self) -> AccountId {
        self.account
    }
}

/// The operator's authority, handed out once by [`crate::Core::new`] to the binary that built
/// the core (its operator commands) and to tests; the channels only get the `Core`, so they
/// can never hold one.
#[derive(Debug)]
pub struct Operator {
    _sealed: (),
}

impl Operator {
    pub(crate) fn new() -> Operator {
        Operator { _sealed: () }
    }

    /// Any mailbox's access, for operator commands and tests.
    pub fn mailbox(&self, mailbox: MailboxId) -> MailboxAccess {
        MailboxAccess::new(mailbox)
    }

    /// Any owner's own access, for tests of an owner's self-service steps; `account` must be
    /// the one `who` belongs to.
    pub fn own(&self, who: Principal, account: AccountId) -> OwnAccess {
        OwnAccess::new(who, account)
    }

    /// Every account's scope.
    pub fn scope(&self) -> Scope {
        Scope::OPERATOR
    }

    /// One account's scope, as its owner would have it: for tests of what an owner may do.
    pub fn as_account(&self, account: AccountId) -> Scope {
        Scope::account(account)
    }
}
