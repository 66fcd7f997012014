//! A domain's page: the DNS records to publish, "Check DNS" (each record looked up and shown
//! present, missing, different or not checkable), and its DKIM keys, rotated and retired.

use super::AppState;
use super::domains::refusal;
use super::mailbox_tabs::frame;
use crate::error::WebError;
use crate::relative_time;
use crate::session::Owner;
use crate::sign_in::CsrfForm;
use crate::views::{DkimKeyRow, DomainPage, RecordRow, render};
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use trekmail_core::ids::DomainId;
use trekmail_core::services::{DnsRecord, RecordState};

#[derive(Deserialize)]
pub struct Done {
    added: Option<u8>,
    rotated: Option<u8>,
    retired: Option<u8>,
}

impl Done {
    fn notice(&self) -> Option<&'static str> {
        match (self.added, self.rotated, self.retired) {
            (Some(_), _, _) => Some(
                "Domain added. Publish the records below at its DNS provider, then check them.",
            ),
            (_, Some(_), _) => Some(
                "New DKIM keys sign mail from now on: publish their records at once. The old keys stay published until you retire them.",
            ),
            (_, _, Some(_)) => Some("Key retired: remove its record from DNS."),
            _ => None,
        }
    }
}

pub async fn page(
    State(state): State<AppState>,
    owner: Owner,
    Path(id): Path<i64>,
    Query(done): Query<Done>,
) -> Result<Response, WebError> {
    let mut page = unchecked(&state, &owner, DomainId(id)).await?;
    page.notice = done.notice().map(str::to_owned);
    Ok(render(&page).into_response())
}

/// "Check DNS": the page again, each record with what DNS answered for it.
pub async fn check(
    State(state): State<AppState>,
    owner: Owner,
    Path(id): Path<i64>,
    Form(form): Form<CsrfForm>,
) -> Result<Response, WebError> {
    owner.check_csrf(&form.csrf)?;
    let id = DomainId(id);
    let checked = state.core.check_dns(owner.scope, id).await?;
    let rows = checked.into_iter().map(|(r, s)| row(r, Some(s))).collect();
    Ok(render(&build(&state, &owner, id, rows, true).await?).into_response())
}

pub async fn rotate(
    State(state): State<AppState>,
    owner: Owner,
    Path(id): Path<i64>,
    Form(form): Form<CsrfForm>,
) -> Result<Response, WebError> {
    owner.check_csrf(&form.csrf)?;
    let id = DomainId(id);
    let rotated = state
        .core
        .rotate_dkim_keys(owner.scope, id, &owner.actor())
        .await;
    back_or_refused(&state, &owner, id, rotated, "rotated=1#dkim").await
}

pub async fn retire(
    State(state): State<AppState>,
    owner: Owner,
    Path((id, selector)): Path<(i64, String)>,
    Form(form): Form<CsrfForm>,
) -> Result<Response, WebError> {
    owner.check_csrf(&form.csrf)?;
    let id = DomainId(id);
    let retired = state
        .core
        .retire_dkim_key(owner.scope, id, &selector, &owner.actor())
        .await;
    back_or_refused(&state, &owner, id, retired, "retired=1#dkim").await
}

/// After a key change: back to the page saying what changed, or the page with the refusal.
async fn back_or_refused(
    state: &AppState,
    owner: &Owner,
    id: DomainId,
    done: Result<(), trekmail_core::CoreError>,
    query: &str,
) -> Result<Response, WebError> {
    let error = match done {
        Ok(()) => return Ok(Redirect::to(&format!("/domains/{}?{query}", id.0)).into_response()),
        Err(e) => refusal(e)?,
    };
    let mut page = unchecked(state, owner, id).await?;
    page.error = Some(error);
    Ok(render(&page).into_response())
}

/// The page with the records to publish, not looked up.
async fn unchecked(state: &AppState, owner: &Owner, id: DomainId) -> Result<DomainPage, WebError> {
    let records = state.core.dns_records(owner.scope, id).await?;
    let rows = records.into_iter().map(|r| row(r, None)).collect();
    build(state, owner, id, rows, false).await
}

fn row(record: DnsRecord, state: Option<RecordState>) -> RecordRow {
    RecordRow {
        name: record.name,
        kind: record.kind.to_string(),
        value: record.value,
        purpose: record.purpose,
        checked: state.map(Into::into),
    }
}

async fn build(
    state: &AppState,
    owner: &Owner,
    id: DomainId,
    records: Vec<RecordRow>,
    checked: bool,
) -> Result<DomainPage, WebError> {
    let core = &state.core;
    let domain = core.domain_by_id(owner.scope, id).await?;
    let now = core.clock().now();
    let keys = core
        .dkim_keys(owner.scope, id)
        .await?
        .into_iter()
        .map(|k| DkimKeyRow {
            algorithm: k.algorithm.to_string(),
            signing: k.signing,
            created: relative_time::ago(k.created_at, now),
            created_exact: relative_time::exact(k.created_at),
            selector: k.selector,
        })
        .collect();
    Ok(DomainPage {
        frame: frame(owner),
        id: id.0,
        name: domain.name,
        notice: None,
        error: None,
        records,
        checked,
        keys,
    })
}
