//! Settings → Security: the mailbox owner turns 2FA on (QR code and key, on only once a
//! current code confirms it) and off (password and code), changes the password (every other
//! session of the mailbox ends, this one stays) and sees and ends the mailbox's live sessions.

use super::MailState;
use super::owner::MailOwner;
use super::pages::{Frame, SecurityPage, SessionView};
use crate::error::WebError;
use crate::own_credentials::{self, ConfirmForm, DisableForm, PasswordForm};
use crate::relative_time;
use crate::sign_in::CsrfForm;
use crate::views::{render, rules_for, rules_json};
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use trekmail_core::ids::SessionId;
use trekmail_core::services::Enrollment;

/// What the page was sent back for, after a change (post, redirect, get).
#[derive(Deserialize, Default)]
pub struct Done {
    done: Option<String>,
    ended: Option<u64>,
}

/// What a page shows besides the defaults.
#[derive(Default)]
struct Extras {
    enrolment: Option<Enrollment>,
    two_factor_error: Option<String>,
    password_error: Option<String>,
    notice: Option<String>,
}

pub async fn page(
    State(state): State<MailState>,
    owner: MailOwner,
    Query(done): Query<Done>,
) -> Result<Response, WebError> {
    let ended = done.ended.unwrap_or(0);
    let notice = match done.done.as_deref() {
        Some("2fa_on") => Some(
            "Two-factor authentication is on. Every new sign-in now needs a code; sessions already open stay open."
                .to_owned(),
        ),
        Some("2fa_off") => Some("Two-factor authentication is off.".to_owned()),
        Some("password") => Some(format!(
            "Password changed. {ended} other session(s) were ended; this one stays signed in."
        )),
        Some("recovered") => Some(
            "Your new password is set and every other session was ended. Two-factor authentication is off now: set it up again below."
                .to_owned(),
        ),
        Some("session") => Some("That session was ended.".to_owned()),
        Some("others") => Some(format!("{ended} other session(s) were ended.")),
        _ => None,
    };
    show(
        &state,
        &owner,
        Extras {
            notice,
            ..Extras::default()
        },
        "",
    )
    .await
}

pub async fn begin_two_factor(
    State(state): State<MailState>,
    owner: MailOwner,
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
    State(state): State<MailState>,
    owner: MailOwner,
    Form(form): Form<ConfirmForm>,
) -> Result<Response, WebError> {
    owner.check_csrf(&form.csrf)?;
    match own_credentials::confirm_two_factor(&state.core, &owner.own(), &form).await? {
        Ok(()) => Ok(Redirect::to("/settings/security?done=2fa_on").into_response()),
        Err(error) => {
            let extras = Extras {
                enrolment: state
                    .core
                    .resume_two_factor(&owner.own_access, &form.ticket),
                two_factor_error: Some(error),
                ..Extras::default()
            };
            show(&state, &owner, extras, "").await
        }
    }
}

pub async fn disable_two_factor(
    State(state): State<MailState>,
    owner: MailOwner,
    Form(form): Form<DisableForm>,
) -> Result<Response, WebError> {
    owner.check_csrf(&form.csrf)?;
    match own_credentials::disable_two_factor(&state.core, &owner.own(), &form).await? {
        Ok(()) => Ok(Redirect::to("/settings/security?done=2fa_off").into_response()),
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
    State(state): State<MailState>,
    owner: MailOwner,
    Form(form): Form<PasswordForm>,
) -> Result<Response, WebError> {
    owner.check_csrf(&form.csrf)?;
    // One store transaction: new hash and epoch, every other session row gone, this one
    // moved to the new epoch.
    match own_credentials::change_password(&state.core, &owner.own(), &form).await? {
        Ok(ended) => Ok(
            Redirect::to(&format!("/settings/security?done=password&ended={ended}"))
                .into_response(),
        ),
        Err(error) => {
            let extras = Extras {
                password_error: Some(error),
                ..Extras::default()
            };
            show(&state, &owner, extras, &form.password).await
        }
    }
}

/// "End session" on one row; this session is ended by signing out.
pub async fn end_session(
    State(state): State<MailState>,
    owner: MailOwner,
    Path(id): Path<String>,
    Form(form): Form<CsrfForm>,
) -> Result<Response, WebError> {
    owner.check_csrf(&form.csrf)?;
    let id = SessionId(id);
    if id == owner.row.id {
        return Err(WebError::NotFound);
    }
    state
        .core
        .end_own_session(&owner.own_access, &id, &owner.actor())
        .await?;
    Ok(Redirect::to("/settings/security?done=session#sessions").into_response())
}

pub async fn end_others(
    State(state): State<MailState>,
    owner: MailOwner,
    Form(form): Form<CsrfForm>,
) -> Result<Response, WebError> {
    owner.check_csrf(&form.csrf)?;
    let ended = state
        .core
        .end_own_sessions(&owner.own_access, Some(&owner.row.id), &owner.actor())
        .await?;
    Ok(Redirect::to(&format!(
        "/settings/security?done=others&ended={ended}#sessions"
    ))
    .into_response())
}

async fn show(
    state: &MailState,
    owner: &MailOwner,
    extras: Extras,
    typed_password: &str,
) -> Result<Response, WebError> {
    let core = &state.core;
    let now = core.clock().now();
    let sessions = core
        .own_sessions(&owner.own_access)
        .await?
        .into_iter()
        .map(|s| SessionView {
            this: s.id == owner.row.id,
            channel: s.channel.as_str(),
            remote: s
                .remote
                .map_or_else(|| "unknown".to_owned(), |ip| ip.to_string()),
            started: relative_time::ago(s.started_at, now),
            started_exact: relative_time::exact(s.started_at),
            last_seen: relative_time::ago(s.last_seen_at, now),
            last_seen_exact: relative_time::exact(s.last_seen_at),
            id: s.id.0,
        })
        .collect();
    // On a branded host the owner's app names the brand they know.
    let issuer = match owner.brand.account {
        Some(_) => owner.brand.name.as_str(),
        None => core.issuer(),
    };
    let enrolment = extras
        .enrolment
        .map(|e| own_credentials::enrolment_view(e, issuer, &owner.address));
    let page = SecurityPage {
        brand: owner.brand.clone(),
        frame: Frame {
            address: owner.address.clone(),
            csrf: owner.csrf.clone(),
        },
        two_factor_on: core.two_factor_on(&owner.own_access).await?,
        enrolment,
        two_factor_error: extras.two_factor_error,
        rules: rules_for(typed_password),
        rules_json: rules_json(),
        password_error: extras.password_error,
        notice: extras.notice,
        sessions,
    };
    Ok(render(&page).into_response())
}
