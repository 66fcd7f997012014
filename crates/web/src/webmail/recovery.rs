//! "Forgot password?", recovery code mode: the code the admin issued sets a new password,
//! once. A wrong or used code, an unknown address and another brand's mailbox all get the same
//! answer, throttled by the door.

use super::MailState;
use super::brand::Brand;
use super::owner::PRE_COOKIE;
use super::pages::ForgotPage;
use crate::client::ClientAddr;
use crate::csrf;
use crate::error::{WebError, form_message};
use crate::sign_in::EXPIRED;
use crate::views::{render, rules_for, rules_json};
use axum::Form;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::Response;
use serde::Deserialize;
use trekmail_core::CoreError;
use trekmail_core::audit::Channel;

#[derive(Deserialize)]
pub struct RecoveryForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    address: String,
    #[serde(default)]
    code: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    confirm: String,
}

const WRONG: &str =
    "That address and recovery code do not go together, or the code was already used.";

pub async fn page(
    State(state): State<MailState>,
    headers: HeaderMap,
) -> Result<Response, WebError> {
    let brand = Brand::of_request(&state, &headers).await?;
    let pre = csrf::pre_token(&headers, PRE_COOKIE)?;
    let page = render(&ForgotPage {
        brand,
        address: String::new(),
        error: None,
        rules: rules_for(""),
        rules_json: rules_json(),
        pre: pre.clone(),
    });
    Ok(state.cookies().with_pre(&pre, page))
}

pub async fn submit(
    State(state): State<MailState>,
    ClientAddr(client): ClientAddr,
    headers: HeaderMap,
    Form(form): Form<RecoveryForm>,
) -> Result<Response, WebError> {
    let brand = Brand::of_request(&state, &headers).await?;
    let pre = csrf::pre_token(&headers, PRE_COOKIE)?;
    let again = |error: String| {
        let page = ForgotPage {
            brand: brand.clone(),
            address: form.address.clone(),
            error: Some(error),
            rules: rules_for(&form.password),
            rules_json: rules_json(),
            pre: pre.clone(),
        };
        state.cookies().with_pre(&pre, render(&page))
    };
    if !csrf::pre_matches(&headers, PRE_COOKIE, &form.csrf) {
        return Ok(again(EXPIRED.to_owned()));
    }
    if form.password != form.confirm {
        return Ok(again("The two passwords do not match.".to_owned()));
    }
    let result = state
        .core
        .redeem_recovery_code_in(
            brand.account,
            &form.address,
            form.code.trim(),
            &form.password,
            Some(client),
        )
        .await;
    match result {
        Ok(auth) => {
            state
                .cookies()
                .signed_in(
                    &state.core,
                    &auth,
                    Channel::Webmail,
                    client,
                    "/settings/security?done=recovered",
                )
                .await
        }
        Err(CoreError::Denied) => Ok(again(WRONG.to_owned())),
        Err(e) => match form_message(&e) {
            Some(message) => Ok(again(message)),
            None => Err(e.into()),
        },
    }
}
