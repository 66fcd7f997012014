//! Account sign-in (password, then a code when the owner has 2FA on) and sign-out. Every
//! failure reads alike and is throttled by the door.

use super::AppState;
use crate::csrf;
use crate::error::WebError;
use crate::session::{self, Owner, PRE_COOKIE};
use crate::views::{SignInCodePage, SignInPage, render};
use axum::Form;
use axum::extract::{ConnectInfo, State};
use axum::http::{HeaderMap, header};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use std::net::SocketAddr;
use trekmail_core::CoreError;
use trekmail_core::audit::Channel;
use trekmail_core::auth::{Authenticated, CodeTicket, PasswordStep};

#[derive(Deserialize)]
pub struct SignInForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    password: String,
}

#[derive(Deserialize)]
pub struct CodeForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    ticket: String,
    #[serde(default)]
    code: String,
}

#[derive(Deserialize)]
pub struct CsrfForm {
    #[serde(default)]
    pub csrf: String,
}

const WRONG: &str = "Wrong e-mail or password.";
const EXPIRED: &str = "This form expired. Please try again.";

pub async fn page(State(state): State<AppState>, headers: HeaderMap) -> Result<Response, WebError> {
    let pre = csrf::pre_token(&headers, PRE_COOKIE)?;
    let page = render(&SignInPage {
        email: String::new(),
        error: None,
        pre: pre.clone(),
    });
    Ok(with_pre_cookie(&state, &pre, page))
}

pub async fn submit(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Form(form): Form<SignInForm>,
) -> Result<Response, WebError> {
    let pre = csrf::pre_token(&headers, PRE_COOKIE)?;
    let again = |error: &str| {
        let page = SignInPage {
            email: form.email.clone(),
            error: Some(error.to_owned()),
            pre: pre.clone(),
        };
        with_pre_cookie(&state, &pre, render(&page))
    };
    if !csrf::pre_matches(&headers, PRE_COOKIE, &form.csrf) {
        return Ok(again(EXPIRED));
    }
    let step = state
        .core
        .door()
        .password_step(
            Channel::Dashboard,
            &form.email,
            &form.password,
            Some(peer.ip()),
        )
        .await;
    match step {
        Ok(PasswordStep::Done(auth)) => signed_in(&state, &auth, peer).await,
        Ok(PasswordStep::NeedsCode(ticket)) => Ok(with_pre_cookie(
            &state,
            &pre,
            render(&SignInCodePage {
                ticket: ticket.0,
                error: None,
                pre: pre.clone(),
            }),
        )),
        Err(CoreError::Denied) => Ok(again(WRONG)),
        Err(e) => Err(e.into()),
    }
}

pub async fn submit_code(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Form(form): Form<CodeForm>,
) -> Result<Response, WebError> {
    let pre = csrf::pre_token(&headers, PRE_COOKIE)?;
    let again = |error: &str| {
        let page = SignInCodePage {
            ticket: form.ticket.clone(),
            error: Some(error.to_owned()),
            pre: pre.clone(),
        };
        with_pre_cookie(&state, &pre, render(&page))
    };
    if !csrf::pre_matches(&headers, PRE_COOKIE, &form.csrf) {
        return Ok(again(EXPIRED));
    }
    let result = state
        .core
        .door()
        .code_step(
            Channel::Dashboard,
            &CodeTicket(form.ticket.clone()),
            &form.code,
            Some(peer.ip()),
        )
        .await;
    match result {
        Ok(auth) => signed_in(&state, &auth, peer).await,
        Err(CoreError::Denied) => Ok(again(
            "That code is not right, was already used, or this sign-in expired.",
        )),
        Err(e) => Err(e.into()),
    }
}

pub async fn sign_out(
    State(state): State<AppState>,
    owner: Owner,
    Form(form): Form<CsrfForm>,
) -> Result<Response, WebError> {
    owner.check_csrf(&form.csrf)?;
    state.core.registry().end_one(&owner.row.id).await?;
    let clear = session::set_cookie(session::COOKIE, "", state.options.secure_cookies, Some(0));
    Ok(([(header::SET_COOKIE, clear)], Redirect::to("/signin")).into_response())
}

async fn signed_in(
    state: &AppState,
    auth: &Authenticated,
    peer: SocketAddr,
) -> Result<Response, WebError> {
    let (_, token) = state
        .core
        .registry()
        .open_web(auth, Channel::Dashboard, Some(peer.ip()))
        .await?;
    let cookie = session::set_cookie(
        session::COOKIE,
        token.expose(),
        state.options.secure_cookies,
        None,
    );
    Ok(([(header::SET_COOKIE, cookie)], Redirect::to("/mailboxes")).into_response())
}

fn with_pre_cookie(state: &AppState, pre: &str, page: impl IntoResponse) -> Response {
    let cookie = session::set_cookie(PRE_COOKIE, pre, state.options.secure_cookies, None);
    ([(header::SET_COOKIE, cookie)], page).into_response()
}
