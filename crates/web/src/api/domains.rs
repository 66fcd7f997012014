//! `/api/v1/domains…`: the Domains page's operations (add, remove, the records to publish,
//! "Check DNS", DKIM rotation and retirement), through the same core calls. Private keys
//! never leave the core: nothing here can reach them.

use super::caller::Caller;
use super::error::ApiError;
use crate::dashboard::AppState;
use crate::views::Checked;
use axum::Json;
use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use trekmail_core::CoreError;
use trekmail_core::domain::{DkimKey, Domain};
use trekmail_core::ids::DomainId;
use trekmail_core::services::{DnsRecord, RecordState, Scope};

#[derive(Serialize)]
pub struct DomainBody {
    id: i64,
    name: String,
    /// Mailboxes at the domain.
    mailboxes: usize,
    created_at: String,
}

fn domain_body(d: &Domain, mailboxes: usize) -> DomainBody {
    DomainBody {
        id: d.id.0,
        name: d.name.clone(),
        mailboxes,
        created_at: d.created_at.to_rfc3339(),
    }
}

#[derive(Serialize)]
pub struct RecordBody {
    name: String,
    #[serde(rename = "type")]
    kind: String,
    value: String,
    purpose: String,
    /// After a check: `present`, `missing`, `different` or `unknown`.
    #[serde(skip_serializing_if = "Option::is_none")]
    state: Option<&'static str>,
    /// After a check: what DNS holds instead (for `different`).
    #[serde(skip_serializing_if = "Option::is_none")]
    found: Option<Vec<String>>,
    /// After a check that could not be made: why.
    #[serde(skip_serializing_if = "Option::is_none")]
    reason: Option<String>,
}

fn record_body(r: DnsRecord, state: Option<RecordState>) -> RecordBody {
    let checked = state.map(Checked::from);
    RecordBody {
        name: r.name,
        kind: r.kind.to_string(),
        value: r.value,
        purpose: r.purpose,
        state: checked.as_ref().map(|c| c.state),
        reason: checked.as_ref().and_then(|c| c.reason.clone()),
        found: checked.map(|c| c.found),
    }
}

#[derive(Serialize)]
pub struct DkimKeyBody {
    selector: String,
    /// The `k=` tag: `rsa` (2048 bits) or `ed25519`.
    algorithm: &'static str,
    signing: bool,
    created_at: String,
    record_name: String,
}

fn key_body(k: &DkimKey, domain: &str) -> DkimKeyBody {
    DkimKeyBody {
        selector: k.selector.clone(),
        algorithm: k.algorithm.as_str(),
        signing: k.signing,
        created_at: k.created_at.to_rfc3339(),
        record_name: k.record_name(domain),
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewDomain {
    name: String,
}

pub async fn list(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<Vec<DomainBody>>, ApiError> {
    let core = &state.core;
    let domains = core
        .domains_with_mailbox_counts(caller.scope, caller.account)
        .await?;
    Ok(Json(
        domains.iter().map(|(d, on)| domain_body(d, *on)).collect(),
    ))
}

pub async fn add(
    State(state): State<AppState>,
    caller: Caller,
    json: Result<Json<NewDomain>, JsonRejection>,
) -> Result<Response, ApiError> {
    let Json(new) = json?;
    let domain = state
        .core
        .add_domain(caller.scope, caller.account, &new.name, &caller.actor)
        .await?;
    Ok((StatusCode::CREATED, Json(domain_body(&domain, 0))).into_response())
}

pub async fn remove(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<serde_json::Value>, ApiError> {
    state
        .core
        .remove_domain(caller.scope, domain_id(&id)?, &caller.actor)
        .await?;
    Ok(Json(serde_json::json!({ "deleted": true })))
}

/// The records to publish and the DKIM keys behind them.
pub async fn records(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<serde_json::Value>, ApiError> {
    published(&state, caller.scope, domain_id(&id)?).await
}

/// "Check DNS": each record with what DNS answered for it.
pub async fn check(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<serde_json::Value>, ApiError> {
    let id = domain_id(&id)?;
    let checked = state.core.check_dns(caller.scope, id).await?;
    let records: Vec<RecordBody> = checked
        .into_iter()
        .map(|(r, s)| record_body(r, Some(s)))
        .collect();
    with_keys(&state, caller.scope, id, records).await
}

/// New signing keys; the answer is the records to publish now, the new keys' among them.
pub async fn rotate(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<serde_json::Value>, ApiError> {
    let id = domain_id(&id)?;
    state
        .core
        .rotate_dkim_keys(caller.scope, id, &caller.actor)
        .await?;
    published(&state, caller.scope, id).await
}

pub async fn retire(
    State(state): State<AppState>,
    caller: Caller,
    Path((id, selector)): Path<(String, String)>,
) -> Result<Json<serde_json::Value>, ApiError> {
    state
        .core
        .retire_dkim_key(caller.scope, domain_id(&id)?, &selector, &caller.actor)
        .await?;
    Ok(Json(serde_json::json!({ "retired": selector })))
}

/// The records `id` publishes, with its keys.
async fn published(
    state: &AppState,
    scope: Scope,
    id: DomainId,
) -> Result<Json<serde_json::Value>, ApiError> {
    let records = state.core.dns_records(scope, id).await?;
    let records = records.into_iter().map(|r| record_body(r, None)).collect();
    with_keys(state, scope, id, records).await
}

/// `{"domain", "records", "dkim_keys"}` for `id`.
async fn with_keys(
    state: &AppState,
    scope: Scope,
    id: DomainId,
    records: Vec<RecordBody>,
) -> Result<Json<serde_json::Value>, ApiError> {
    let domain = state.core.domain_by_id(scope, id).await?;
    let keys: Vec<DkimKeyBody> = state
        .core
        .dkim_keys(scope, id)
        .await?
        .iter()
        .map(|k| key_body(k, &domain.name))
        .collect();
    Ok(Json(serde_json::json!({
        "domain": domain.name,
        "records": records,
        "dkim_keys": keys,
    })))
}

/// An id from the path; one that is not a number names no domain.
fn domain_id(raw: &str) -> Result<DomainId, ApiError> {
    raw.parse::<i64>()
        .map(DomainId)
        .map_err(|_| ApiError::Core(CoreError::NotFound))
}
