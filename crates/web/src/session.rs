//! The dashboard's signed-in owner, read from the session cookie on every request. A session
//! the registry no longer knows (ended, password changed, idle too long) is no session.

use crate::client::ClientAddr;
use crate::csrf;
use crate::dashboard::AppState;
use crate::error::WebError;
use crate::own_credentials::Own;
use axum::extract::FromRequestParts;
use axum::http::HeaderMap;
use axum::http::request::Parts;
use std::net::IpAddr;
use trekmail_core::Core;
use trekmail_core::access::OwnAccess;
use trekmail_core::audit::Channel;
use trekmail_core::ids::AccountId;
use trekmail_core::services::{Actor, Scope};
use trekmail_core::sessions::ResumedWeb;
use trekmail_core::store::SessionRow;

pub const COOKIE: &str = "tm_dash";
/// The random value a sign-in form echoes (double-submit CSRF before there is a session).
pub const PRE_COOKIE: &str = "tm_pre";

/// A signed-in account owner.
#[derive(Debug, Clone)]
pub struct Owner {
    pub row: SessionRow,
    pub account: AccountId,
    /// The account's scope, as the registry resumed the session: all the pages can touch.
    pub scope: Scope,
    /// The owner's own dashboard credentials and sessions.
    pub own_access: OwnAccess,
    pub email: String,
    pub csrf: String,
    pub remote: Option<IpAddr>,
}

impl Owner {
    pub fn actor(&self) -> Actor {
        Actor {
            channel: Channel::Dashboard,
            remote: self.remote,
            name: self.email.clone(),
        }
    }

    /// The owner acting on their own dashboard credentials from this session.
    pub fn own(&self) -> Own<'_> {
        Own {
            access: self.own_access,
            session: &self.row.id,
            actor: self.actor(),
        }
    }

    /// Refuses a state-changing request whose form field or header lacks this session's token.
    pub fn check_csrf(&self, sent: &str) -> Result<(), WebError> {
        csrf::check(&self.csrf, sent)
    }
}

impl FromRequestParts<AppState> for Owner {
    type Rejection = WebError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Owner, WebError> {
        let (token, resumed) =
            resume(&state.core, &parts.headers, COOKIE, Channel::Dashboard).await?;
        let scope = resumed.account_scope().ok_or(WebError::SignedOut)?;
        let own_access = resumed.own_access().ok_or(WebError::SignedOut)?;
        let row = resumed.row;
        let account = scope.account_id().ok_or(WebError::SignedOut)?;
        let email = state
            .core
            .account(scope, account)
            .await
            .map_err(|_| WebError::SignedOut)?
            .owner_email
            .to_string();
        Ok(Owner {
            row,
            account,
            scope,
            own_access,
            email,
            csrf: csrf::for_session(&token),
            remote: remote(parts),
        })
    }
}

/// The live web session of `channel` whose token is in cookie `name`, and the token: an
/// ended, expired or other channel's session is none (signed out).
pub async fn resume(
    core: &Core,
    headers: &HeaderMap,
    name: &str,
    channel: Channel,
) -> Result<(String, ResumedWeb), WebError> {
    let token = cookie(headers, name).ok_or(WebError::SignedOut)?;
    let resumed = core
        .registry()
        .resume_web(&token)
        .await?
        .filter(|resumed| resumed.row.channel == channel)
        .ok_or(WebError::SignedOut)?;
    Ok((token, resumed))
}

/// The client's address (see [`crate::client`]), when the listener recorded one.
pub fn remote(parts: &Parts) -> Option<IpAddr> {
    parts.extensions.get::<ClientAddr>().map(|client| client.0)
}

/// One cookie's value from the request.
pub fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(axum::http::header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.to_owned())
}

/// A `Set-Cookie` value: HttpOnly, SameSite=Strict, path /, Secure under TLS.
pub fn set_cookie(name: &str, value: &str, secure: bool, max_age: Option<i64>) -> String {
    let mut out = format!("{name}={value}; Path=/; HttpOnly; SameSite=Strict");
    if secure {
        out.push_str("; Secure");
    }
    if let Some(age) = max_age {
        out.push_str(&format!("; Max-Age={age}"));
    }
    out
}
