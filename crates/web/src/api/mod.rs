//! The JSON API: the dashboard's mailbox operations for scripts, authenticated by an account's
//! API token (`Authorization: Bearer tmk_…`). No cookies, so no CSRF; another account's ids
//! answer 404 like ids that do not exist.

mod caller;
mod domains;
mod error;
mod mailboxes;
mod routing;
mod sieve;

use crate::dashboard::AppState;
use axum::Router;
use axum::http::header;
use axum::response::IntoResponse;
use axum::routing::{delete, get, post, put};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/openapi.json", get(openapi))
        .route("/mailboxes", get(mailboxes::list).post(mailboxes::create))
        .route(
            "/mailboxes/{id}",
            get(mailboxes::one).delete(mailboxes::delete),
        )
        .route("/mailboxes/{id}/password", put(mailboxes::set_password))
        .route(
            "/mailboxes/{id}/recovery-code",
            post(mailboxes::new_recovery_code),
        )
        .route("/mailboxes/{id}/two-factor", get(mailboxes::two_factor))
        .route("/mailboxes/{id}/storage", put(mailboxes::set_storage))
        .route(
            "/mailboxes/{id}/aliases",
            get(routing::aliases).post(routing::add_alias),
        )
        .route(
            "/mailboxes/{id}/aliases/{alias}",
            delete(routing::remove_alias),
        )
        .route(
            "/mailboxes/{id}/routing",
            get(routing::routing).put(routing::set_routing),
        )
        .route("/mailboxes/{id}/catch-all", put(routing::set_catch_all))
        .route(
            "/mailboxes/{id}/forwards",
            get(routing::forwards).post(routing::add_forward),
        )
        .route(
            "/mailboxes/{id}/forwards/{forward}",
            delete(routing::remove_forward),
        )
        .route(
            "/mailboxes/{id}/auto-reply",
            get(routing::auto_reply).put(routing::set_auto_reply),
        )
        .route(
            "/mailboxes/{id}/sender-filters",
            get(routing::senders).post(routing::add_sender),
        )
        .route(
            "/mailboxes/{id}/sender-filters/{entry}",
            delete(routing::remove_sender),
        )
        .route("/mailboxes/{id}/sieve-scripts", get(sieve::scripts))
        .route(
            "/mailboxes/{id}/sieve-scripts/{name}",
            get(sieve::script)
                .put(sieve::put_script)
                .delete(sieve::delete_script),
        )
        .route("/mailboxes/{id}/sieve-active", put(sieve::set_active))
        .route("/sieve/check", post(sieve::check))
        .route("/domains", get(domains::list).post(domains::add))
        .route("/domains/{id}", delete(domains::remove))
        .route("/domains/{id}/records", get(domains::records))
        .route("/domains/{id}/check", post(domains::check))
        .route("/domains/{id}/dkim/rotate", post(domains::rotate))
        .route("/domains/{id}/dkim/{selector}", delete(domains::retire))
        .fallback(error::no_such_endpoint)
}

/// The API's description (OpenAPI 3.1), kept beside the code it describes.
async fn openapi() -> impl IntoResponse {
    (
        [(header::CONTENT_TYPE, "application/json")],
        include_str!("../../assets/openapi.json"),
    )
}
