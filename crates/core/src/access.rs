//! Capabilities: values only the core mints, which the mail methods require. A channel holds
//! one only after the door and the registry let it in, so a route that forgets to check has
//! nothing to pass and cannot compile.
//!
//! ```compile_fail,E0451
//! // Outside the core, a mailbox's access cannot be made up from its id.
//! let forged = trekmail_core::access::MailboxAccess { mailbox: trekmail_core::ids::MailboxId(1) };
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

    /// Every account's scope.
    pub fn scope(&self) -> Scope {
        Scope::OPERATOR
    }

    /// One account's scope, as its owner would have it: for tests of what an owner may do.
    pub fn as_account(&self, account: AccountId) -> Scope {
        Scope::account(account)
    }
}
