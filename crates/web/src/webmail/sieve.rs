//! Settings → Sieve: the owner's own scripts, the same ones the dashboard's Sieve tab and
//! ManageSieve edit.

use super::MailState;
use super::mail::frame;
use super::owner::MailOwner;
use super::pages::SievePage;
use crate::error::WebError;
use crate::sieve_forms::{self, NameForm, Opened, ScriptForm, SieveView, Submitted};
use crate::views::render;
use axum::Form;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use trekmail_core::services::Manager;

/// Where the page is and its forms post.
const BASE: &str = "/settings/sieve";

pub async fn page(
    State(state): State<MailState>,
    owner: MailOwner,
    Query(opened): Query<Opened>,
) -> Result<Response, WebError> {
    let manager = Manager::Owner(&owner.access);
    let sieve = sieve_forms::view(&state.core, manager, BASE, &opened).await?;
    Ok(show(&owner, opened.notice(), sieve))
}

pub async fn submit(
    State(state): State<MailState>,
    owner: MailOwner,
    Form(form): Form<ScriptForm>,
) -> Result<Response, WebError> {
    owner.check_csrf(&form.csrf)?;
    let manager = Manager::Owner(&owner.access);
    match sieve_forms::submit(&state.core, manager, form, &owner.actor(), BASE).await? {
        Submitted::Saved(back) => Ok(back),
        Submitted::Shown(sieve) => Ok(show(&owner, None, sieve)),
    }
}

pub async fn activate(
    State(state): State<MailState>,
    owner: MailOwner,
    Form(form): Form<NameForm>,
) -> Result<Response, WebError> {
    owner.check_csrf(&form.csrf)?;
    let manager = Manager::Owner(&owner.access);
    sieve_forms::activate(&state.core, manager, &form, &owner.actor(), BASE).await
}

pub async fn delete(
    State(state): State<MailState>,
    owner: MailOwner,
    Form(form): Form<NameForm>,
) -> Result<Response, WebError> {
    owner.check_csrf(&form.csrf)?;
    let manager = Manager::Owner(&owner.access);
    match sieve_forms::delete(&state.core, manager, &form, &owner.actor(), BASE).await? {
        Ok(back) => Ok(back),
        Err(sieve) => Ok(show(&owner, None, sieve)),
    }
}

fn show(owner: &MailOwner, notice: Option<&str>, sieve: SieveView) -> Response {
    let page = SievePage {
        brand: owner.brand.clone(),
        frame: frame(owner),
        notice: notice.map(str::to_owned),
        sieve,
    };
    render(&page).into_response()
}
