//! The JSON API: the dashboard's mailbox operations for scripts, authenticated by an account's
//! API token (`Authorization: Bearer tmk_…`). No cookies, so no CSRF; another account's ids
//! answer 404 like ids that do not exist.

mod caller;
mod error;
mod mailboxes;

use crate::dashboard::AppState;
use axum::Router;
use axum::http::header;
use axum::response::IntoResponse;
use axum::routing::{get, post, put};

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
        .fallback(error::no_such_endpoint)
}

/// The API's description (OpenAPI 3.1), kept beside the code it describes.
async fn openapi() -> impl IntoResponse {
    (
        [(header::CONTENT_TYPE, "application/json")],
        include_str!("../../assets/openapi.json"),
    )
}
