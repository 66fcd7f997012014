//! Typed identifiers, so an account id can never be passed where a mailbox id is meant.

use serde::{Deserialize, Serialize};
use std::fmt;

macro_rules! int_id {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        pub struct $name(pub i64);

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.fmt(f)
            }
        }
    };
}

int_id!(
    /// An account: the tenant that owns domains and mailboxes.
    AccountId
);
int_id!(
    /// A hosted domain.
    DomainId
);
int_id!(
    /// A mailbox: one address that can sign in.
    MailboxId
);
int_id!(
    /// An extra address that delivers to a mailbox.
    AliasId
);
int_id!(
    /// One entry of a mailbox's allowed or blocked senders.
    SenderFilterId
);
int_id!(
    /// One destination a mailbox forwards to.
    ForwardId
);
int_id!(
    /// One of a mailbox's Sieve scripts.
    SieveScriptId
);

/// Whose credentials or sessions: an account owner (dashboard) or a mailbox (mail and webmail).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "kind", content = "id", rename_all = "snake_case")]
pub enum Principal {
    Account(AccountId),
    Mailbox(MailboxId),
}

impl Principal {
    /// The stored form: a short kind word and the numeric id.
    pub fn parts(self) -> (&'static str, i64) {
        match self {
            Principal::Account(id) => ("account", id.0),
            Principal::Mailbox(id) => ("mailbox", id.0),
        }
    }

    /// Rebuilds a principal from its stored form.
    pub fn from_parts(kind: &str, id: i64) -> Option<Principal> {
        match kind {
            "account" => Some(Principal::Account(AccountId(id))),
            "mailbox" => Some(Principal::Mailbox(MailboxId(id))),
            _ => None,
        }
    }
}

impl fmt::Display for Principal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (kind, id) = self.parts();
        write!(f, "{kind}:{id}")
    }
}

/// A live session's id: 128 random bits in hex. Public: it names a session in lists and
/// "End session" buttons, and grants nothing by itself.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct SessionId(pub String);

impl fmt::Display for SessionId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// This process's id among the nodes sharing one database; new at every start.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct NodeId(pub String);

impl fmt::Display for NodeId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}
