//! The webmail's signed-in mailbox owner, read from the session cookie on every request. A
//! session the registry no longer knows (ended, password changed, idle too long) is none.

use super::MailState;
use super::brand::Brand;
use crate::csrf;
use crate::error::WebError;
use crate::own_credentials::Own;
use crate::session;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use std::net::IpAddr;
use trekmail_core::access::{MailboxAccess, OwnAccess};
use trekmail_core::audit::Channel;
use trekmail_core::services::Actor;
use trekmail_core::store::SessionRow;

pub const COOKIE: &str = "tm_mail";
/// The random value sign-in and recovery forms echo (double-submit CSRF before a session).
pub const PRE_COOKIE: &str = "tm_mail_pre";

/// A signed-in mailbox owner.
#[derive(Debug, Clone)]
pub struct MailOwner {
    pub row: SessionRow,
    /// The signed-in mailbox, as the registry resumed it: all the mail routes can touch.
    pub access: MailboxAccess,
    /// The owner's own credentials and sessions, as the core found them for this session.
    pub own_access: OwnAccess,
    pub address: String,
    pub csrf: String,
    pub remote: Option<IpAddr>,
    pub brand: Brand,
}

impl MailOwner {
    pub fn actor(&self) -> Actor {
        Actor {
            channel: Channel::Webmail,
            remote: self.remote,
            name: self.address.clone(),
        }
    }

    /// The owner acting on their own mailbox's credentials from this session.
    pub fn own(&self) -> Own<'_> {
        Own {
            access: self.own_access,
            session: &self.row.id,
            actor: self.actor(),
        }
    }

    /// Refuses a state-changing request whose form lacks this session's token.
    pub fn check_csrf(&self, sent: &str) -> Result<(), WebError> {
        csrf::check(&self.csrf, sent)
    }
}

impl FromRequestParts<MailState> for MailOwner {
    type Rejection = WebError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &MailState,
    ) -> Result<MailOwner, WebError> {
        let (token, resumed) =
            session::resume(&state.core, &parts.headers, COOKIE, Channel::Webmail).await?;
        let access = resumed.mailbox_access().ok_or(WebError::SignedOut)?;
        let signed_in = state
            .core
            .signed_in_mailbox(&access)
            .await
            .map_err(|_| WebError::SignedOut)?;
        let mailbox = signed_in.mailbox;
        let brand = Brand::of_request(state, &parts.headers).await?;
        // A session opened on another brand's host is not valid here.
        if brand.account.is_some_and(|a| a != mailbox.account_id) {
            return Err(WebError::SignedOut);
        }
        Ok(MailOwner {
            row: resumed.row,
            access,
            own_access: signed_in.own,
            address: mailbox.address.to_string(),
            csrf: csrf::for_session(&token),
            remote: session::remote(parts),
            brand,
        })
    }
}
