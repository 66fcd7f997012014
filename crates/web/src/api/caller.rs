//! Who is calling the API: the account behind a valid bearer token.

use super::error::ApiError;
use crate::dashboard::AppState;
use crate::session;
use axum::extract::FromRequestParts;
use axum::http::header;
use axum::http::request::Parts;
use trekmail_core::audit::Channel;
use trekmail_core::ids::AccountId;
use trekmail_core::services::{Actor, Scope};

pub struct Caller {
    pub account: AccountId,
    /// The token's account scope, as the core checked it.
    pub scope: Scope,
    pub actor: Actor,
}

impl FromRequestParts<AppState> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Caller, ApiError> {
        let presented = parts
            .headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .map(str::trim)
            .ok_or(ApiError::Unauthorized)?;
        let (token, scope) = state
            .core
            .authenticate_api_token(presented)
            .await
            .map_err(|_| ApiError::Unauthorized)?;
        Ok(Caller {
            account: token.account_id,
            scope,
            actor: Actor {
                channel: Channel::Api,
                remote: session::remote(parts),
                name: format!("api token {} ({})", token.id, token.name),
            },
        })
    }
}
