//! The mailbox page: its folders with their unread counts, and one page of the chosen
//! folder's messages, newest first. Pages go by UID ("Older" lists those below the page's
//! oldest, "Newer" those above its newest), so a page costs the same in a folder of fifty
//! messages or of a million: the store reads the page along the folder's UID index, and the
//! counts come from its indexes (`message_totals`).

use super::MailState;
use super::brand::Brand;
use super::folder_list::{self, Counted};
use super::mail::{HEAD_BYTES, SEEN, chosen, frame};
use super::mail_actions::Done;
use super::message_text::Parsed;
use super::owner::MailOwner;
use super::pages::Frame;
use crate::error::WebError;
use crate::views::render;
use askama::Template;
use axum::Router;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use mail_parser::{MessageParser, MimeHeaders};
use serde::Deserialize;
use trekmail_core::Core;
use trekmail_core::access::MailboxAccess;
use trekmail_core::mail::{Folder, MessageMeta, SpecialUse};
use trekmail_core::store::PageStart;

/// A page lists this many messages.
const PAGE: usize = 50;

/// The `\Flagged` system flag: the list's star.
pub(super) const FLAGGED: &str = "\\Flagged";

pub(super) fn routes() -> Router<MailState> {
    Router::new().route("/", get(inbox))
}

/// One folder in the side list.
pub struct FolderEntry {
    pub id: i64,
    pub name: String,
    pub current: bool,
    pub unread: u32,
}

/// One message in the list.
pub struct MessageRow {
    pub uid: u32,
    pub from: String,
    pub subject: String,
    pub date: String,
    pub unread: bool,
    pub flagged: bool,
    /// Its Content-Type is multipart/mixed: what mail apps mark as "has attachments".
    pub attachment: bool,
}

#[derive(Template)]
#[template(path = "webmail/inbox.html")]
pub struct InboxPage {
    pub brand: Brand,
    pub frame: Frame,
    pub folders: Vec<FolderEntry>,
    pub folder: String,
    pub folder_id: i64,
    /// What the folder is for, which changes what Delete and Junk do.
    pub in_trash: bool,
    pub in_junk: bool,
    pub in_archive: bool,
    pub total: u32,
    pub unread: u32,
    pub messages: Vec<MessageRow>,
    /// The cursors of the pages beside this one, when there are any.
    pub newer: Option<u32>,
    pub older: Option<u32>,
    /// This page's own cursor, which the forms send so the owner comes back to it.
    pub before: Option<u32>,
    pub after: Option<u32>,
    pub notice: Option<String>,
}

#[derive(Deserialize, Default)]
pub struct ListQuery {
    folder: Option<i64>,
    before: Option<u32>,
    after: Option<u32>,
}

pub async fn inbox(
    State(state): State<MailState>,
    owner: MailOwner,
    Query(query): Query<ListQuery>,
    Query(done): Query<Done>,
) -> Result<Response, WebError> {
    let core = &state.core;
    let access = &owner.access;
    let folders = folder_list::ordered(core, access).await?;
    let current = match query.folder {
        Some(id) => chosen(&folders, id)?,
        None => folders
            .iter()
            .find(|f| folder_list::is_inbox(f))
            .or(folders.first())
            .cloned()
            .ok_or(WebError::NotFound)?,
    };
    let start = match (query.before, query.after) {
        (Some(uid), _) => PageStart::Before(uid),
        (None, Some(uid)) => PageStart::After(uid),
        (None, None) => PageStart::Newest,
    };
    // The counts are an aggregate over each folder, the page a short range read: the two
    // go side by side.
    let (counted, (listing, messages)) = futures_util::future::try_join(
        folder_list::with_counts(core, access, folders.clone()),
        shown(core, access, &current, start),
    )
    .await?;
    let counts = counted
        .iter()
        .find(|c| c.folder.id == current.id)
        .map(|c| c.counts)
        .unwrap_or_default();
    let page = InboxPage {
        brand: owner.brand.clone(),
        frame: frame(&owner),
        folders: counted.iter().map(|c| entry(c, &current)).collect(),
        folder: current.name.clone(),
        folder_id: current.id.0,
        in_trash: current.special_use == Some(SpecialUse::Trash),
        in_junk: current.special_use == Some(SpecialUse::Junk),
        in_archive: current.special_use == Some(SpecialUse::Archive),
        total: counts.messages,
        unread: counts.unseen,
        messages,
        newer: listing.newer,
        older: listing.older,
        before: match listing.start {
            PageStart::Before(uid) => Some(uid),
            _ => None,
        },
        after: match listing.start {
            PageStart::After(uid) => Some(uid),
            _ => None,
        },
        notice: done.words(&folders),
    };
    Ok(render(&page).into_response())
}

/// The page at `start` and its rows.
async fn shown(
    core: &Core,
    access: &MailboxAccess,
    folder: &Folder,
    start: PageStart,
) -> Result<(Listing, Vec<MessageRow>), WebError> {
    let listing = listing(core, access, folder, start).await?;
    let mut rows = Vec::with_capacity(listing.metas.len());
    for meta in &listing.metas {
        rows.push(row(core, access, folder, meta).await?);
    }
    Ok((listing, rows))
}

/// One page of a folder and what lies beside it.
struct Listing {
    /// The page's messages, newest first.
    metas: Vec<MessageMeta>,
    /// Where the page shown starts (a cursor that leads nowhere shows the newest page).
    start: PageStart,
    newer: Option<u32>,
    older: Option<u32>,
}

/// The page at `start`: one more than a page is read to know whether there is more on the
/// far side, and one message on the near side to know whether there is more there.
async fn listing(
    core: &Core,
    access: &MailboxAccess,
    folder: &Folder,
    start: PageStart,
) -> Result<Listing, WebError> {
    let mut start = start;
    let mut metas = core
        .message_page(access, folder, start, page_limit())
        .await?;
    let short = match start {
        PageStart::After(_) => metas.len() <= PAGE,
        _ => metas.is_empty(),
    };
    // Near the newest end, or past either end: the newest page.
    if short && start != PageStart::Newest {
        start = PageStart::Newest;
        metas = core
            .message_page(access, folder, start, page_limit())
            .await?;
    }
    // The one past the page is on its far side: above it for a newer page, below otherwise.
    let more = metas.len() > PAGE;
    if more {
        match start {
            PageStart::After(_) => {
                metas.remove(0);
            }
            _ => metas.truncate(PAGE),
        }
    }
    let (Some(newest), Some(oldest)) = (metas.first(), metas.last()) else {
        return Ok(Listing {
            metas,
            start,
            newer: None,
            older: None,
        });
    };
    let (newest, oldest) = (newest.uid, oldest.uid);
    let beyond = |side| async move {
        let found = core.message_page(access, folder, side, 1).await?;
        Ok::<bool, WebError>(!found.is_empty())
    };
    let (newer, older) = match start {
        PageStart::Newest => (false, more),
        PageStart::Before(_) => (beyond(PageStart::After(newest)).await?, more),
        PageStart::After(_) => (more, beyond(PageStart::Before(oldest)).await?),
    };
    Ok(Listing {
        metas,
        start,
        newer: newer.then_some(newest),
        older: older.then_some(oldest),
    })
}

fn page_limit() -> u32 {
    u32::try_from(PAGE + 1).unwrap_or(u32::MAX)
}

/// A message's row, from its flags and its head (never its body).
async fn row(
    core: &Core,
    access: &MailboxAccess,
    folder: &Folder,
    meta: &MessageMeta,
) -> Result<MessageRow, WebError> {
    let head = core.message_head(access, folder, meta, HEAD_BYTES).await?;
    let parsed = Parsed::headers_only(&head);
    Ok(MessageRow {
        uid: meta.uid,
        from: parsed.from,
        subject: parsed.subject,
        date: meta.internal_date.format("%Y-%m-%d %H:%M").to_string(),
        unread: !meta.flags.contains(SEEN),
        flagged: meta.flags.contains(FLAGGED),
        attachment: is_mixed(&head),
    })
}

fn is_mixed(head: &[u8]) -> bool {
    let Some(message) = MessageParser::default().parse_headers(head) else {
        return false;
    };
    message.content_type().is_some_and(|t| {
        t.ctype().eq_ignore_ascii_case("multipart")
            && t.subtype().is_some_and(|s| s.eq_ignore_ascii_case("mixed"))
    })
}

fn entry(counted: &Counted, current: &Folder) -> FolderEntry {
    FolderEntry {
        id: counted.folder.id.0,
        name: counted.folder.name.clone(),
        current: counted.folder.id == current.id,
        unread: counted.counts.unseen,
    }
}
