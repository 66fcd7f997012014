//! API errors as JSON: `{"error": {"code": "...", "message": "..."}}` with a fitting status.

use axum::Json;
use axum::extract::rejection::JsonRejection;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use trekmail_core::CoreError;

#[derive(Debug)]
pub enum ApiError {
    Unauthorized,
    /// A body that is not JSON (400) or not the JSON this endpoint takes (422).
    Body(StatusCode, String),
    Core(CoreError),
}

impl From<CoreError> for ApiError {
    fn from(e: CoreError) -> ApiError {
        ApiError::Core(e)
    }
}

impl From<JsonRejection> for ApiError {
    fn from(e: JsonRejection) -> ApiError {
        ApiError::Body(e.status(), e.body_text())
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let (status, code, message) = match self {
            ApiError::Unauthorized => (
                StatusCode::UNAUTHORIZED,
                "unauthorized",
                "a valid API token is needed: Authorization: Bearer tmk_…".to_owned(),
            ),
            ApiError::Body(StatusCode::UNPROCESSABLE_ENTITY, m) => {
                (StatusCode::UNPROCESSABLE_ENTITY, "invalid", m)
            }
            ApiError::Body(_, m) => (StatusCode::BAD_REQUEST, "bad_request", m),
            ApiError::Core(e) => match e {
                CoreError::NotFound => (StatusCode::NOT_FOUND, "not_found", "not found".into()),
                CoreError::Invalid(m) => (StatusCode::UNPROCESSABLE_ENTITY, "invalid", m),
                CoreError::WeakPassword(_) => (
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "weak_password",
                    e.to_string(),
                ),
                CoreError::LimitReached(m) => (StatusCode::CONFLICT, "plan_limit", m),
                CoreError::Conflict(m) => (StatusCode::CONFLICT, "conflict", m),
                CoreError::Denied => (StatusCode::FORBIDDEN, "denied", "not allowed".into()),
                other => {
                    tracing::error!(error = %other, "API request failed");
                    (
                        StatusCode::INTERNAL_SERVER_ERROR,
                        "internal",
                        "something went wrong; nothing was changed".into(),
                    )
                }
            },
        };
        let body = serde_json::json!({ "error": { "code": code, "message": message } });
        (status, [(header::CACHE_CONTROL, "no-store")], Json(body)).into_response()
    }
}

pub async fn no_such_endpoint() -> ApiError {
    ApiError::Core(CoreError::NotFound)
}
