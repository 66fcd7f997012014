//! What the channels and operator commands ask of the core, as methods on [`crate::Core`].
//! Each checks its caller's scope, so account A's requests never reach account B's data.

mod accounts;
mod api_tokens;
mod auto_reply;
mod branding;
mod compiled_scripts;
mod delivery;
mod dkim_keys;
mod dkim_signers;
mod dns_records;
mod domains;
mod folders;
mod forwarding;
mod mail;
mod mail_pages;
mod mail_search;
mod mailboxes;
mod outbound;
mod passwords;
mod recipients;
mod recovery;
mod routing;
mod sender_filters;
mod sessions;
mod sieve_delivery;
mod sieve_scripts;
mod status;
mod submission;
mod two_factor;

pub use api_tokens::{NewApiToken, TokenLifetime};
pub use auto_reply::AutoReplyRequest;
pub(crate) use compiled_scripts::CompiledScripts;
pub use delivery::{Delivered, Incoming, MAX_HOPS};
pub(crate) use dkim_signers::DkimSigners;
pub use dns_records::{DnsRecord, RecordState};
pub use forwarding::MAX_FORWARDS;
pub use mail::SignedInMailbox;
pub use mail_search::{MailQuery, SearchCursor, SearchHit, SearchLimits, SearchResults};
pub use mailboxes::{MailboxOverview, NewMailboxRequest};
pub use passwords::OwnerReset;
pub use recipients::{LocalRecipient, Recipient};
pub use routing::Manager;
pub use sender_filters::MAX_SENDER_FILTERS;
pub use status::ReadyCheck;
pub use submission::{
    Copies, Envelope, Missed, SubmitRefused, Submitter, Target, header_senders, one_line,
};
pub use two_factor::{CurrentFactors, Enrollment};

use crate::Core;
use crate::audit::{AuditEvent, AuditKind, Channel};
use crate::auth::Attempt;
use crate::error::CoreError;
use crate::ids::{AccountId, Principal};
use std::net::IpAddr;

/// Whose data a request may touch: the operator's (all) or one account's. Only the core makes
/// one: from a resumed dashboard session, a valid API token, a signed-in mailbox (its own
/// account) or the [`crate::access::Operator`].
///
/// ```compile_fail,E0603
/// // Outside the core, no scope can be made up for an account.
/// let forged = trekmail_core::services::Scope(trekmail_core::services::Reach::All);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Scope(Reach);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Reach {
    All,
    Account(AccountId),
}

impl Scope {
    /// The operator's: every account. Inside the core only, for its own lookups.
    pub(crate) const OPERATOR: Scope = Scope(Reach::All);

    pub(crate) fn account(account: AccountId) -> Scope {
        Scope(Reach::Account(account))
    }

    /// Whether this scope may act on `account`'s data.
    pub fn covers(self, account: AccountId) -> bool {
        match self.0 {
            Reach::All => true,
            Reach::Account(own) => own == account,
        }
    }

    /// The one account this scope is limited to; `None` for the operator's.
    pub fn account_id(self) -> Option<AccountId> {
        match self.0 {
            Reach::All => None,
            Reach::Account(own) => Some(own),
        }
    }
}

/// Who is acting, for the audit trail.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actor {
    pub channel: Channel,
    pub remote: Option<IpAddr>,
    /// The signed-in e-mail or address, or "operator".
    pub name: String,
}

impl Actor {
    pub fn operator() -> Actor {
        Actor {
            channel: Channel::Cli,
            remote: None,
            name: "operator".to_owned(),
        }
    }

    pub(crate) fn event(&self, at: chrono::DateTime<chrono::Utc>, kind: AuditKind) -> AuditEvent {
        AuditEvent::new(at, kind, self.channel, &self.name).remote(self.remote)
    }
}

impl Core {
    /// A change that asked for the current password (or a code) again got a wrong one: it
    /// counts, is audited and delayed like a failed sign-in.
    async fn refuse_change(
        &self,
        attempt: Attempt,
        who: Principal,
        account: AccountId,
        actor: &Actor,
        why: &str,
    ) -> CoreError {
        self.door()
            .refuse_principal(
                attempt,
                actor.channel,
                &actor.name,
                actor.remote,
                Some((who, account)),
                why,
            )
            .await
    }
}

impl CoreError {
    /// A person changing their own settings is told what was wrong; a sign-in never is.
    pub(crate) fn unless_denied(self, message: &str) -> CoreError {
        match self {
            CoreError::Denied => CoreError::Invalid(message.to_owned()),
            other => other,
        }
    }
}
