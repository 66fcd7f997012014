//! Webmail sign-in: address and password, then a code when the mailbox has 2FA on. Every
//! failure reads alike and is throttled by the door; on a branded host only that account's
//! mailboxes pass.

use super::MailState;
use super::brand::Brand;
use super::owner::{MailOwner, PRE_COOKIE};
use super::pages::{SignInCodePage, SignInPage};
use crate::client::ClientAddr;
use crate::csrf;
use crate::error::WebError;
use crate::sign_in::{CodeForm, CsrfForm, EXPIRED, WRONG_CODE};
use crate::views::render;
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
    address: String,
    #[serde(default)]
    password: String,
}

const WRONG: &str = "Wrong address or password.";

pub async fn page(
    State(state): State<MailState>,
    headers: HeaderMap,
) -> Result<Response, WebError> {
    let brand = Brand::of_request(&state, &headers).await?;
    let pre = csrf::pre_token(&headers, PRE_COOKIE)?;
    let page = render(&SignInPage {
        brand,
        address: String::new(),
        error: None,
        pre: pre.clone(),
    });
    Ok(state.cookies().with_pre(&pre, page))
}

pub async fn submit(
    State(state): State<MailState>,
    ClientAddr(client): ClientAddr,
    headers: HeaderMap,
    Form(form): Form<SignInForm>,
) -> Result<Response, WebError> {
    let brand = Brand::of_request(&state, &headers).await?;
    let pre = csrf::pre_token(&headers, PRE_COOKIE)?;
    let again = |error: &str| {
        let page = SignInPage {
            brand: brand.clone(),
            address: form.address.clone(),
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
        .password_step_in(
            brand.account,
            Channel::Webmail,
            &form.address,
            &form.password,
            Some(client),
        )
        .await;
    match step {
        Ok(PasswordStep::Done(auth)) => {
            state
                .cookies()
                .signed_in(&state.core, &auth, Channel::Webmail, client, "/")
                .await
        }
        Ok(PasswordStep::NeedsCode(ticket)) => Ok(state.cookies().with_pre(
            &pre,
            render(&SignInCodePage {
                brand: brand.clone(),
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
    State(state): State<MailState>,
    ClientAddr(client): ClientAddr,
    headers: HeaderMap,
    Form(form): Form<CodeForm>,
) -> Result<Response, WebError> {
    let brand = Brand::of_request(&state, &headers).await?;
    let pre = csrf::pre_token(&headers, PRE_COOKIE)?;
    let again = |error: &str| {
        let page = SignInCodePage {
            brand: brand.clone(),
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
        .code_step_in(
            brand.account,
            Channel::Webmail,
            &CodeTicket(form.ticket.clone()),
            form.code.trim(),
            Some(client),
        )
        .await;
    match result {
        Ok(auth) => {
            state
                .cookies()
                .signed_in(&state.core, &auth, Channel::Webmail, client, "/")
                .await
        }
        Err(CoreError::Denied) => Ok(again(WRONG_CODE)),
        Err(e) => Err(e.into()),
    }
}

pub async fn sign_out(
    State(state): State<MailState>,
    owner: MailOwner,
    Form(form): Form<CsrfForm>,
) -> Result<Response, WebError> {
    owner.check_csrf(&form.csrf)?;
    state.cookies().signed_out(&state.core, &owner.row.id).await
}
