//! The webmail page's event stream: it ends with `signed_out` the moment the session is
//! ended (from the dashboard, another session, a password change, on any node), so the page
//! goes to the sign-in page without waiting for a click.

use super::MailState;
use super::owner::{COOKIE, MailOwner};
use crate::error::WebError;
use crate::session;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::sse::{Event, KeepAlive, Sse};
use futures_util::Stream;
use std::convert::Infallible;
use std::time::Duration;

pub async fn stream(
    State(state): State<MailState>,
    _owner: MailOwner,
    headers: HeaderMap,
) -> Result<Sse<impl Stream<Item = Result<Event, Infallible>>>, WebError> {
    let token = session::cookie(&headers, COOKIE).ok_or(WebError::SignedOut)?;
    let (_, watch) = state
        .core
        .registry()
        .watch(&token)
        .await?
        .ok_or(WebError::SignedOut)?;
    let shutdown = state.shutdown.clone();
    let stream = futures_util::stream::unfold(Some((watch, shutdown)), |held| async move {
        let (watch, shutdown) = held?;
        tokio::select! {
            () = watch.ended() => Some((Ok(Event::default().event("signed_out").data("{}")), None)),
            () = shutdown.cancelled() => None,
        }
    });
    Ok(Sse::new(stream).keep_alive(KeepAlive::new().interval(Duration::from_secs(20))))
}
