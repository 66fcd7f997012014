//! What every tab of a mailbox's settings page shares: the header with its tab strip, in the
//! spec's order, and the signed-in frame.

use super::AppState;
use super::format::size;
use crate::error::WebError;
use crate::session::Owner;
use crate::views::{Frame, MailboxHeader};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use trekmail_core::ids::MailboxId;

/// The settings page's tabs, in the order of the strip; Security is the last one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tab {
    Aliases,
    Forwarding,
    Filters,
    AutoReply,
    Sieve,
    Security,
}

impl Tab {
    pub const STRIP: [Tab; 6] = [
        Tab::Aliases,
        Tab::Forwarding,
        Tab::Filters,
        Tab::AutoReply,
        Tab::Sieve,
        Tab::Security,
    ];

    pub fn label(self) -> &'static str {
        match self {
            Tab::Aliases => "Aliases",
            Tab::Forwarding => "Forwarding",
            Tab::Filters => "Filters",
            Tab::AutoReply => "Auto-Reply",
            Tab::Sieve => "Sieve",
            Tab::Security => "Security",
        }
    }

    /// The last part of the tab's path, `/mailboxes/{id}/…`.
    pub fn path(self) -> &'static str {
        match self {
            Tab::Aliases => "aliases",
            Tab::Forwarding => "forwarding",
            Tab::Filters => "filters",
            Tab::AutoReply => "auto-reply",
            Tab::Sieve => "sieve",
            Tab::Security => "security",
        }
    }
}

impl Tab {
    /// Back to this tab of the mailbox after a change: post, redirect, get; `query` says
    /// what changed (`added=1#aliases`).
    pub fn back(self, id: MailboxId, query: &str) -> Response {
        Redirect::to(&format!("/mailboxes/{}/{}?{query}", id.0, self.path())).into_response()
    }
}

/// What a routing tab was sent back for after a change.
#[derive(Deserialize, Default)]
pub struct Changed {
    added: Option<u8>,
    removed: Option<u8>,
    saved: Option<u8>,
}

impl Changed {
    /// The notice for the change, with the tab's own words for an addition and a removal.
    pub fn notice(&self, added: &'static str, removed: &'static str) -> Option<&'static str> {
        match (self.added, self.removed, self.saved) {
            (Some(_), _, _) => Some(added),
            (_, Some(_), _) => Some(removed),
            (_, _, Some(_)) => Some("Saved. It applies to the next message."),
            _ => None,
        }
    }
}

pub fn frame(owner: &Owner) -> Frame {
    Frame {
        email: owner.email.clone(),
        csrf: owner.csrf.clone(),
    }
}

/// The header of one of the account's mailboxes, on tab `tab`; another account's is
/// `NotFound`.
pub async fn header_of(
    state: &AppState,
    owner: &Owner,
    id: MailboxId,
    tab: Tab,
) -> Result<MailboxHeader, WebError> {
    let core = &state.core;
    let mailbox = core.mailbox(owner.scope, id).await?;
    let account = core.account(owner.scope, owner.account).await?;
    let limits = core.plan_limits(account.plan);
    Ok(MailboxHeader {
        id: id.0,
        address: mailbox.address.to_string(),
        display_name: mailbox.display_name.clone(),
        two_factor_on: core.mailbox_two_factor_on(owner.scope, id).await?,
        used: size(mailbox.used_bytes),
        quota: size(mailbox.quota_bytes),
        quota_mb: u64::try_from(mailbox.quota_bytes / (1024 * 1024)).unwrap_or(0),
        max_quota_mb: limits.max_storage_mb,
        tab,
    })
}
