//! The sender lists' forms, shared by the dashboard's Filters tab (an admin) and webmail's
//! settings (the mailbox's owner): the same checks and messages through the same core calls.

use crate::error::{WebError, form_message};
use crate::views::{SenderList, SenderRow, SendersView};
use serde::Deserialize;
use trekmail_core::routing::{FilterList, SenderFilter};
use trekmail_core::services::{Actor, Manager};
use trekmail_core::{Core, CoreError};

#[derive(Deserialize)]
pub struct SenderForm {
    #[serde(default)]
    pub csrf: String,
    #[serde(default)]
    pattern: String,
    #[serde(default)]
    list: String,
}

/// What the add form holds when the page is shown again after a refusal.
#[derive(Default)]
pub struct Typed {
    pattern: String,
    list: String,
    error: Option<String>,
}

/// Adds the form's entry; `Some` with the form as typed and its message when refused.
pub async fn add(
    core: &Core,
    manager: Manager<'_>,
    form: SenderForm,
    actor: &Actor,
) -> Result<Option<Typed>, WebError> {
    let added = match FilterList::parse(&form.list) {
        Some(list) => core
            .add_sender_filter(manager, list, &form.pattern, actor)
            .await
            .map(|_| ()),
        None => Err(CoreError::Invalid(
            "choose the blocked or the allowed list".into(),
        )),
    };
    match added {
        Ok(()) => Ok(None),
        Err(e) => Ok(Some(Typed {
            error: Some(form_message(&e).ok_or(WebError::from(e))?),
            pattern: form.pattern,
            list: form.list,
        })),
    }
}

/// The lists and the add form, posting to `action`.
pub async fn view(
    core: &Core,
    manager: Manager<'_>,
    action: String,
    typed: Typed,
) -> Result<SendersView, WebError> {
    let entries = core.sender_filters(manager).await?;
    Ok(SendersView {
        action,
        lists: lists(&entries, core.clock().now()),
        pattern: typed.pattern,
        list: typed.list,
        error: typed.error,
    })
}

/// The two lists, blocked first.
fn lists(entries: &[SenderFilter], now: chrono::DateTime<chrono::Utc>) -> Vec<SenderList> {
    [
        (FilterList::Blocked, "Blocked senders"),
        (FilterList::Allowed, "Allowed senders"),
    ]
    .into_iter()
    .map(|(list, title)| SenderList {
        title,
        id: list.as_str(),
        rows: entries
            .iter()
            .filter(|e| e.list == list)
            .map(|e| SenderRow {
                id: e.id.0,
                pattern: e.pattern.to_string(),
                added: crate::relative_time::ago(e.created_at, now),
            })
            .collect(),
    })
    .collect()
}
