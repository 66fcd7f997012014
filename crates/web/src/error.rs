//! What a page request that cannot go on answers. Form mistakes are not errors: the handler
//! shows the form again with its message.

use crate::views::{MessagePage, render};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use trekmail_core::CoreError;

#[derive(Debug, thiserror::Error)]
pub enum WebError {
    #[error("not signed in")]
    SignedOut,
    #[error("the form is out of date")]
    Csrf,
    #[error("not found")]
    NotFound,
    #[error(transparent)]
    Core(CoreError),
}

impl From<CoreError> for WebError {
    fn from(e: CoreError) -> WebError {
        match e {
            CoreError::NotFound => WebError::NotFound,
            other => WebError::Core(other),
        }
    }
}

impl IntoResponse for WebError {
    fn into_response(self) -> Response {
        let (status, title, text) = match self {
            WebError::SignedOut => return Redirect::to("/signin").into_response(),
            WebError::Csrf => (
                StatusCode::FORBIDDEN,
                "This form has expired",
                "Nothing was changed. Go back, reload the page and try again.".to_owned(),
            ),
            WebError::NotFound => (
                StatusCode::NOT_FOUND,
                "Not found",
                "There is nothing here, or it is not yours to see.".to_owned(),
            ),
            WebError::Core(CoreError::Invalid(message) | CoreError::LimitReached(message)) => (
                StatusCode::UNPROCESSABLE_ENTITY,
                "That did not work",
                message,
            ),
            WebError::Core(e) => {
                tracing::error!(error = %e, "dashboard request failed");
                (
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "Something went wrong",
                    "Nothing was changed. Try again in a moment.".to_owned(),
                )
            }
        };
        (status, render(&MessagePage { title, text: &text })).into_response()
    }
}

/// The words a person sees for a mistake they can fix; `None` for failures of ours.
pub fn form_message(e: &CoreError) -> Option<String> {
    match e {
        CoreError::Invalid(m) | CoreError::LimitReached(m) | CoreError::Conflict(m) => {
            Some(capitalised(m))
        }
        CoreError::WeakPassword(labels) => Some(format!(
            "The password does not meet: {}.",
            labels.join(", ").to_lowercase()
        )),
        _ => None,
    }
}

fn capitalised(message: &str) -> String {
    let mut chars = message.chars();
    match chars.next() {
        Some(first) => {
            let mut out: String = first.to_uppercase().collect();
            out.push_str(chars.as_str());
            if !out.ends_with('.') {
                out.push('.');
            }
            out
        }
        None => String::new(),
    }
}
