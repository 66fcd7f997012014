//! The core's one error type. Sign-in failures are deliberately a single variant, so no caller can
//! tell "no such mailbox" from "wrong password".

use crate::store::StoreError;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CoreError {
    /// Sign-in refused; the same for every reason.
    #[error("authentication failed")]
    Denied,
    /// Not there, or not this tenant's: the two answer alike.
    #[error("not found")]
    NotFound,
    /// Input a person can correct; the message says how.
    #[error("{0}")]
    Invalid(String),
    /// A new password that misses rules; each label names one.
    #[error("the password does not meet: {}", .0.join(", "))]
    WeakPassword(Vec<&'static str>),
    /// A plan limit stops the change.
    #[error("{0}")]
    LimitReached(String),
    /// Already exists.
    #[error("{0}")]
    Conflict(String),
    #[error("configuration: {0}")]
    Config(String),
    #[error("storage: {0}")]
    Storage(String),
    #[error("internal error: {0}")]
    Internal(String),
}

impl From<StoreError> for CoreError {
    fn from(e: StoreError) -> CoreError {
        match e {
            StoreError::NotFound => CoreError::NotFound,
            StoreError::Conflict(what) => CoreError::Conflict(what),
            StoreError::LimitReached(what) => CoreError::LimitReached(what),
            StoreError::Backend(msg) => CoreError::Storage(msg),
        }
    }
}
