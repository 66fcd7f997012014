//! What the mailbox pages share: the owner's own folder by id and the frame around a page.

use super::owner::MailOwner;
use super::pages::Frame;
use crate::error::WebError;
use trekmail_core::mail::Folder;

/// What a list reads of each message: its headers fit, its body need not be read.
pub(super) const HEAD_BYTES: usize = 64 * 1024;
pub(super) const SEEN: &str = "\\Seen";

/// One folder in a list of the mailbox's folders (the side list, "Move to").
pub struct FolderLink {
    pub id: i64,
    pub name: String,
    pub current: bool,
}

/// One of the owner's own folders; any other id is not found.
pub(super) fn chosen(folders: &[Folder], id: i64) -> Result<Folder, WebError> {
    folders
        .iter()
        .find(|f| f.id.0 == id)
        .cloned()
        .ok_or(WebError::NotFound)
}

pub(super) fn frame(owner: &MailOwner) -> Frame {
    Frame {
        address: owner.address.clone(),
        csrf: owner.csrf.clone(),
    }
}
