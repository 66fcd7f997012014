//! `/api/v1/mailboxes/{id}/aliases…`, `…/routing`, `…/catch-all`, `…/forwards…` and
//! `…/sender-filters…`, `…/auto-reply`: the Aliases, Forwarding, Filters and Auto-Reply tabs'
//! operations, through the same core calls as the pages.

use super::caller::Caller;
use super::error::ApiError;
use super::mailboxes::mailbox_id;
use crate::dashboard::AppState;
use axum::Json;
use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use trekmail_core::CoreError;
use trekmail_core::ids::{AliasId, ForwardId, MailboxId, SenderFilterId};
use trekmail_core::routing::{
    Alias, AutoReply, BlockedMail, DEFAULT_INTERVAL_DAYS, FilterList, Forward, SenderFilter,
    Subaddressing,
};
use trekmail_core::services::{AutoReplyRequest, Manager};

#[derive(Serialize)]
pub struct AliasBody {
    id: i64,
    address: String,
    created_at: String,
}

fn alias_body(a: &Alias) -> AliasBody {
    AliasBody {
        id: a.id.0,
        address: a.address.to_string(),
        created_at: a.created_at.to_rfc3339(),
    }
}

#[derive(Serialize)]
pub struct SenderBody {
    id: i64,
    list: &'static str,
    pattern: String,
    created_at: String,
}

fn sender_body(f: &SenderFilter) -> SenderBody {
    SenderBody {
        id: f.id.0,
        list: f.list.as_str(),
        pattern: f.pattern.to_string(),
        created_at: f.created_at.to_rfc3339(),
    }
}

#[derive(Serialize)]
pub struct ForwardBody {
    id: i64,
    destination: String,
    created_at: String,
}

fn forward_body(f: &Forward) -> ForwardBody {
    ForwardBody {
        id: f.id.0,
        destination: f.destination.to_string(),
        created_at: f.created_at.to_rfc3339(),
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewForward {
    destination: String,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AutoReplyBody {
    enabled: bool,
    #[serde(default)]
    subject: String,
    #[serde(default)]
    text: String,
    #[serde(default)]
    starts_on: Option<NaiveDate>,
    #[serde(default)]
    ends_on: Option<NaiveDate>,
    #[serde(default = "default_interval")]
    interval_days: u32,
}

fn default_interval() -> u32 {
    DEFAULT_INTERVAL_DAYS
}

fn auto_reply_body(r: &AutoReply) -> AutoReplyBody {
    AutoReplyBody {
        enabled: r.enabled,
        subject: r.subject.clone(),
        text: r.text.clone(),
        starts_on: r.starts_on,
        ends_on: r.ends_on,
        interval_days: r.interval_days,
    }
}

#[derive(Serialize)]
pub struct RoutingBody {
    subaddressing: &'static str,
    blocked_mail: &'static str,
    keep_copy: bool,
    /// The account's domains this mailbox is the catch-all of.
    catch_all_of: Vec<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewAlias {
    address: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewRouting {
    subaddressing: Option<String>,
    blocked_mail: Option<String>,
    keep_copy: Option<bool>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CatchAll {
    domain: String,
    on: bool,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewSender {
    list: String,
    pattern: String,
}

/// The mailbox of the path as its account's admin manages it.
pub(super) fn admin(caller: &Caller, id: &str) -> Result<Manager<'static>, ApiError> {
    Ok(Manager::Admin(caller.scope, mailbox_id(id)?))
}

/// A second id from the path; one that is not a number names nothing.
fn item_id(raw: &str) -> Result<i64, ApiError> {
    raw.parse::<i64>()
        .map_err(|_| ApiError::Core(CoreError::NotFound))
}

pub async fn aliases(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<Vec<AliasBody>>, ApiError> {
    let all = state.core.aliases(admin(&caller, &id)?).await?;
    Ok(Json(all.iter().map(alias_body).collect()))
}

pub async fn add_alias(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    json: Result<Json<NewAlias>, JsonRejection>,
) -> Result<Response, ApiError> {
    let Json(new) = json?;
    let alias = state
        .core
        .add_alias(admin(&caller, &id)?, &new.address, &caller.actor)
        .await?;
    Ok((StatusCode::CREATED, Json(alias_body(&alias))).into_response())
}

pub async fn remove_alias(
    State(state): State<AppState>,
    caller: Caller,
    Path((id, alias)): Path<(String, String)>,
) -> Result<Json<AliasBody>, ApiError> {
    let removed = state
        .core
        .remove_alias(
            admin(&caller, &id)?,
            AliasId(item_id(&alias)?),
            &caller.actor,
        )
        .await?;
    Ok(Json(alias_body(&removed)))
}

pub async fn routing(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<RoutingBody>, ApiError> {
    Ok(Json(routing_body(&state, &caller, mailbox_id(&id)?).await?))
}

/// Both settings are checked before either is saved.
pub async fn set_routing(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    json: Result<Json<NewRouting>, JsonRejection>,
) -> Result<Json<RoutingBody>, ApiError> {
    let Json(new) = json?;
    let id = mailbox_id(&id)?;
    let subaddressing = parsed::<Subaddressing>(new.subaddressing.as_deref())?;
    let blocked = parsed::<BlockedMail>(new.blocked_mail.as_deref())?;
    let core = &state.core;
    core.mailbox(caller.scope, id).await?;
    if let Some(s) = subaddressing {
        core.set_subaddressing(Manager::Admin(caller.scope, id), s, &caller.actor)
            .await?;
    }
    if let Some(b) = blocked {
        core.set_blocked_mail(caller.scope, id, b, &caller.actor)
            .await?;
    }
    if let Some(keep) = new.keep_copy {
        core.set_keep_copy(caller.scope, id, keep, &caller.actor)
            .await?;
    }
    Ok(Json(routing_body(&state, &caller, id).await?))
}

pub async fn set_catch_all(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    json: Result<Json<CatchAll>, JsonRejection>,
) -> Result<Json<RoutingBody>, ApiError> {
    let Json(new) = json?;
    let id = mailbox_id(&id)?;
    let core = &state.core;
    core.mailbox(caller.scope, id).await?;
    let domain = core.domain(caller.scope, &new.domain).await.map_err(|_| {
        CoreError::Invalid(format!(
            "{} is not one of this account's domains",
            new.domain
        ))
    })?;
    core.set_catch_all(caller.scope, id, domain.id, new.on, &caller.actor)
        .await?;
    Ok(Json(routing_body(&state, &caller, id).await?))
}

pub async fn forwards(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<Vec<ForwardBody>>, ApiError> {
    let all = state.core.forwards(admin(&caller, &id)?).await?;
    Ok(Json(all.iter().map(forward_body).collect()))
}

pub async fn add_forward(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    json: Result<Json<NewForward>, JsonRejection>,
) -> Result<Response, ApiError> {
    let Json(new) = json?;
    let added = state
        .core
        .add_forward(
            caller.scope,
            mailbox_id(&id)?,
            &new.destination,
            &caller.actor,
        )
        .await?;
    Ok((StatusCode::CREATED, Json(forward_body(&added))).into_response())
}

pub async fn remove_forward(
    State(state): State<AppState>,
    caller: Caller,
    Path((id, forward)): Path<(String, String)>,
) -> Result<Json<ForwardBody>, ApiError> {
    let removed = state
        .core
        .remove_forward(
            caller.scope,
            mailbox_id(&id)?,
            ForwardId(item_id(&forward)?),
            &caller.actor,
        )
        .await?;
    Ok(Json(forward_body(&removed)))
}

pub async fn auto_reply(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<AutoReplyBody>, ApiError> {
    let saved = state.core.auto_reply(admin(&caller, &id)?).await?;
    Ok(Json(auto_reply_body(&saved)))
}

/// The whole auto-reply, checked before anything is saved.
pub async fn set_auto_reply(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    json: Result<Json<AutoReplyBody>, JsonRejection>,
) -> Result<Json<AutoReplyBody>, ApiError> {
    let Json(new) = json?;
    let request = AutoReplyRequest {
        enabled: new.enabled,
        subject: &new.subject,
        text: &new.text,
        starts_on: new.starts_on,
        ends_on: new.ends_on,
        interval_days: new.interval_days,
    };
    let saved = state
        .core
        .set_auto_reply(admin(&caller, &id)?, &request, &caller.actor)
        .await?;
    Ok(Json(auto_reply_body(&saved)))
}

pub async fn senders(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<Vec<SenderBody>>, ApiError> {
    let all = state.core.sender_filters(admin(&caller, &id)?).await?;
    Ok(Json(all.iter().map(sender_body).collect()))
}

pub async fn add_sender(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    json: Result<Json<NewSender>, JsonRejection>,
) -> Result<Response, ApiError> {
    let Json(new) = json?;
    let list = FilterList::parse(&new.list)
        .ok_or_else(|| CoreError::Invalid("list is \"allowed\" or \"blocked\"".into()))?;
    let added = state
        .core
        .add_sender_filter(admin(&caller, &id)?, list, &new.pattern, &caller.actor)
        .await?;
    Ok((StatusCode::CREATED, Json(sender_body(&added))).into_response())
}

pub async fn remove_sender(
    State(state): State<AppState>,
    caller: Caller,
    Path((id, entry)): Path<(String, String)>,
) -> Result<Json<SenderBody>, ApiError> {
    let removed = state
        .core
        .remove_sender_filter(
            admin(&caller, &id)?,
            SenderFilterId(item_id(&entry)?),
            &caller.actor,
        )
        .await?;
    Ok(Json(sender_body(&removed)))
}

fn parsed<T: std::str::FromStr<Err = String>>(raw: Option<&str>) -> Result<Option<T>, ApiError> {
    raw.map(|r| {
        r.parse::<T>()
            .map_err(|e| ApiError::Core(CoreError::Invalid(e)))
    })
    .transpose()
}

async fn routing_body(
    state: &AppState,
    caller: &Caller,
    id: MailboxId,
) -> Result<RoutingBody, ApiError> {
    let core = &state.core;
    let routing = core.routing(Manager::Admin(caller.scope, id)).await?;
    let mailbox = core.mailbox(caller.scope, id).await?;
    let catch_all_of = core
        .domains(caller.scope, mailbox.account_id)
        .await?
        .into_iter()
        .filter(|d| d.catch_all == Some(id))
        .map(|d| d.name)
        .collect();
    Ok(RoutingBody {
        subaddressing: routing.subaddressing.as_str(),
        blocked_mail: routing.blocked.as_str(),
        keep_copy: routing.keep_copy,
        catch_all_of,
    })
}
