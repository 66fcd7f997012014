//! What a protocol connection or an event stream holds while it lives.

use super::registry::SessionRegistry;
use crate::access::{MailboxAccess, OwnAccess};
use crate::clock::to_micros;
use crate::ids::{Principal, SessionId};
use crate::services::Scope;
use crate::store::SessionRow;
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};
use tokio_util::sync::{CancellationToken, WaitForCancellationFuture};

/// A registered IMAP or SMTP connection. When its sessions are ended, [`Self::ended`]
/// completes: the connection then sends its closing reply and drops this, which removes it
/// from the registry.
pub struct LiveSession {
    pub(super) id: SessionId,
    pub(super) owner: Principal,
    pub(super) key: u64,
    pub(super) cancel: CancellationToken,
    pub(super) touched: Arc<AtomicI64>,
    pub(super) registry: Arc<SessionRegistry>,
}

impl LiveSession {
    pub fn id(&self) -> &SessionId {
        &self.id
    }

    pub fn owner(&self) -> Principal {
        self.owner
    }

    /// The signed-in mailbox's access, when a mailbox (not an account) signed in.
    pub fn mailbox_access(&self) -> Option<MailboxAccess> {
        mailbox_access(self.owner)
    }

    /// Completes when the session has been ended, from this node or another.
    pub fn ended(&self) -> WaitForCancellationFuture<'_> {
        self.cancel.cancelled()
    }

    pub fn is_ended(&self) -> bool {
        self.cancel.is_cancelled()
    }

    /// Records activity; written to the store in batches, not per command.
    pub fn touch(&self) {
        self.touched
            .store(to_micros(self.registry.now()), Ordering::Relaxed);
    }
}

impl Drop for LiveSession {
    fn drop(&mut self) {
        self.registry.close(self.key, &self.id, true);
    }
}

/// A resumed web session: its row, and what it may touch.
#[derive(Debug, Clone)]
pub struct ResumedWeb {
    pub row: SessionRow,
    owner: Principal,
}

impl ResumedWeb {
    pub(super) fn new(row: SessionRow) -> ResumedWeb {
        ResumedWeb {
            owner: row.owner,
            row,
        }
    }

    /// The signed-in mailbox's access, when it is a webmail session.
    pub fn mailbox_access(&self) -> Option<MailboxAccess> {
        mailbox_access(self.owner)
    }

    /// The account owner's own access, when it is a dashboard session. A webmail session's
    /// comes from [`crate::Core::signed_in_mailbox`], which knows the mailbox's account.
    pub fn own_access(&self) -> Option<OwnAccess> {
        match self.owner {
            Principal::Account(id) => Some(OwnAccess::new(self.owner, id)),
            Principal::Mailbox(_) => None,
        }
    }

    /// The signed-in owner's account scope, when it is a dashboard session.
    pub fn account_scope(&self) -> Option<Scope> {
        match self.owner {
            Principal::Account(id) => Some(Scope::account(id)),
            Principal::Mailbox(_) => None,
        }
    }
}

fn mailbox_access(owner: Principal) -> Option<MailboxAccess> {
    match owner {
        Principal::Mailbox(id) => Some(MailboxAccess::new(id)),
        Principal::Account(_) => None,
    }
}

/// An open event stream of a web session: [`Self::ended`] completes when that session is
/// ended or its credentials change.
pub struct SessionWatch {
    pub(super) id: SessionId,
    pub(super) key: u64,
    pub(super) cancel: CancellationToken,
    pub(super) registry: Arc<SessionRegistry>,
}

impl SessionWatch {
    pub fn ended(&self) -> WaitForCancellationFuture<'_> {
        self.cancel.cancelled()
    }

    pub fn is_ended(&self) -> bool {
        self.cancel.is_cancelled()
    }
}

impl Drop for SessionWatch {
    fn drop(&mut self) {
        self.registry.close(self.key, &self.id, false);
    }
}
