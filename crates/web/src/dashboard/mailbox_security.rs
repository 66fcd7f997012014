//! A mailbox's settings page, Security tab: 2FA status, "Save password" (which ends every
//! session of the mailbox), the recovery code, storage, and deleting the mailbox.

use super::AppState;
use super::mailbox_tabs::{Tab, frame, header_of};
use crate::error::{WebError, form_message};
use crate::relative_time;
use crate::session::Owner;
use crate::sign_in::CsrfForm;
use crate::views::{
    DeleteMailboxPage, EditStoragePage, MailboxSecurityPage, RecoveryCodePage, RecoveryView,
    render, rules_for, rules_json,
};
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::{Form, Json};
use serde::Deserialize;
use trekmail_core::ids::MailboxId;

#[derive(Deserialize)]
pub struct PasswordForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    confirm: String,
}

#[derive(Deserialize)]
pub struct StorageForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    quota_mb: String,
}

/// What the page was sent back for, after a change (post, then redirect, then get).
#[derive(Deserialize, Default)]
pub struct Done {
    saved: Option<u64>,
    created: Option<u8>,
    storage: Option<u8>,
}

pub async fn to_security(Path(id): Path<i64>) -> Redirect {
    Redirect::to(&format!("/mailboxes/{id}/security"))
}

pub async fn page(
    State(state): State<AppState>,
    owner: Owner,
    Path(id): Path<i64>,
    Query(done): Query<Done>,
) -> Result<Response, WebError> {
    let notice = if let Some(ended) = done.saved {
        Some(format!(
            "Password saved. {ended} live session(s) were ended; the old password no longer works anywhere."
        ))
    } else if done.created.is_some() {
        Some("Mailbox created.".to_owned())
    } else if done.storage.is_some() {
        Some("Storage saved.".to_owned())
    } else {
        None
    };
    let page = security_page(&state, &owner, MailboxId(id), notice, None, "").await?;
    Ok(render(&page).into_response())
}

pub async fn save_password(
    State(state): State<AppState>,
    owner: Owner,
    Path(id): Path<i64>,
    Form(form): Form<PasswordForm>,
) -> Result<Response, WebError> {
    owner.check_csrf(&form.csrf)?;
    let id = MailboxId(id);
    let error = if form.password != form.confirm {
        "The two passwords do not match.".to_owned()
    } else {
        match state
            .core
            .set_mailbox_password(owner.scope, id, &form.password, &owner.actor())
            .await
        {
            Ok(ended) => {
                return Ok(Redirect::to(&format!(
                    "/mailboxes/{}/security?saved={ended}#password-section",
                    id.0
                ))
                .into_response());
            }
            Err(e) => form_message(&e).ok_or(WebError::from(e))?,
        }
    };
    let page = security_page(&state, &owner, id, None, Some(error), &form.password).await?;
    Ok(render(&page).into_response())
}

pub async fn confirm_recovery_code(
    State(state): State<AppState>,
    owner: Owner,
    Path(id): Path<i64>,
) -> Result<Response, WebError> {
    let mailbox = header_of(&state, &owner, MailboxId(id), Tab::Security).await?;
    Ok(render(&RecoveryCodePage {
        frame: frame(&owner),
        mailbox,
        code: String::new(),
    })
    .into_response())
}

/// Issues the new code; answers JSON to the page's dialog, a page otherwise. Either way the
/// code is shown this once.
pub async fn new_recovery_code(
    State(state): State<AppState>,
    owner: Owner,
    Path(id): Path<i64>,
    headers: HeaderMap,
    Form(form): Form<CsrfForm>,
) -> Result<Response, WebError> {
    owner.check_csrf(&form.csrf)?;
    let id = MailboxId(id);
    let code = state
        .core
        .issue_recovery_code(owner.scope, id, &owner.actor())
        .await?;
    let wants_json = headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.contains("application/json"));
    if wants_json {
        return Ok(Json(serde_json::json!({ "code": code.expose() })).into_response());
    }
    let mailbox = header_of(&state, &owner, id, Tab::Security).await?;
    Ok(render(&RecoveryCodePage {
        frame: frame(&owner),
        mailbox,
        code: code.expose().to_owned(),
    })
    .into_response())
}

pub async fn storage_page(
    State(state): State<AppState>,
    owner: Owner,
    Path(id): Path<i64>,
) -> Result<Response, WebError> {
    let mailbox = header_of(&state, &owner, MailboxId(id), Tab::Security).await?;
    Ok(render(&EditStoragePage {
        frame: frame(&owner),
        quota_mb: mailbox.quota_mb.to_string(),
        mailbox,
        error: None,
    })
    .into_response())
}

pub async fn edit_storage(
    State(state): State<AppState>,
    owner: Owner,
    Path(id): Path<i64>,
    Form(form): Form<StorageForm>,
) -> Result<Response, WebError> {
    owner.check_csrf(&form.csrf)?;
    let id = MailboxId(id);
    let error = match form.quota_mb.trim().parse::<u64>() {
        Err(_) => "Storage must be a whole number of MB.".to_owned(),
        Ok(mb) => match state
            .core
            .set_quota(owner.scope, id, mb, &owner.actor())
            .await
        {
            Ok(_) => {
                return Ok(
                    Redirect::to(&format!("/mailboxes/{}/security?storage=1", id.0))
                        .into_response(),
                );
            }
            Err(e) => form_message(&e).ok_or(WebError::from(e))?,
        },
    };
    let mailbox = header_of(&state, &owner, id, Tab::Security).await?;
    Ok(render(&EditStoragePage {
        frame: frame(&owner),
        mailbox,
        quota_mb: form.quota_mb.clone(),
        error: Some(error),
    })
    .into_response())
}

pub async fn confirm_delete(
    State(state): State<AppState>,
    owner: Owner,
    Path(id): Path<i64>,
) -> Result<Response, WebError> {
    let mailbox = header_of(&state, &owner, MailboxId(id), Tab::Security).await?;
    Ok(render(&DeleteMailboxPage {
        frame: frame(&owner),
        mailbox,
    })
    .into_response())
}

pub async fn delete(
    State(state): State<AppState>,
    owner: Owner,
    Path(id): Path<i64>,
    Form(form): Form<CsrfForm>,
) -> Result<Response, WebError> {
    owner.check_csrf(&form.csrf)?;
    let ended = state
        .core
        .delete_mailbox(owner.scope, MailboxId(id), &owner.actor())
        .await?;
    Ok(Redirect::to(&format!("/mailboxes?deleted={ended}")).into_response())
}

async fn security_page(
    state: &AppState,
    owner: &Owner,
    id: MailboxId,
    notice: Option<String>,
    password_error: Option<String>,
    typed_password: &str,
) -> Result<MailboxSecurityPage, WebError> {
    let mailbox = header_of(state, owner, id, Tab::Security).await?;
    let status = state.core.recovery_status(owner.scope, id).await?;
    let now = state.core.clock().now();
    let recovery = match status {
        Some(s) => RecoveryView {
            issued_ago: Some(relative_time::ago(s.issued_at, now)),
            issued_exact: relative_time::exact(s.issued_at),
            used: s.used_at.is_some(),
        },
        None => RecoveryView {
            issued_ago: None,
            issued_exact: String::new(),
            used: false,
        },
    };
    Ok(MailboxSecurityPage {
        frame: frame(owner),
        mailbox,
        rules: rules_for(typed_password),
        rules_json: rules_json(),
        password_error,
        notice,
        recovery,
    })
}
