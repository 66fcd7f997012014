//! The dashboard's live updates: one server-sent event stream per open page. A mailbox's 2FA
//! turned on or off (in webmail, by the operator, on any node) reaches the page within the
//! moment it takes to cross the event bus; the stream ends when the session does.

use super::AppState;
use crate::error::WebError;
use crate::session::{self, Owner};
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::sse::{Event, KeepAlive, Sse};
use futures_util::Stream;
use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::broadcast::error::RecvError;
use tokio_util::sync::CancellationToken;
use trekmail_core::Core;
use trekmail_core::events::{DomainEvent, EventKind};
use trekmail_core::ids::AccountId;
use trekmail_core::services::Scope;
use trekmail_core::sessions::SessionWatch;

pub async fn stream(
    State(state): State<AppState>,
    owner: Owner,
    headers: HeaderMap,
) -> Result<Sse<impl Stream<Item = Result<Event, Infallible>>>, WebError> {
    let token = session::cookie(&headers, session::COOKIE).ok_or(WebError::SignedOut)?;
    // Subscribe first, so no change between the page's render and this stream is missed.
    let events = state.core.events().subscribe();
    let (_, watch) = state
        .core
        .registry()
        .watch(&token)
        .await?
        .ok_or(WebError::SignedOut)?;
    let feed = Feed {
        core: state.core.clone(),
        account: owner.account,
        scope: owner.scope,
        events,
        watch,
        shutdown: state.shutdown.clone(),
        done: false,
    };
    let stream = futures_util::stream::unfold(feed, |mut feed| async move {
        let event = feed.next().await?;
        Some((Ok(event), feed))
    });
    Ok(Sse::new(stream).keep_alive(KeepAlive::new().interval(Duration::from_secs(20))))
}

struct Feed {
    core: Arc<Core>,
    account: AccountId,
    scope: Scope,
    events: tokio::sync::broadcast::Receiver<DomainEvent>,
    watch: SessionWatch,
    shutdown: CancellationToken,
    done: bool,
}

impl Feed {
    /// The next event for this page, or `None` when the stream is over.
    async fn next(&mut self) -> Option<Event> {
        if self.done {
            return None;
        }
        loop {
            tokio::select! {
                () = self.watch.ended() => {
                    self.done = true;
                    return Some(Event::default().event("signed_out").data("{}"));
                }
                () = self.shutdown.cancelled() => return None,
                received = self.events.recv() => match received {
                    Ok(event) if event.account_id == self.account => {
                        if let Some(update) = self.mailbox_update(&event).await {
                            return Some(update);
                        }
                    }
                    Ok(_) | Err(RecvError::Lagged(_)) => {}
                    Err(RecvError::Closed) => return None,
                },
            }
        }
    }

    async fn mailbox_update(&self, event: &DomainEvent) -> Option<Event> {
        let id = event.mailbox_id?;
        let deleted = event.kind == EventKind::MailboxDeleted;
        let two_factor_on = match deleted {
            true => false,
            // Read the state rather than trust the event's order: it is what the page must show.
            false => self.core.mailbox_two_factor_on(self.scope, id).await.ok()?,
        };
        let data = serde_json::json!({
            "mailbox_id": id.0,
            "kind": event.kind,
            "two_factor_on": two_factor_on,
            "deleted": deleted,
        });
        Some(Event::default().event("mailbox").data(data.to_string()))
    }
}
