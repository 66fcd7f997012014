//! Search: the owner's mail by sender, recipient, subject, body text, arrival days and
//! attachment, in one folder or all, done on the server by the core's `search_mail`. The
//! query is the URL's, so a page of results can be bookmarked and the next one is a plain
//! link; no JavaScript is involved.

use super::MailState;
use super::brand::Brand;
use super::folder_list::is_inbox;
use super::mail::{FolderLink, HEAD_BYTES, SEEN, frame};
use super::message_text::Parsed;
use super::owner::MailOwner;
use super::pages::Frame;
use crate::error::{WebError, form_message};
use crate::sieve_forms::query_value;
use crate::views::render;
use askama::Template;
use axum::Router;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use chrono::NaiveDate;
use serde::Deserialize;
use trekmail_core::Core;
use trekmail_core::mail::FolderId;
use trekmail_core::services::{MailQuery, Manager, SearchCursor, SearchLimits, SearchResults};

pub(super) fn routes() -> Router<MailState> {
    Router::new().route("/search", get(search))
}

/// The form's fields as the URL carries them, each shown again as it was typed.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct SearchForm {
    /// Words in From, To or Subject: the quick search's box.
    pub q: String,
    pub from: String,
    pub to: String,
    pub subject: String,
    pub body: String,
    /// `YYYY-MM-DD`, as a date input sends it.
    pub since: String,
    pub before: String,
    /// "1" when the box is ticked.
    pub attachment: String,
    /// A folder's id; empty for all folders.
    pub folder: String,
    /// Where this page starts: the previous page's cursor.
    pub after: String,
}

impl SearchForm {
    pub fn has_attachment(&self) -> bool {
        !self.attachment.is_empty()
    }

    /// Whether the form names anything to look for (a folder alone only opens the form).
    fn asks(&self) -> bool {
        [
            &self.q,
            &self.from,
            &self.to,
            &self.subject,
            &self.body,
            &self.since,
            &self.before,
        ]
        .iter()
        .any(|field| !field.trim().is_empty())
            || self.has_attachment()
    }

    /// The core's query and the page's start, or what to tell the owner.
    fn parsed(&self) -> Result<(MailQuery, Option<SearchCursor>), String> {
        let text = |field: &str| Some(field.to_owned()).filter(|t| !t.trim().is_empty());
        let folder = match self.folder.trim() {
            "" => None,
            id => Some(FolderId(
                id.parse()
                    .map_err(|_| "Choose a folder from the list.".to_owned())?,
            )),
        };
        let after = match self.after.trim() {
            "" => None,
            cursor => Some(cursor.parse().map_err(|e| message(&e))?),
        };
        let query = MailQuery {
            words: text(&self.q),
            from: text(&self.from),
            to: text(&self.to),
            subject: text(&self.subject),
            body: text(&self.body),
            since: day(&self.since, "Since")?,
            before: day(&self.before, "Before")?,
            has_attachment: self.has_attachment(),
            folder,
        };
        Ok((query, after))
    }

    /// This search's URL, from `after`.
    fn link(&self, after: &SearchCursor) -> String {
        let fields = [
            ("q", &self.q),
            ("from", &self.from),
            ("to", &self.to),
            ("subject", &self.subject),
            ("body", &self.body),
            ("since", &self.since),
            ("before", &self.before),
            ("attachment", &self.attachment),
            ("folder", &self.folder),
        ];
        let mut link = String::from("/search?");
        for (name, value) in fields.iter().filter(|(_, v)| !v.is_empty()) {
            link.push_str(&format!("{name}={}&", query_value(value)));
        }
        link.push_str(&format!("after={}", query_value(&after.to_string())));
        link
    }
}

/// A day typed into a date field, if one was.
fn day(text: &str, label: &str) -> Result<Option<NaiveDate>, String> {
    match text.trim() {
        "" => Ok(None),
        day => NaiveDate::parse_from_str(day, "%Y-%m-%d")
            .map(Some)
            .map_err(|_| format!("“{label}” is not a date: write it as 2026-03-01.")),
    }
}

/// The words for a mistake the core found in the query.
fn message(e: &trekmail_core::CoreError) -> String {
    form_message(e).unwrap_or_else(|| "That search did not work.".to_owned())
}

/// One message found.
pub struct ResultRow {
    pub folder: String,
    pub folder_id: i64,
    pub uid: u32,
    pub from: String,
    pub subject: String,
    pub date: String,
    pub unread: bool,
}

/// What a search found, as the page shows it.
pub struct Results {
    pub rows: Vec<ResultRow>,
    /// The link to the rest of the search: the next page, or where a stopped search goes on.
    pub next: Option<String>,
    /// Set when the search stopped at its limits: how many messages it scanned.
    pub stopped_after: Option<u32>,
}

#[derive(Template)]
#[template(path = "webmail/search.html")]
pub struct SearchPage {
    pub brand: Brand,
    pub frame: Frame,
    pub form: SearchForm,
    /// The folders to choose from; `current` is the one searched.
    pub folders: Vec<FolderLink>,
    /// The zone arrival days and times are in (the account's).
    pub zone: String,
    pub error: Option<String>,
    pub results: Option<Results>,
}

pub async fn search(
    State(state): State<MailState>,
    owner: MailOwner,
    Query(form): Query<SearchForm>,
) -> Result<Response, WebError> {
    let core = &state.core;
    let mut folders = core.folders(&owner.access).await?;
    folders.sort_by_key(|f| (!is_inbox(f), f.name.clone()));
    let zone = core.time_zone_of(Manager::Owner(&owner.access)).await?;
    let mut page = SearchPage {
        brand: owner.brand.clone(),
        frame: frame(&owner),
        folders: folders
            .iter()
            .map(|f| FolderLink {
                id: f.id.0,
                name: f.name.clone(),
                current: f.id.0.to_string() == form.folder.trim(),
            })
            .collect(),
        zone: zone.name().to_owned(),
        form,
        error: None,
        results: None,
    };
    if page.form.asks() {
        match page.form.parsed() {
            Err(message) => page.error = Some(message),
            Ok((query, after)) => {
                let limits = SearchLimits::default();
                let found = core.search_mail(&owner.access, &query, after.as_ref(), limits);
                match found.await {
                    Ok(found) => {
                        page.results = Some(shown(core, &owner, &page.form, found).await?);
                    }
                    Err(e) => {
                        page.error = Some(form_message(&e).ok_or(WebError::from(e))?);
                    }
                }
            }
        }
    }
    Ok(render(&page).into_response())
}

/// The rows of what was found: each message's sender and subject from its header.
async fn shown(
    core: &Core,
    owner: &MailOwner,
    form: &SearchForm,
    found: SearchResults,
) -> Result<Results, WebError> {
    let mut rows = Vec::with_capacity(found.hits.len());
    for hit in &found.hits {
        let head = core
            .message_head(&owner.access, &hit.folder, &hit.meta, HEAD_BYTES)
            .await?;
        let parsed = Parsed::headers_only(&head);
        let date = hit.meta.internal_date.with_timezone(&found.zone);
        rows.push(ResultRow {
            folder: hit.folder.name.clone(),
            folder_id: hit.folder.id.0,
            uid: hit.meta.uid,
            from: parsed.from,
            subject: parsed.subject,
            date: date.format("%Y-%m-%d %H:%M").to_string(),
            unread: !hit.meta.flags.contains(SEEN),
        });
    }
    Ok(Results {
        rows,
        next: found.next.map(|cursor| form.link(&cursor)),
        stopped_after: found.stopped_after,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_form_becomes_a_query_and_its_link_keeps_every_field() {
        let form = SearchForm {
            q: "Grüße & co".into(),
            since: "2026-03-01".into(),
            attachment: "1".into(),
            folder: "7".into(),
            ..SearchForm::default()
        };
        assert!(form.asks());
        let (query, after) = form.parsed().unwrap();
        assert_eq!(query.words.as_deref(), Some("Grüße & co"));
        assert_eq!(query.since, NaiveDate::from_ymd_opt(2026, 3, 1));
        assert_eq!(
            (query.folder, query.has_attachment, after),
            (Some(FolderId(7)), true, None)
        );
        let cursor: SearchCursor = "1780000000000000.7.42".parse().unwrap();
        assert_eq!(
            form.link(&cursor),
            "/search?q=Gr%C3%BC%C3%9Fe%20%26%20co&since=2026-03-01&attachment=1&folder=7&\
             after=1780000000000000.7.42"
        );
    }

    #[test]
    fn bad_fields_are_told_not_searched() {
        let only_folder = SearchForm {
            folder: "3".into(),
            ..SearchForm::default()
        };
        assert!(!only_folder.asks());
        let bad_day = SearchForm {
            before: "31/02/2026".into(),
            ..SearchForm::default()
        };
        assert_eq!(
            bad_day.parsed().err().as_deref(),
            Some("“Before” is not a date: write it as 2026-03-01.")
        );
        let bad_folder = SearchForm {
            from: "a".into(),
            folder: "inbox".into(),
            ..SearchForm::default()
        };
        assert_eq!(
            bad_folder.parsed().err().as_deref(),
            Some("Choose a folder from the list.")
        );
        let bad_cursor = SearchForm {
            from: "a".into(),
            after: "x".into(),
            ..SearchForm::default()
        };
        assert!(
            bad_cursor
                .parsed()
                .err()
                .unwrap()
                .contains("page link is broken")
        );
    }
}
