//! The Mailboxes page: the account's mailboxes, and the form that creates one.

use super::AppState;
use super::format::{percent_step, size};
use crate::error::{WebError, form_message};
use crate::session::Owner;
use crate::views::{
    Frame, MailboxRow, MailboxesPage, NewMailboxForm, render, rules_for, rules_json,
};
use axum::Form;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use trekmail_core::services::NewMailboxRequest;

#[derive(Deserialize)]
pub struct CreateForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    local_part: String,
    #[serde(default)]
    domain: String,
    #[serde(default)]
    display_name: String,
    #[serde(default)]
    quota_mb: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    confirm: String,
}

#[derive(Deserialize)]
pub struct Done {
    deleted: Option<u64>,
}

pub async fn page(
    State(state): State<AppState>,
    owner: Owner,
    Query(done): Query<Done>,
) -> Result<Response, WebError> {
    let notice = done
        .deleted
        .map(|ended| format!("Mailbox deleted. {ended} live session(s) were ended."));
    let form = NewMailboxForm {
        quota_mb: "1024".to_owned(),
        ..NewMailboxForm::default()
    };
    Ok(render(&build(&state, &owner, form, notice, "").await?).into_response())
}

pub async fn create(
    State(state): State<AppState>,
    owner: Owner,
    Form(form): Form<CreateForm>,
) -> Result<Response, WebError> {
    owner.check_csrf(&form.csrf)?;
    let address = format!("{}@{}", form.local_part.trim(), form.domain.trim());
    let again = |error: String| NewMailboxForm {
        local_part: form.local_part.clone(),
        domain: form.domain.clone(),
        display_name: form.display_name.clone(),
        quota_mb: form.quota_mb.clone(),
        error: Some(error),
    };
    let Ok(quota_mb) = form.quota_mb.trim().parse::<u64>() else {
        let page = build(
            &state,
            &owner,
            again("Storage must be a whole number of MB.".into()),
            None,
            &form.password,
        )
        .await?;
        return Ok(render(&page).into_response());
    };
    if form.password != form.confirm {
        let page = build(
            &state,
            &owner,
            again("The two passwords do not match.".into()),
            None,
            &form.password,
        )
        .await?;
        return Ok(render(&page).into_response());
    }
    let request = NewMailboxRequest {
        account: owner.account,
        address: &address,
        display_name: &form.display_name,
        quota_mb,
        password: &form.password,
    };
    match state
        .core
        .create_mailbox(owner.scope, &request, &owner.actor())
        .await
    {
        Ok(mailbox) => Ok(
            Redirect::to(&format!("/mailboxes/{}/security?created=1", mailbox.id.0))
                .into_response(),
        ),
        Err(e) => match form_message(&e) {
            Some(message) => {
                let page = build(&state, &owner, again(message), None, &form.password).await?;
                Ok(render(&page).into_response())
            }
            None => Err(e.into()),
        },
    }
}

async fn build(
    state: &AppState,
    owner: &Owner,
    mut form: NewMailboxForm,
    notice: Option<String>,
    typed_password: &str,
) -> Result<MailboxesPage, WebError> {
    let core = &state.core;
    let account = core.account(owner.scope, owner.account).await?;
    let limits = core.plan_limits(account.plan);
    let overviews = core.mailboxes(owner.scope, owner.account).await?;
    let domains: Vec<String> = core
        .domains(owner.scope, owner.account)
        .await?
        .into_iter()
        .map(|d| d.name)
        .collect();
    if form.domain.is_empty() {
        form.domain = domains.first().cloned().unwrap_or_default();
    }
    let mailboxes: Vec<MailboxRow> = overviews
        .iter()
        .map(|o| MailboxRow {
            id: o.mailbox.id.0,
            address: o.mailbox.address.to_string(),
            display_name: o.mailbox.display_name.clone(),
            used: size(o.mailbox.used_bytes),
            quota: size(o.mailbox.quota_bytes),
            used_percent: percent_step(o.mailbox.used_bytes, o.mailbox.quota_bytes),
            two_factor_on: o.two_factor_on,
        })
        .collect();
    let allotted: i64 = overviews.iter().map(|o| o.mailbox.quota_bytes).sum();
    Ok(MailboxesPage {
        frame: Frame {
            email: owner.email.clone(),
            csrf: owner.csrf.clone(),
        },
        plan: capitalised_word(account.plan.as_str()),
        limit_note: format!(
            "{} of {} mailboxes · {} of {} storage allotted",
            mailboxes.len(),
            limits.max_mailboxes,
            size(allotted),
            size(limits.max_storage_bytes())
        ),
        mailboxes,
        domains,
        form,
        rules: rules_for(typed_password),
        rules_json: rules_json(),
        notice,
    })
}

pub(super) fn capitalised_word(word: &str) -> String {
    let mut chars = word.chars();
    chars
        .next()
        .map(|first| first.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}
