//! Changes the dashboard shows live: 2FA on or off, a password saved, a recovery code issued or
//! used, a mailbox created, changed or deleted. Published in process here; [`crate::core::Core`]
//! also carries them to other nodes.

use crate::ids::{AccountId, MailboxId};
use serde::{Deserialize, Serialize};
use tokio::sync::broadcast;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EventKind {
    TwoFactorEnabled,
    TwoFactorDisabled,
    PasswordChanged,
    RecoveryCodeIssued,
    RecoveryCodeUsed,
    MailboxCreated,
    MailboxChanged,
    MailboxDeleted,
}

/// A change to one account, or to one of its mailboxes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DomainEvent {
    pub account_id: AccountId,
    pub mailbox_id: Option<MailboxId>,
    pub kind: EventKind,
}

/// In-process fan-out. A slow subscriber that falls behind loses old events and is told so by
/// `RecvError::Lagged`; it should then re-read state.
#[derive(Debug, Clone)]
pub struct EventBus {
    tx: broadcast::Sender<DomainEvent>,
}

impl Default for EventBus {
    fn default() -> EventBus {
        EventBus {
            tx: broadcast::channel(1024).0,
        }
    }
}

impl EventBus {
    pub fn subscribe(&self) -> broadcast::Receiver<DomainEvent> {
        self.tx.subscribe()
    }

    /// Delivers to this node's subscribers only.
    pub fn publish_local(&self, event: DomainEvent) {
        // No subscriber is not an error: nobody is watching.
        let _ = self.tx.send(event);
    }
}
