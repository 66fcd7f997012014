//! How nodes sharing one database tell each other to end sessions and pass on events. The
//! PostgreSQL adapter uses LISTEN/NOTIFY; the embedded one reaches the local server from
//! operator commands. Lost messages are tolerated: the session sweep is the backstop.

use crate::error::CoreError;
use crate::events::DomainEvent;
use crate::ids::{NodeId, Principal, SessionId};
use crate::mail::MailChange;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ClusterMessage {
    /// End every session of `owner`, but `except` (the session that asked, if any).
    EndSessions {
        owner: Principal,
        except: Option<SessionId>,
    },
    /// End one session.
    EndSession { id: SessionId },
    /// An event for the dashboards' live updates.
    Event { event: DomainEvent },
    /// A folder of a mailbox changed, for the IMAP sessions watching it.
    Mail { change: MailChange },
}

/// A message with the node that sent it, so a node can skip its own.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Envelope {
    pub origin: NodeId,
    pub message: ClusterMessage,
}

/// What a link hands the core: a message, or word that messages may have been lost (after a
/// reconnect), so the core re-checks its sessions against the database.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Inbound {
    Message(Envelope),
    Resync,
}

/// The sending half of a link; the receiving half is a channel of [`Inbound`] given to
/// [`crate::core::Core::start`].
#[async_trait::async_trait]
pub trait ClusterLink: Send + Sync {
    async fn send(&self, envelope: &Envelope) -> Result<(), CoreError>;
    /// Whether messages from other nodes can arrive now (`/readyz`).
    fn is_up(&self) -> bool {
        true
    }
}

/// For a process alone on its database, with nobody to tell.
#[derive(Debug, Default)]
pub struct NoLink;

#[async_trait::async_trait]
impl ClusterLink for NoLink {
    async fn send(&self, _envelope: &Envelope) -> Result<(), CoreError> {
        Ok(())
    }
}
