//! Turning sqlx errors into the core's [`StoreError`], and keeping passwords out of messages.

use std::io;
use trekmail_core::store::StoreError;

/// Any unexpected database failure: the driver's message, as `Backend`.
pub(crate) fn db_err(e: sqlx::Error) -> StoreError {
    StoreError::Backend(cause(&e))
}

/// Like [`db_err`], but a unique-constraint violation becomes `Conflict(message)` and a
/// foreign-key violation `NotFound` (the row it refers to is gone), on both databases.
pub(crate) fn conflict(message: impl FnOnce() -> String) -> impl FnOnce(sqlx::Error) -> StoreError {
    move |e| match &e {
        sqlx::Error::Database(db) if db.is_unique_violation() => StoreError::Conflict(message()),
        sqlx::Error::Database(db) if db.is_foreign_key_violation() => StoreError::NotFound,
        _ => db_err(e),
    }
}

/// A short, readable cause: "connection refused" rather than a nested driver message.
pub(crate) fn cause(e: &sqlx::Error) -> String {
    match e {
        sqlx::Error::Io(io) => match io.kind() {
            io::ErrorKind::ConnectionRefused
            | io::ErrorKind::ConnectionReset
            | io::ErrorKind::ConnectionAborted
            | io::ErrorKind::TimedOut
            | io::ErrorKind::HostUnreachable
            | io::ErrorKind::NetworkUnreachable
            | io::ErrorKind::AddrNotAvailable => io.kind().to_string(),
            // Name lookup failures and the like: the message says more than the kind.
            _ => io.to_string(),
        },
        sqlx::Error::Database(db) => db.message().to_owned(),
        other => other.to_string(),
    }
}

/// A connection failure, naming the database without its password.
pub(crate) fn cannot_connect(url: &str, e: &sqlx::Error) -> StoreError {
    let shown = mask_password(url);
    let why = scrub(&cause(e), url);
    StoreError::Backend(format!("cannot connect to {shown}: {why}"))
}

/// `url` with the password replaced by `***`, for logs and error messages.
pub fn mask_password(url: &str) -> String {
    match password_span(url) {
        Some((start, end)) => format!("{}***{}", &url[..start], &url[end..]),
        None => url.to_owned(),
    }
}

/// `text` with every occurrence of `url`'s password replaced, in case a driver quotes it.
pub(crate) fn scrub(text: &str, url: &str) -> String {
    match password_span(url) {
        Some((start, end)) if end > start => text.replace(&url[start..end], "***"),
        _ => text.to_owned(),
    }
}

/// Byte range of the password in `scheme://user:password@host/...`, if there is one.
fn password_span(url: &str) -> Option<(usize, usize)> {
    let authority_start = url.find("://")? + 3;
    let rest = &url[authority_start..];
    let authority_len = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let authority = &rest[..authority_len];
    let at = authority.rfind('@')?;
    let colon = authority[..at].find(':')?;
    Some((authority_start + colon + 1, authority_start + at))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masks_only_the_password() {
        assert_eq!(
            mask_password("postgres://bob:s3cr:et@db.example:5432/mail?sslmode=require"),
            "postgres://bob:***@db.example:5432/mail?sslmode=require"
        );
        assert_eq!(
            mask_password("postgres://bob@db/mail"),
            "postgres://bob@db/mail"
        );
        assert_eq!(
            mask_password("postgres://db/mail?x=a:b@c"),
            "postgres://db/mail?x=a:b@c"
        );
        assert_eq!(
            mask_password("sqlite:///var/lib/t.db?mode=rwc"),
            "sqlite:///var/lib/t.db?mode=rwc"
        );
        assert_eq!(
            scrub("bad password hunter2", "postgres://u:hunter2@h/d"),
            "bad password ***"
        );
    }
}
