//! `/api/v1/mailboxes…`: the same operations as the dashboard's pages, through the same core
//! calls.

use super::caller::Caller;
use super::error::ApiError;
use crate::dashboard::AppState;
use axum::Json;
use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use trekmail_core::domain::Mailbox;
use trekmail_core::ids::MailboxId;
use trekmail_core::services::NewMailboxRequest;

#[derive(Serialize)]
pub struct MailboxBody {
    id: i64,
    address: String,
    display_name: String,
    quota_mb: i64,
    used_bytes: i64,
    two_factor_enabled: bool,
    created_at: String,
}

fn body(mailbox: &Mailbox, two_factor_enabled: bool) -> MailboxBody {
    MailboxBody {
        id: mailbox.id.0,
        address: mailbox.address.to_string(),
        display_name: mailbox.display_name.clone(),
        quota_mb: mailbox.quota_bytes / (1024 * 1024),
        used_bytes: mailbox.used_bytes,
        two_factor_enabled,
        created_at: mailbox.created_at.to_rfc3339(),
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewMailbox {
    address: String,
    #[serde(default)]
    display_name: String,
    quota_mb: u64,
    password: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewPassword {
    password: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewStorage {
    quota_mb: u64,
}

pub async fn list(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<Vec<MailboxBody>>, ApiError> {
    let all = state.core.mailboxes(caller.scope, caller.account).await?;
    Ok(Json(
        all.iter()
            .map(|o| body(&o.mailbox, o.two_factor_on))
            .collect(),
    ))
}

pub async fn create(
    State(state): State<AppState>,
    caller: Caller,
    json: Result<Json<NewMailbox>, JsonRejection>,
) -> Result<Response, ApiError> {
    let Json(new) = json?;
    let request = NewMailboxRequest {
        account: caller.account,
        address: &new.address,
        display_name: &new.display_name,
        quota_mb: new.quota_mb,
        password: &new.password,
    };
    let mailbox = state
        .core
        .create_mailbox(caller.scope, &request, &caller.actor)
        .await?;
    Ok((StatusCode::CREATED, Json(body(&mailbox, false))).into_response())
}

pub async fn one(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<MailboxBody>, ApiError> {
    let mailbox = state.core.mailbox(caller.scope, mailbox_id(&id)?).await?;
    let on = state
        .core
        .mailbox_two_factor_on(caller.scope, mailbox.id)
        .await?;
    Ok(Json(body(&mailbox, on)))
}

pub async fn delete(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<serde_json::Value>, ApiError> {
    let ended = state
        .core
        .delete_mailbox(caller.scope, mailbox_id(&id)?, &caller.actor)
        .await?;
    Ok(Json(
        serde_json::json!({ "deleted": true, "sessions_ended": ended }),
    ))
}

pub async fn set_password(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    json: Result<Json<NewPassword>, JsonRejection>,
) -> Result<Json<serde_json::Value>, ApiError> {
    let Json(new) = json?;
    let ended = state
        .core
        .set_mailbox_password(caller.scope, mailbox_id(&id)?, &new.password, &caller.actor)
        .await?;
    Ok(Json(serde_json::json!({ "sessions_ended": ended })))
}

pub async fn new_recovery_code(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<serde_json::Value>, ApiError> {
    let code = state
        .core
        .issue_recovery_code(caller.scope, mailbox_id(&id)?, &caller.actor)
        .await?;
    Ok(Json(serde_json::json!({ "code": code.expose() })))
}

pub async fn two_factor(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<serde_json::Value>, ApiError> {
    let mailbox = state.core.mailbox(caller.scope, mailbox_id(&id)?).await?;
    let on = state
        .core
        .mailbox_two_factor_on(caller.scope, mailbox.id)
        .await?;
    Ok(Json(serde_json::json!({ "enabled": on })))
}

pub async fn set_storage(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    json: Result<Json<NewStorage>, JsonRejection>,
) -> Result<Json<MailboxBody>, ApiError> {
    let Json(new) = json?;
    let mailbox = state
        .core
        .set_quota(caller.scope, mailbox_id(&id)?, new.quota_mb, &caller.actor)
        .await?;
    let on = state
        .core
        .mailbox_two_factor_on(caller.scope, mailbox.id)
        .await?;
    Ok(Json(body(&mailbox, on)))
}

/// An id from the path; one that is not a number names no mailbox.
pub(super) fn mailbox_id(raw: &str) -> Result<MailboxId, ApiError> {
    raw.parse::<i64>()
        .map(MailboxId)
        .map_err(|_| ApiError::Core(trekmail_core::CoreError::NotFound))
}
