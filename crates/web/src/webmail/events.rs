//! The webmail page's event stream. `mail` says a folder of the mailbox changed (new mail,
//! flags, moves, folders; here, in a mail app, on any node), so the list refreshes itself.
//! The stream ends with `signed_out` the moment the session is ended (from the dashboard,
//! another session, a password change, on any node), so the page goes to the sign-in page
//! without waiting for a click.

use super::MailState;
use super::owner::{COOKIE, MailOwner};
use crate::error::WebError;
use crate::session;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::sse::{Event, KeepAlive, Sse};
use futures_util::Stream;
use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::broadcast::Receiver;
use tokio::sync::broadcast::error::RecvError;
use tokio_util::sync::CancellationToken;
use trekmail_core::Core;
use trekmail_core::access::MailboxAccess;
use trekmail_core::mail::{FolderId, MailChange};
use trekmail_core::sessions::SessionWatch;

/// What one open stream waits on.
struct Open {
    watch: SessionWatch,
    shutdown: CancellationToken,
    mail: Receiver<MailChange>,
    core: Arc<Core>,
    access: MailboxAccess,
}

pub async fn stream(
    State(state): State<MailState>,
    owner: MailOwner,
    headers: HeaderMap,
) -> Result<Sse<impl Stream<Item = Result<Event, Infallible>>>, WebError> {
    let token = session::cookie(&headers, COOKIE).ok_or(WebError::SignedOut)?;
    let (_, watch) = state
        .core
        .registry()
        .watch(&token)
        .await?
        .ok_or(WebError::SignedOut)?;
    let open = Open {
        watch,
        shutdown: state.shutdown.clone(),
        mail: state.core.watch_mail(&owner.access),
        core: state.core.clone(),
        access: owner.access,
    };
    let stream = futures_util::stream::unfold(Some(open), |open| async move {
        let mut open = open?;
        loop {
            tokio::select! {
                () = open.watch.ended() => {
                    return Some((Ok(Event::default().event("signed_out").data("{}")), None));
                }
                () = open.shutdown.cancelled() => return None,
                change = open.mail.recv() => match change {
                    Ok(change) => return Some((Ok(mail(change.folder)), Some(open))),
                    // Changes were missed: the page re-reads everything, and the stream goes on.
                    Err(RecvError::Lagged(_)) => return Some((Ok(mail(None)), Some(open))),
                    Err(RecvError::Closed) => open.mail = open.core.watch_mail(&open.access),
                },
            }
        }
    });
    Ok(Sse::new(stream).keep_alive(KeepAlive::new().interval(Duration::from_secs(20))))
}

/// A `mail` event for a folder that changed; `null` when any may have.
fn mail(folder: Option<FolderId>) -> Event {
    let data = serde_json::json!({ "folder": folder.map(|f| f.0) });
    Event::default().event("mail").data(data.to_string())
}
