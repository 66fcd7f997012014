//! The dashboard's routes. Pages and forms for the account owner; every state change is a
//! POST carrying the session's CSRF token.

mod account_security;
mod domain_page;
mod domains;
mod events;
mod format;
mod mailbox_aliases;
mod mailbox_auto_reply;
mod mailbox_filters;
mod mailbox_forwarding;
mod mailbox_security;
mod mailbox_sieve;
mod mailbox_tabs;
mod mailboxes;
mod signin;

pub use mailbox_tabs::Tab;

use crate::sign_in::Cookies;
use crate::{WebOptions, api, assets, headers};
use axum::Router;
use axum::middleware;
use axum::response::Redirect;
use axum::routing::{get, post};
use std::sync::Arc;
use tokio_util::sync::CancellationToken;
use trekmail_core::Core;

/// What every dashboard handler shares.
#[derive(Clone)]
pub struct AppState {
    pub core: Arc<Core>,
    pub options: WebOptions,
    /// Ends open event streams when the server stops.
    pub shutdown: CancellationToken,
}

impl AppState {
    pub fn cookies(&self) -> Cookies {
        Cookies {
            session: crate::session::COOKIE,
            pre: crate::session::PRE_COOKIE,
            secure: self.options.secure_cookies,
        }
    }
}

/// The dashboard's pages, event stream and JSON API.
pub fn router(core: Arc<Core>, options: WebOptions, shutdown: CancellationToken) -> Router {
    let state = AppState {
        core,
        options,
        shutdown,
    };
    Router::new()
        .route("/", get(|| async { Redirect::to("/mailboxes") }))
        .route("/signin", get(signin::page).post(signin::submit))
        .route("/signin/code", post(signin::submit_code))
        .route("/signout", post(signin::sign_out))
        .route("/mailboxes", get(mailboxes::page).post(mailboxes::create))
        .route("/mailboxes/{id}", get(mailbox_security::to_security))
        .route(
            "/mailboxes/{id}/aliases",
            get(mailbox_aliases::page).post(mailbox_aliases::add),
        )
        .route(
            "/mailboxes/{id}/aliases/{alias}/remove",
            post(mailbox_aliases::remove),
        )
        .route(
            "/mailboxes/{id}/subaddressing",
            post(mailbox_aliases::subaddressing),
        )
        .route(
            "/mailboxes/{id}/catch-all",
            post(mailbox_aliases::catch_all),
        )
        .route(
            "/mailboxes/{id}/forwarding",
            get(mailbox_forwarding::page).post(mailbox_forwarding::add),
        )
        .route(
            "/mailboxes/{id}/forwarding/{forward}/remove",
            post(mailbox_forwarding::remove),
        )
        .route(
            "/mailboxes/{id}/keep-copy",
            post(mailbox_forwarding::keep_copy),
        )
        .route(
            "/mailboxes/{id}/filters",
            get(mailbox_filters::page).post(mailbox_filters::add),
        )
        .route(
            "/mailboxes/{id}/filters/{entry}/remove",
            post(mailbox_filters::remove),
        )
        .route(
            "/mailboxes/{id}/blocked-mail",
            post(mailbox_filters::blocked_mail),
        )
        .route(
            "/mailboxes/{id}/auto-reply",
            get(mailbox_auto_reply::page).post(mailbox_auto_reply::save),
        )
        .route(
            "/mailboxes/{id}/time-zone",
            post(mailbox_auto_reply::time_zone),
        )
        .route(
            "/mailboxes/{id}/sieve",
            get(mailbox_sieve::page).post(mailbox_sieve::submit),
        )
        .route(
            "/mailboxes/{id}/sieve/active",
            post(mailbox_sieve::activate),
        )
        .route("/mailboxes/{id}/sieve/delete", post(mailbox_sieve::delete))
        .route("/mailboxes/{id}/security", get(mailbox_security::page))
        .route(
            "/mailboxes/{id}/password",
            post(mailbox_security::save_password),
        )
        .route(
            "/mailboxes/{id}/recovery-code",
            get(mailbox_security::confirm_recovery_code).post(mailbox_security::new_recovery_code),
        )
        .route(
            "/mailboxes/{id}/storage",
            get(mailbox_security::storage_page).post(mailbox_security::edit_storage),
        )
        .route(
            "/mailboxes/{id}/delete",
            get(mailbox_security::confirm_delete).post(mailbox_security::delete),
        )
        .route("/domains", get(domains::page).post(domains::add))
        .route("/domains/{id}", get(domain_page::page))
        .route("/domains/{id}/remove", post(domains::remove))
        .route("/domains/{id}/check", post(domain_page::check))
        .route("/domains/{id}/dkim/rotate", post(domain_page::rotate))
        .route(
            "/domains/{id}/dkim/{selector}/retire",
            post(domain_page::retire),
        )
        .route("/account/security", get(account_security::page))
        .route(
            "/account/2fa/begin",
            post(account_security::begin_two_factor),
        )
        .route(
            "/account/2fa/confirm",
            post(account_security::confirm_two_factor),
        )
        .route(
            "/account/2fa/disable",
            post(account_security::disable_two_factor),
        )
        .route("/account/password", post(account_security::change_password))
        .route("/account/api-tokens", post(account_security::create_token))
        .route("/account/branding", post(account_security::save_branding))
        .route(
            "/account/api-tokens/{id}/revoke",
            post(account_security::revoke_token),
        )
        .route("/events", get(events::stream))
        .route("/password/generate", get(crate::generated_password))
        .route("/assets/{name}", get(assets::asset))
        .route(
            "/favicon.ico",
            get(|| async { axum::http::StatusCode::NO_CONTENT }),
        )
        .nest("/api/v1", api::router())
        .layer(middleware::from_fn(headers::security_headers))
        .with_state(state)
}
