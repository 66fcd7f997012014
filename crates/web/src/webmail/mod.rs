//! The webmail: the mailbox owner's own pages, on a listener of their own. Sign-in (with the
//! 2FA step), "Forgot password?" with a recovery code, Settings → Security (2FA, password,
//! active sessions), Settings → Incoming mail (own addresses, allowed and blocked senders) and
//! the mailbox itself. Same headers, CSRF and cookies as the dashboard;
//! every form works without JavaScript.

mod apple_profile;
mod brand;
mod compose;
mod compose_form;
mod compose_page;
mod download_name;
mod drafts;
mod events;
mod folder_list;
mod folders_page;
mod incoming;
mod linkified_text;
mod list;
mod mail;
mod mail_actions;
mod message_download;
mod message_frame;
mod message_parts;
mod message_text;
mod outgoing_message;
mod owner;
mod pages;
mod reading;
mod recovery;
mod reply_forward;
mod safe_html;
mod search;
mod security;
mod sieve;
mod signin;

pub(crate) use brand::host_name;

use crate::sign_in::Cookies;
use crate::{WebOptions, assets, headers};
use axum::Router;
use axum::middleware;
use axum::routing::{get, post};
use std::sync::Arc;
use tokio_util::sync::CancellationToken;
use trekmail_core::Core;

/// What every webmail handler shares.
#[derive(Clone)]
pub struct MailState {
    pub core: Arc<Core>,
    pub options: WebOptions,
    /// Ends open event streams when the server stops.
    pub shutdown: CancellationToken,
}

impl MailState {
    pub fn cookies(&self) -> Cookies {
        Cookies {
            session: owner::COOKIE,
            pre: owner::PRE_COOKIE,
            secure: self.options.secure_cookies,
        }
    }
}

/// The webmail's pages and event stream.
pub fn router(core: Arc<Core>, options: WebOptions, shutdown: CancellationToken) -> Router {
    let max_message_bytes = options.max_message_bytes;
    let state = MailState {
        core,
        options,
        shutdown,
    };
    Router::new()
        .route("/signin", get(signin::page).post(signin::submit))
        .route("/signin/code", post(signin::submit_code))
        .route("/signout", post(signin::sign_out))
        .route("/forgot", get(recovery::page).post(recovery::submit))
        .route("/settings/mail", get(incoming::page))
        .route("/settings/auto-reply", post(incoming::save_auto_reply))
        .route("/settings/senders", post(incoming::add_sender))
        .route(
            "/settings/senders/{id}/remove",
            post(incoming::remove_sender),
        )
        .route("/settings/sieve", get(sieve::page).post(sieve::submit))
        .route("/settings/sieve/active", post(sieve::activate))
        .route("/settings/sieve/delete", post(sieve::delete))
        .route("/settings/security", get(security::page))
        .route("/settings/2fa/begin", post(security::begin_two_factor))
        .route("/settings/2fa/confirm", post(security::confirm_two_factor))
        .route("/settings/2fa/disable", post(security::disable_two_factor))
        .route("/settings/password", post(security::change_password))
        .route("/settings/sessions/{id}/end", post(security::end_session))
        .route("/settings/sessions/end-others", post(security::end_others))
        .route("/events", get(events::stream))
        .route("/brand.css", get(brand::stylesheet))
        .route("/password/generate", get(crate::generated_password))
        .route("/assets/{name}", get(assets::asset))
        .route(
            "/favicon.ico",
            get(|| async { axum::http::StatusCode::NO_CONTENT }),
        )
        .merge(list::routes())
        .merge(mail_actions::routes())
        .merge(folders_page::routes())
        .merge(compose::routes(max_message_bytes))
        .merge(reading::routes())
        .merge(search::routes())
        .merge(apple_profile::routes())
        .merge(crate::autoconfig::routes(state.core.clone()))
        .merge(crate::autodiscover::routes(state.core.clone()))
        .layer(middleware::from_fn(headers::security_headers))
        .with_state(state)
}
