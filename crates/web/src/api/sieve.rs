//! `/api/v1/mailboxes/{id}/sieve-scripts…`, `…/sieve-active` and `/api/v1/sieve/check`: the
//! Sieve tab's operations, through the same core calls as the pages and ManageSieve.

use super::caller::Caller;
use super::error::ApiError;
use super::routing::admin;
use crate::dashboard::AppState;
use axum::Json;
use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use trekmail_core::routing::SieveScript;

#[derive(Serialize)]
pub struct ScriptBody {
    name: String,
    active: bool,
    source: String,
    updated_at: String,
}

fn script_body(s: &SieveScript) -> ScriptBody {
    ScriptBody {
        name: s.name.clone(),
        active: s.active,
        source: s.source.clone(),
        updated_at: s.updated_at.to_rfc3339(),
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SourceBody {
    source: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ActiveBody {
    /// The script to run; null: none.
    name: Option<String>,
}

#[derive(Serialize)]
pub struct CheckError {
    line: u32,
    column: u32,
    message: String,
}

#[derive(Serialize)]
pub struct CheckBody {
    valid: bool,
    errors: Vec<CheckError>,
}

pub async fn scripts(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<Vec<ScriptBody>>, ApiError> {
    let all = state.core.sieve_scripts(admin(&caller, &id)?).await?;
    Ok(Json(all.iter().map(script_body).collect()))
}

pub async fn script(
    State(state): State<AppState>,
    caller: Caller,
    Path((id, name)): Path<(String, String)>,
) -> Result<Json<ScriptBody>, ApiError> {
    let found = state.core.sieve_script(admin(&caller, &id)?, &name).await?;
    Ok(Json(script_body(&found)))
}

/// Saves a script that compiles; its errors otherwise, nothing saved.
pub async fn put_script(
    State(state): State<AppState>,
    caller: Caller,
    Path((id, name)): Path<(String, String)>,
    json: Result<Json<SourceBody>, JsonRejection>,
) -> Result<Json<ScriptBody>, ApiError> {
    let Json(body) = json?;
    let saved = state
        .core
        .put_sieve_script(admin(&caller, &id)?, &name, &body.source, &caller.actor)
        .await?;
    Ok(Json(script_body(&saved)))
}

pub async fn delete_script(
    State(state): State<AppState>,
    caller: Caller,
    Path((id, name)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    state
        .core
        .delete_sieve_script(admin(&caller, &id)?, &name, &caller.actor)
        .await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

pub async fn set_active(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    json: Result<Json<ActiveBody>, JsonRejection>,
) -> Result<Response, ApiError> {
    let Json(body) = json?;
    state
        .core
        .activate_sieve_script(admin(&caller, &id)?, body.name.as_deref(), &caller.actor)
        .await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// Every error of a script, with its line and column; nothing is kept.
pub async fn check(
    State(state): State<AppState>,
    _caller: Caller,
    json: Result<Json<SourceBody>, JsonRejection>,
) -> Result<Json<CheckBody>, ApiError> {
    let Json(body) = json?;
    let errors: Vec<CheckError> = match state.core.check_sieve(&body.source) {
        Ok(()) => Vec::new(),
        Err(errors) => errors
            .0
            .into_iter()
            .map(|e| CheckError {
                line: e.line,
                column: e.column,
                message: e.message,
            })
            .collect(),
    };
    Ok(Json(CheckBody {
        valid: errors.is_empty(),
        errors,
    }))
}
