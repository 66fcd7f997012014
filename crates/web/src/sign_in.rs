//! What the dashboard's and the webmail's sign-in share: the forms, the pre-session cookie
//! their forms echo, opening the web session with its cookie, and signing out.

use crate::error::WebError;
use crate::session;
use axum::http::header;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use std::net::IpAddr;
use trekmail_core::Core;
use trekmail_core::audit::Channel;
use trekmail_core::auth::Authenticated;
use trekmail_core::ids::SessionId;

pub const EXPIRED: &str = "This form expired. Please try again.";
pub const WRONG_CODE: &str = "That code is not right, was already used, or this sign-in expired.";

/// A form that carries nothing but its token: a button.
#[derive(Deserialize)]
pub struct CsrfForm {
    #[serde(default)]
    pub csrf: String,
}

/// The second step: the ticket from the first and a code.
#[derive(Deserialize)]
pub struct CodeForm {
    #[serde(default)]
    pub csrf: String,
    #[serde(default)]
    pub ticket: String,
    #[serde(default)]
    pub code: String,
}

/// Where a channel keeps its cookies, and whether they are `Secure`.
#[derive(Clone, Copy)]
pub struct Cookies {
    pub session: &'static str,
    pub pre: &'static str,
    pub secure: bool,
}

impl Cookies {
    /// `page` with the pre-session cookie its form echoes.
    pub fn with_pre(&self, pre: &str, page: impl IntoResponse) -> Response {
        let cookie = session::set_cookie(self.pre, pre, self.secure, None);
        ([(header::SET_COOKIE, cookie)], page).into_response()
    }

    /// Opens the web session for a proof from the door, and sends the owner to `to`.
    pub async fn signed_in(
        &self,
        core: &Core,
        auth: &Authenticated,
        channel: Channel,
        client: IpAddr,
        to: &str,
    ) -> Result<Response, WebError> {
        let (_, token) = core
            .registry()
            .open_web(auth, channel, Some(client))
            .await?;
        let cookie = session::set_cookie(self.session, token.expose(), self.secure, None);
        Ok(([(header::SET_COOKIE, cookie)], Redirect::to(to)).into_response())
    }

    /// Ends `session` and clears its cookie.
    pub async fn signed_out(&self, core: &Core, session: &SessionId) -> Result<Response, WebError> {
        core.registry().end_one(session).await?;
        let clear = session::set_cookie(self.session, "", self.secure, Some(0));
        Ok(([(header::SET_COOKIE, clear)], Redirect::to("/signin")).into_response())
    }
}
