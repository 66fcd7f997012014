//! Settings → Security: the mailbox owner turns 2FA on (QR code and key, on only once a
//! current code confirms it) and off (password and code), changes the password (every other
//! session of the mailbox ends, this one stays) and sees and ends the mailbox's live sessions.

use super::MailState;
use super::owner::MailOwner;
use super::pages::{Frame, SecurityPage, SessionView};
use super::signin::CsrfForm;
use crate::error::{WebError, form_message};
use crate::views::{EnrolmentView, render, rules_for, rules_json};
use crate::{qr, relative_time};
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use trekmail_core::ids::SessionId;
use trekmail_core::services::Enrollment;

#[derive(Deserialize)]
pub struct ConfirmForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    ticket: String,
    #[serde(default)]
    code: String,
}

#[derive(Deserialize)]
pub struct DisableForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    code: String,
}

#[derive(Deserialize)]
pub struct PasswordForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    current: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    confirm: String,
}

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
    let enrolment = state.core.begin_two_factor(owner.who())?;
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
    let result = state
        .core
        .confirm_two_factor(
            owner.who(),
            owner.account,
            &form.ticket,
            form.code.trim(),
            &owner.actor(),
        )
        .await;
    match result {
        Ok(()) => Ok(Redirect::to("/settings/security?done=2fa_on").into_response()),
        Err(e) => {
            let error = form_message(&e).ok_or(WebError::from(e))?;
            let extras = Extras {
                enrolment: state.core.resume_two_factor(owner.who(), &form.ticket),
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
    let result = state
        .core
        .disable_two_factor(
            owner.who(),
            owner.account,
            &form.password,
            form.code.trim(),
            &owner.actor(),
        )
        .await;
    match result {
        Ok(()) => Ok(Redirect::to("/settings/security?done=2fa_off").into_response()),
        Err(e) => {
            let extras = Extras {
                two_factor_error: Some(form_message(&e).ok_or(WebError::from(e))?),
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
    let error = if form.password != form.confirm {
        "The two passwords do not match.".to_owned()
    } else {
        // One store transaction: new hash and epoch, every other session row gone, this one
        // moved to the new epoch.
        match state
            .core
            .change_own_password(
                owner.who(),
                owner.account,
                &form.current,
                &form.password,
                Some(&owner.row.id),
                &owner.actor(),
            )
            .await
        {
            Ok(ended) => {
                return Ok(Redirect::to(&format!(
                    "/settings/security?done=password&ended={ended}"
                ))
                .into_response());
            }
            Err(e) => form_message(&e).ok_or(WebError::from(e))?,
        }
    };
    let extras = Extras {
        password_error: Some(error),
        ..Extras::default()
    };
    show(&state, &owner, extras, &form.password).await
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
        .end_session(owner.scope(), owner.who(), &id, &owner.actor())
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
        .end_sessions(
            owner.scope(),
            owner.who(),
            Some(&owner.row.id),
            &owner.actor(),
        )
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
        .sessions(owner.scope(), owner.who())
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
    let enrolment = extras.enrolment.map(|e| {
        let uri = e.secret.expose_otpauth_uri(core.issuer(), &owner.address);
        EnrolmentView {
            qr_svg: qr::svg(&uri),
            key: qr::grouped(&e.secret.expose_base32()),
            ticket: e.ticket,
        }
    });
    let page = SecurityPage {
        brand: owner.brand.clone(),
        frame: Frame {
            address: owner.address.clone(),
            csrf: owner.csrf.clone(),
        },
        two_factor_on: core.two_factor_on(owner.who()).await?,
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
