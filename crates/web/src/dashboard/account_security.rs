//! Account → Security: the owner's own dashboard 2FA and password, API tokens and the
//! webmail's branding. All of it
//! is the owner's alone, independent of every mailbox.

use super::AppState;
use crate::error::{WebError, form_message};
use crate::own_credentials::{self, ConfirmForm, DisableForm, PasswordForm};
use crate::relative_time;
use crate::session::Owner;
use crate::sign_in::CsrfForm;
use crate::views::{
    AccountSecurityPage, BrandingView, Frame, TokenRow, render, rules_for, rules_json,
};
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use trekmail_core::CoreError;
use trekmail_core::services::{Enrollment, NewApiToken, TokenLifetime};

#[derive(Deserialize)]
pub struct TokenForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    name: String,
    /// `30`, `90`, `365` (days) or `never`.
    #[serde(default)]
    lifetime: String,
    /// The owner's password, asked again.
    #[serde(default)]
    password: String,
}

#[derive(Deserialize)]
pub struct BrandForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    host: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    colour: String,
    /// "clear" from the "Use TrekMail's look" button; saving otherwise.
    #[serde(default)]
    action: String,
}

#[derive(Deserialize, Default)]
pub struct Done {
    done: Option<String>,
}

/// What a page shows besides the defaults.
#[derive(Default)]
struct Extras {
    enrolment: Option<Enrollment>,
    two_factor_error: Option<String>,
    password_error: Option<String>,
    notice: Option<String>,
    new_token: Option<String>,
    token_error: Option<String>,
    /// What the branding form holds when shown again, with its message.
    brand_typed: Option<(String, String, String)>,
    brand_error: Option<String>,
}

pub async fn page(
    State(state): State<AppState>,
    owner: Owner,
    Query(done): Query<Done>,
) -> Result<Response, WebError> {
    let notice = match done.done.as_deref() {
        Some("2fa_on") => Some("Two-factor authentication is on for your dashboard sign-in."),
        Some("2fa_off") => Some("Two-factor authentication is off."),
        Some("password") => {
            Some("Password changed. Your other dashboard sessions were signed out.")
        }
        Some("token_revoked") => Some("Token revoked. It no longer works."),
        Some("brand") => Some("Webmail branding saved."),
        Some("brand_cleared") => {
            Some("Webmail branding removed: your mailboxes see TrekMail's webmail.")
        }
        _ => None,
    };
    let extras = Extras {
        notice: notice.map(str::to_owned),
        ..Extras::default()
    };
    show(&state, &owner, extras, "").await
}

pub async fn begin_two_factor(
    State(state): State<AppState>,
    owner: Owner,
    Form(form): Form<CsrfForm>,
) -> Result<Response, WebError> {
    owner.check_csrf(&form.csrf)?;
    let enrolment = state.core.begin_two_factor(&owner.own_access)?;
    let extras = Extras {
        enrolment: Some(enrolment),
        ..Extras::default()
    };
    show(&state, &owner, extras, "").await
}

pub async fn confirm_two_factor(
    State(state): State<AppState>,
    owner: Owner,
    Form(form): Form<ConfirmForm>,
) -> Result<Response, WebError> {
    owner.check_csrf(&form.csrf)?;
    let own = owner.own();
    match own_credentials::confirm_two_factor(&state.core, &own, &form).await? {
        Ok(()) => Ok(Redirect::to("/account/security?done=2fa_on").into_response()),
        Err(error) => {
            let extras = Extras {
                enrolment: state.core.resume_two_factor(&own.access, &form.ticket),
                two_factor_error: Some(error),
                ..Extras::default()
            };
            show(&state, &owner, extras, "").await
        }
    }
}

pub async fn disable_two_factor(
    State(state): State<AppState>,
    owner: Owner,
    Form(form): Form<DisableForm>,
) -> Result<Response, WebError> {
    owner.check_csrf(&form.csrf)?;
    match own_credentials::disable_two_factor(&state.core, &owner.own(), &form).await? {
        Ok(()) => Ok(Redirect::to("/account/security?done=2fa_off").into_response()),
        Err(error) => {
            let extras = Extras {
                two_factor_error: Some(error),
                ..Extras::default()
            };
            show(&state, &owner, extras, "").await
        }
    }
}

pub async fn change_password(
    State(state): State<AppState>,
    owner: Owner,
    Form(form): Form<PasswordForm>,
) -> Result<Response, WebError> {
    owner.check_csrf(&form.csrf)?;
    match own_credentials::change_password(&state.core, &owner.own(), &form).await? {
        Ok(_) => Ok(Redirect::to("/account/security?done=password").into_response()),
        Err(error) => {
            let extras = Extras {
                password_error: Some(error),
                ..Extras::default()
            };
            show(&state, &owner, extras, &form.password).await
        }
    }
}

pub async fn create_token(
    State(state): State<AppState>,
    owner: Owner,
    Form(form): Form<TokenForm>,
) -> Result<Response, WebError> {
    owner.check_csrf(&form.csrf)?;
    let result = match TokenLifetime::parse(&form.lifetime) {
        Some(lifetime) => {
            let new = NewApiToken {
                name: &form.name,
                lifetime,
                password: Some(&form.password),
            };
            state
                .core
                .create_api_token(owner.scope, owner.account, &new, &owner.actor())
                .await
        }
        None => Err(CoreError::Invalid(
            "a token lasts 30, 90 or 365 days, or never expires".into(),
        )),
    };
    let extras = match result {
        Ok((_, value)) => Extras {
            new_token: Some(value.to_string()),
            ..Extras::default()
        },
        Err(e) => Extras {
            token_error: Some(form_message(&e).ok_or(WebError::from(e))?),
            ..Extras::default()
        },
    };
    show(&state, &owner, extras, "").await
}

pub async fn revoke_token(
    State(state): State<AppState>,
    owner: Owner,
    Path(id): Path<i64>,
    Form(form): Form<CsrfForm>,
) -> Result<Response, WebError> {
    owner.check_csrf(&form.csrf)?;
    state
        .core
        .revoke_api_token(owner.scope, owner.account, id, &owner.actor())
        .await?;
    Ok(Redirect::to("/account/security?done=token_revoked#api-tokens").into_response())
}

/// "Webmail branding": host name, brand name and colour, or back to TrekMail's look.
pub async fn save_branding(
    State(state): State<AppState>,
    owner: Owner,
    Form(form): Form<BrandForm>,
) -> Result<Response, WebError> {
    owner.check_csrf(&form.csrf)?;
    let core = &state.core;
    let result = match form.action.as_str() {
        "clear" => core
            .clear_brand(owner.scope, owner.account, &owner.actor())
            .await
            .map(|()| "brand_cleared"),
        _ => core
            .set_brand(
                owner.scope,
                owner.account,
                &form.host,
                &form.name,
                &form.colour,
                &owner.actor(),
            )
            .await
            .map(|_| "brand"),
    };
    match result {
        Ok(done) => {
            Ok(Redirect::to(&format!("/account/security?done={done}#branding")).into_response())
        }
        Err(e) => {
            let extras = Extras {
                brand_error: Some(form_message(&e).ok_or(WebError::from(e))?),
                brand_typed: Some((form.host, form.name, form.colour)),
                ..Extras::default()
            };
            show(&state, &owner, extras, "").await
        }
    }
}

async fn show(
    state: &AppState,
    owner: &Owner,
    extras: Extras,
    typed_password: &str,
) -> Result<Response, WebError> {
    let core = &state.core;
    let now = core.clock().now();
    let tokens = core
        .api_tokens(owner.scope, owner.account)
        .await?
        .into_iter()
        .map(|t| TokenRow {
            id: t.id,
            name: t.name,
            created: relative_time::ago(t.created_at, now),
            expires: match t.expires_at {
                None => "never".to_owned(),
                Some(at) if at <= now => "expired".to_owned(),
                Some(at) => relative_time::exact(at),
            },
            last_used: t
                .last_used_at
                .map_or_else(|| "never".to_owned(), |at| relative_time::ago(at, now)),
        })
        .collect();
    let enrolment = extras
        .enrolment
        .map(|e| own_credentials::enrolment_view(e, core.issuer(), &owner.email));
    let account = core.account(owner.scope, owner.account).await?;
    let stored = core.brand(owner.scope, owner.account).await?;
    let (host, name, colour) = match (extras.brand_typed, &stored) {
        (Some(typed), _) => typed,
        (None, Some(b)) => (b.host.clone(), b.name.clone(), b.colour.clone()),
        (None, None) => (String::new(), String::new(), "#2f5bd3".to_owned()),
    };
    let branding = BrandingView {
        allowed: core.plan_limits(account.plan).branding,
        plan: account.plan.to_string(),
        set: stored.is_some(),
        host,
        name,
        colour,
        error: extras.brand_error,
    };
    let page = AccountSecurityPage {
        frame: Frame {
            email: owner.email.clone(),
            csrf: owner.csrf.clone(),
        },
        two_factor_on: core.two_factor_on(&owner.own_access).await?,
        enrolment,
        two_factor_error: extras.two_factor_error,
        rules: rules_for(typed_password),
        rules_json: rules_json(),
        password_error: extras.password_error,
        notice: extras.notice,
        tokens,
        new_token: extras.new_token,
        token_error: extras.token_error,
        branding,
    };
    Ok(render(&page).into_response())
}
