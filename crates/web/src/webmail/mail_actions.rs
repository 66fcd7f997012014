//! Acting on mail from the list (the ticked messages) or the read page (the message open):
//! read or unread, flag or unflag, move, Archive, Junk and Not junk, Delete (to Trash; in
//! Trash, for good), and Empty Trash. One plain form each, so all of it works without
//! JavaScript; afterwards the owner is sent back where they were, with a line saying what
//! was done. The ids in the forms are the owner's own folders (any other is not found); UIDs
//! the folder does not hold are passed over.

use super::MailState;
use super::folder_list::{self, special};
use super::list::FLAGGED;
use super::mail::{SEEN, chosen};
use super::owner::MailOwner;
use crate::error::WebError;
use axum::Form;
use axum::Router;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::post;
use serde::Deserialize;
use trekmail_core::Core;
use trekmail_core::access::MailboxAccess;
use trekmail_core::mail::{FlagChange, Flags, Folder, SpecialUse};
use trekmail_core::store::PageStart;

/// The `\Deleted` system flag, which EXPUNGE removes.
const DELETED: &str = "\\Deleted";

pub(super) fn routes() -> Router<MailState> {
    Router::new()
        .route("/messages/act", post(act))
        .route("/folders/{id}/empty", post(empty))
}

/// What an action did, carried back in the list's address (`done`, `n`, `to`); the list
/// says it in words.
#[derive(Deserialize, Default)]
pub struct Done {
    done: Option<String>,
    n: Option<usize>,
    to: Option<i64>,
}

impl Done {
    fn of(kind: &'static str, n: usize, to: Option<&Folder>) -> Done {
        Done {
            done: Some(kind.to_owned()),
            n: Some(n),
            to: to.map(|f| f.id.0),
        }
    }

    /// The notice for the list page; `None` when nothing was done.
    pub fn words(&self, folders: &[Folder]) -> Option<String> {
        let n = messages(self.n.unwrap_or(0));
        let to = self
            .to
            .and_then(|id| folders.iter().find(|f| f.id.0 == id))
            .map_or("another folder", |f| f.name.as_str());
        let words = match self.done.as_deref()? {
            "read" => format!("{n} marked read."),
            "unread" => format!("{n} marked unread."),
            "flagged" => format!("{n} flagged."),
            "unflagged" => format!("{n} unflagged."),
            "moved" => format!("{n} moved to {to}."),
            "here" => format!("Nothing was moved: the messages are in {to} already."),
            "deleted" => format!("{n} deleted for good."),
            "emptied" => format!("Trash emptied: {n} deleted for good."),
            "none" => "No messages were chosen: nothing was changed.".to_owned(),
            "no_target" => "Choose a folder to move them to: nothing was moved.".to_owned(),
            "unconfirmed" => "Nothing was deleted: tick the box to confirm first.".to_owned(),
            "no_archive" => "There is no Archive folder: nothing was moved.".to_owned(),
            "no_junk" => "There is no Junk folder: nothing was moved.".to_owned(),
            "no_trash" => "There is no Trash folder: nothing was deleted.".to_owned(),
            _ => return None,
        };
        Some(words)
    }

    fn query(&self) -> String {
        let mut query = String::new();
        if let Some(kind) = &self.done {
            query.push_str(&format!("&done={kind}"));
        }
        if let Some(n) = self.n {
            query.push_str(&format!("&n={n}"));
        }
        if let Some(to) = self.to {
            query.push_str(&format!("&to={to}"));
        }
        query
    }
}

/// "1 message", "3 messages".
fn messages(n: usize) -> String {
    match n {
        1 => "1 message".to_owned(),
        n => format!("{n} messages"),
    }
}

/// The list's or the read page's action form, read field by field: the ticked messages come
/// as one `uid` field each.
#[derive(Default)]
struct ActForm {
    csrf: String,
    folder: Option<i64>,
    uids: Vec<u32>,
    action: String,
    to: Option<i64>,
    before: Option<u32>,
    after: Option<u32>,
    /// Sent from the read page of its one message, rather than from the list.
    from_read: bool,
}

impl ActForm {
    fn read(fields: Vec<(String, String)>) -> ActForm {
        let mut form = ActForm::default();
        for (name, value) in fields {
            match name.as_str() {
                "csrf" => form.csrf = value,
                "folder" => form.folder = value.parse().ok(),
                "uid" => form.uids.extend(value.parse::<u32>().ok()),
                "action" => form.action = value,
                "to" => form.to = value.parse().ok(),
                "before" => form.before = value.parse().ok(),
                "after" => form.after = value.parse().ok(),
                "from" => form.from_read = value == "read",
                _ => {}
            }
        }
        form
    }

    /// The list page the form came from, at its cursor.
    fn list(&self, folder: &Folder, done: &Done) -> String {
        let cursor = match (self.before, self.after) {
            (Some(uid), _) => format!("&before={uid}"),
            (None, Some(uid)) => format!("&after={uid}"),
            (None, None) => String::new(),
        };
        format!("/?folder={}{cursor}{}", folder.id.0, done.query())
    }
}

/// POST /messages/act: `action` on the messages `uid` of folder `folder`.
pub async fn act(
    State(state): State<MailState>,
    owner: MailOwner,
    Form(fields): Form<Vec<(String, String)>>,
) -> Result<Response, WebError> {
    let form = ActForm::read(fields);
    owner.check_csrf(&form.csrf)?;
    let core = &state.core;
    let access = &owner.access;
    let folders = core.folders(access).await?;
    let folder = chosen(&folders, form.folder.ok_or(WebError::NotFound)?)?;
    let target = match form.to {
        Some(id) if form.action == "move" => Some(chosen(&folders, id)?),
        _ => None,
    };
    let done = match form.uids.is_empty() {
        true => Done::of("none", 0, None),
        false => {
            let todo = Todo {
                core,
                access,
                folder: &folder,
                uids: &form.uids,
            };
            match (form.action.as_str(), target.as_ref()) {
                ("read", _) => todo.flag(FlagChange::Add, SEEN, "read").await?,
                ("unread", _) => todo.flag(FlagChange::Remove, SEEN, "unread").await?,
                ("flag", _) => todo.flag(FlagChange::Add, FLAGGED, "flagged").await?,
                ("unflag", _) => todo.flag(FlagChange::Remove, FLAGGED, "unflagged").await?,
                ("move", Some(to)) => todo.move_to(Some(to), "").await?,
                ("move", None) => Done::of("no_target", 0, None),
                ("archive", _) => {
                    let to = special(&folders, SpecialUse::Archive);
                    todo.move_to(to, "no_archive").await?
                }
                ("junk", _) => {
                    let to = special(&folders, SpecialUse::Junk);
                    todo.move_to(to, "no_junk").await?
                }
                ("notjunk", _) => {
                    let inbox = folders.iter().find(|f| folder_list::is_inbox(f));
                    todo.move_to(inbox, "").await?
                }
                ("delete", _) if folder.special_use == Some(SpecialUse::Trash) => {
                    todo.delete_for_good().await?
                }
                ("delete", _) => {
                    let to = special(&folders, SpecialUse::Trash);
                    todo.move_to(to, "no_trash").await?
                }
                _ => Done::default(),
            }
        }
    };
    let back = match form.from_read {
        true => after_read(core, access, &folder, &form, &done).await?,
        false => form.list(&folder, &done),
    };
    Ok(Redirect::to(&back).into_response())
}

/// Where the read page's owner goes after an action on its message: back to it when it is
/// still there and read; once it is gone, to the next message (older, else newer), else to
/// the list.
async fn after_read(
    core: &Core,
    access: &MailboxAccess,
    folder: &Folder,
    form: &ActForm,
    done: &Done,
) -> Result<String, WebError> {
    let uid = form.uids.first().copied().unwrap_or(0);
    let stays = matches!(
        done.done.as_deref(),
        Some("read" | "flagged" | "unflagged" | "here")
    );
    let gone = matches!(done.done.as_deref(), Some("moved" | "deleted")) && done.n != Some(0);
    if stays {
        return Ok(format!("/read?folder={}&uid={uid}", folder.id.0));
    }
    if gone {
        for side in [PageStart::Before(uid), PageStart::After(uid)] {
            if let Some(next) = core.message_page(access, folder, side, 1).await?.first() {
                return Ok(format!("/read?folder={}&uid={}", folder.id.0, next.uid));
            }
        }
    }
    // Marked unread (opening it again would mark it read), or nothing left to open.
    Ok(format!("/?folder={}{}", folder.id.0, done.query()))
}

/// One action's messages.
struct Todo<'a> {
    core: &'a Core,
    access: &'a MailboxAccess,
    folder: &'a Folder,
    uids: &'a [u32],
}

impl Todo<'_> {
    async fn flag(
        &self,
        change: FlagChange,
        flag: &str,
        kind: &'static str,
    ) -> Result<Done, WebError> {
        let changed = self
            .core
            .store_flags(
                self.access,
                self.folder,
                self.uids,
                change,
                &Flags::new([flag]),
            )
            .await?;
        Ok(Done::of(kind, changed.len(), None))
    }

    /// MOVE to `to`; `missing` says there is no such folder.
    async fn move_to(&self, to: Option<&Folder>, missing: &'static str) -> Result<Done, WebError> {
        let Some(to) = to else {
            return Ok(Done::of(missing, 0, None));
        };
        if to.id == self.folder.id {
            return Ok(Done::of("here", 0, Some(to)));
        }
        let moved = self
            .core
            .copy_messages(self.access, self.folder, self.uids, to, true)
            .await?;
        Ok(Done::of("moved", moved.len(), Some(to)))
    }

    /// In Trash: `\Deleted` and EXPUNGE, just these messages.
    async fn delete_for_good(&self) -> Result<Done, WebError> {
        let deleted = Flags::new([DELETED]);
        let (core, access, folder) = (self.core, self.access, self.folder);
        core.store_flags(access, folder, self.uids, FlagChange::Add, &deleted)
            .await?;
        let removed = core.expunge(access, folder, Some(self.uids)).await?;
        Ok(Done::of("deleted", removed.len(), None))
    }
}

#[derive(Deserialize)]
pub struct EmptyForm {
    #[serde(default)]
    csrf: String,
    confirm: Option<String>,
}

/// POST /folders/{id}/empty: every message of Trash deleted for good, once the box is ticked.
pub async fn empty(
    State(state): State<MailState>,
    owner: MailOwner,
    Path(id): Path<i64>,
    Form(form): Form<EmptyForm>,
) -> Result<Response, WebError> {
    owner.check_csrf(&form.csrf)?;
    let core = &state.core;
    let access = &owner.access;
    let folders = core.folders(access).await?;
    let trash = chosen(&folders, id)?;
    if trash.special_use != Some(SpecialUse::Trash) {
        return Err(WebError::NotFound);
    }
    let done = match form.confirm.is_some() {
        false => Done::of("unconfirmed", 0, None),
        true => {
            let uids: Vec<u32> = core
                .message_states(access, &trash)
                .await?
                .iter()
                .map(|m| m.uid)
                .collect();
            let todo = Todo {
                core,
                access,
                folder: &trash,
                uids: &uids,
            };
            let deleted = match uids.is_empty() {
                true => Done::of("deleted", 0, None),
                false => todo.delete_for_good().await?,
            };
            Done::of("emptied", deleted.n.unwrap_or(0), None)
        }
    };
    Ok(Redirect::to(&format!("/?folder={}{}", trash.id.0, done.query())).into_response())
}
