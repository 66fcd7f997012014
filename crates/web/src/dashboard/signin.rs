//! Account sign-in (password, then a code when the owner has 2FA on) and sign-out. Every
//! failure reads alike and is throttled by the door.

use super::AppState;
use crate::client::ClientAddr;
use crate::csrf;
use crate::error::WebError;
use crate::session::{Owner, PRE_COOKIE};
use crate::sign_in::{CodeForm, CsrfForm, EXPIRED, WRONG_CODE};
use crate::views::{SignInCodePage, SignInPage, render};
use axum::Form;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::Response;
use serde::Deserialize;
use trekmail_core::CoreError;
use trekmail_core::audit::Channel;
use trekmail_core::auth::{CodeTicket, PasswordStep};

#[derive(Deserialize)]
pub struct SignInForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    password: String,
}

const WRONG: &str = "Wrong e-mail or password.";

pub async fn page(State(state): State<AppState>, headers: HeaderMap) -> Result<Response, WebError> {
    let pre = csrf::pre_token(&headers, PRE_COOKIE)?;
    let page = render(&SignInPage {
        email: String::new(),
        error: None,
        pre: pre.clone(),
    });
    Ok(state.cookies().with_pre(&pre, page))
}

pub async fn submit(
    State(state): State<AppState>,
    ClientAddr(client): ClientAddr,
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
        state.cookies().with_pre(&pre, render(&page))
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
            Some(client),
        )
        .await;
    match step {
        Ok(PasswordStep::Done(auth)) => {
            state
                .cookies()
                .signed_in(&state.core, &auth, Channel::Dashboard, client, "/mailboxes")
                .await
        }
        Ok(PasswordStep::NeedsCode(ticket)) => Ok(state.cookies().with_pre(
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
    ClientAddr(client): ClientAddr,
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
        state.cookies().with_pre(&pre, render(&page))
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
            Some(client),
        )
        .await;
    match result {
        Ok(auth) => {
            state
                .cookies()
                .signed_in(&state.core, &auth, Channel::Dashboard, client, "/mailboxes")
                .await
        }
        Err(CoreError::Denied) => Ok(again(WRONG_CODE)),
        Err(e) => Err(e.into()),
    }
}

pub async fn sign_out(
    State(state): State<AppState>,
    owner: Owner,
    Form(form): Form<CsrfForm>,
) -> Result<Response, WebError> {
    owner.check_csrf(&form.csrf)?;
    state.cookies().signed_out(&state.core, &owner.row.id).await
}
