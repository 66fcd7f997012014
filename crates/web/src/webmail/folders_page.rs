//! Manage folders: the owner's folders with their counts; create, rename and delete, through
//! the same core calls as IMAP's CREATE, RENAME and DELETE (`a/b` makes `b` below `a`).
//! INBOX and the special folders (Sent, Drafts, Trash, Junk, Archive) stay as they are, since
//! mail apps look for them; deleting asks for a tick that says how many messages go with the
//! folder. A name refused is shown again with why.

use super::MailState;
use super::brand::Brand;
use super::folder_list::{self, Counted};
use super::mail::frame;
use super::owner::MailOwner;
use super::pages::Frame;
use crate::error::{WebError, form_message};
use crate::views::render;
use askama::Template;
use axum::Form;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use serde::Deserialize;
use trekmail_core::CoreError;
use trekmail_core::mail::Folder;

pub(super) fn routes() -> Router<MailState> {
    Router::new()
        .route("/folders", get(page).post(create))
        .route("/folders/{id}/rename", post(rename))
        .route("/folders/{id}/delete", post(delete))
}

/// One folder on the page.
pub struct FolderRow {
    pub id: i64,
    pub name: String,
    pub messages: u32,
    pub unread: u32,
    /// Why it cannot be renamed or deleted, for INBOX and the special folders.
    pub fixed: Option<String>,
    /// The rename field's text: the name, or what was typed when it was refused.
    pub typed: String,
    /// Why the last change to this folder was refused.
    pub error: Option<String>,
}

#[derive(Template)]
#[template(path = "webmail/folders.html")]
pub struct FoldersPage {
    pub brand: Brand,
    pub frame: Frame,
    pub notice: Option<String>,
    pub rows: Vec<FolderRow>,
    /// The new folder's name as typed, and why it was refused.
    pub new_name: String,
    pub new_error: Option<String>,
}

/// What the page was sent back for, after a change.
#[derive(Deserialize, Default)]
pub struct Done {
    created: Option<i64>,
    renamed: Option<i64>,
    deleted: Option<u8>,
}

#[derive(Deserialize)]
pub struct NameForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    name: String,
}

#[derive(Deserialize)]
pub struct DeleteForm {
    #[serde(default)]
    csrf: String,
    confirm: Option<String>,
}

/// A refusal to show on the page: on the new folder's form, or on one folder's row.
enum Refused {
    New { typed: String, why: String },
    Row { id: i64, typed: String, why: String },
}

pub async fn page(
    State(state): State<MailState>,
    owner: MailOwner,
    Query(done): Query<Done>,
) -> Result<Response, WebError> {
    let counted = folder_list::counted(&state.core, &owner.access).await?;
    let named = |id: Option<i64>| {
        id.and_then(|id| counted.iter().find(|c| c.folder.id.0 == id))
            .map(|c| c.folder.name.clone())
    };
    let notice = match (named(done.created), named(done.renamed), done.deleted) {
        (Some(name), _, _) => Some(format!("Folder {name} created.")),
        (_, Some(name), _) => Some(format!("Folder renamed to {name}.")),
        (_, _, Some(_)) => Some("The folder was deleted, with its messages.".to_owned()),
        _ => None,
    };
    Ok(show(&owner, counted, notice, None))
}

/// POST /folders: a new folder named `name`.
pub async fn create(
    State(state): State<MailState>,
    owner: MailOwner,
    Form(form): Form<NameForm>,
) -> Result<Response, WebError> {
    owner.check_csrf(&form.csrf)?;
    let name = form.name.trim();
    match state.core.create_folder(&owner.access, name).await {
        Ok(folder) => {
            Ok(Redirect::to(&format!("/folders?created={}", folder.id.0)).into_response())
        }
        Err(e) => {
            let why = refusal(e)?;
            let refused = Refused::New {
                typed: form.name,
                why,
            };
            again(&state, &owner, refused).await
        }
    }
}

/// POST /folders/{id}/rename: the folder (and those below it) renamed to `name`.
pub async fn rename(
    State(state): State<MailState>,
    owner: MailOwner,
    Path(id): Path<i64>,
    Form(form): Form<NameForm>,
) -> Result<Response, WebError> {
    owner.check_csrf(&form.csrf)?;
    let folder = own_folder(&state, &owner, id).await?;
    let name = form.name.trim();
    let renamed = match fixed(&folder) {
        Some(why) => Err(format!("{why}: it cannot be renamed.")),
        None => match state
            .core
            .rename_folder(&owner.access, &folder.name, name)
            .await
        {
            Ok(()) => Ok(()),
            Err(e) => Err(refusal(e)?),
        },
    };
    match renamed {
        Ok(()) => Ok(Redirect::to(&format!("/folders?renamed={id}")).into_response()),
        Err(why) => {
            let refused = Refused::Row {
                id,
                typed: form.name,
                why,
            };
            again(&state, &owner, refused).await
        }
    }
}

/// POST /folders/{id}/delete: the folder and its messages, once the box is ticked.
pub async fn delete(
    State(state): State<MailState>,
    owner: MailOwner,
    Path(id): Path<i64>,
    Form(form): Form<DeleteForm>,
) -> Result<Response, WebError> {
    owner.check_csrf(&form.csrf)?;
    let folder = own_folder(&state, &owner, id).await?;
    let refused = match (fixed(&folder), form.confirm.is_some()) {
        (Some(why), _) => Some(format!("{why}: it cannot be deleted.")),
        (None, false) => Some(
            "Nothing was deleted: tick the box to delete the folder and its messages.".to_owned(),
        ),
        (None, true) => match state.core.delete_folder(&owner.access, &folder.name).await {
            Ok(()) => None,
            Err(e) => Some(refusal(e)?),
        },
    };
    match refused {
        None => Ok(Redirect::to("/folders?deleted=1").into_response()),
        Some(why) => {
            let refused = Refused::Row {
                id,
                typed: folder.name,
                why,
            };
            again(&state, &owner, refused).await
        }
    }
}

/// One of the owner's own folders; any other id is not found.
async fn own_folder(state: &MailState, owner: &MailOwner, id: i64) -> Result<Folder, WebError> {
    let folders = state.core.folders(&owner.access).await?;
    super::mail::chosen(&folders, id)
}

/// Why INBOX or a special folder stays as it is; `None` for the owner's own folders.
fn fixed(folder: &Folder) -> Option<String> {
    match (folder_list::is_inbox(folder), folder.special_use) {
        (true, _) => Some("INBOX is where new mail arrives".to_owned()),
        (false, Some(role)) => Some(format!(
            "{} is the {} folder mail apps look for",
            folder.name,
            role.as_str()
        )),
        (false, None) => None,
    }
}

/// The words for a change the owner can fix; a failure of ours stays an error.
fn refusal(e: CoreError) -> Result<String, WebError> {
    match form_message(&e) {
        Some(why) => Ok(why),
        None => Err(e.into()),
    }
}

async fn again(
    state: &MailState,
    owner: &MailOwner,
    refused: Refused,
) -> Result<Response, WebError> {
    let counted = folder_list::counted(&state.core, &owner.access).await?;
    Ok(show(owner, counted, None, Some(refused)))
}

fn show(
    owner: &MailOwner,
    counted: Vec<Counted>,
    notice: Option<String>,
    refused: Option<Refused>,
) -> Response {
    let mut page = FoldersPage {
        brand: owner.brand.clone(),
        frame: frame(owner),
        notice,
        rows: counted
            .into_iter()
            .map(|c| FolderRow {
                id: c.folder.id.0,
                messages: c.counts.messages,
                unread: c.counts.unseen,
                fixed: fixed(&c.folder),
                typed: c.folder.name.clone(),
                name: c.folder.name,
                error: None,
            })
            .collect(),
        new_name: String::new(),
        new_error: None,
    };
    match refused {
        Some(Refused::New { typed, why }) => {
            page.new_name = typed;
            page.new_error = Some(why);
        }
        Some(Refused::Row { id, typed, why }) => {
            if let Some(row) = page.rows.iter_mut().find(|r| r.id == id) {
                row.typed = typed;
                row.error = Some(why);
            }
        }
        None => {}
    }
    render(&page).into_response()
}
