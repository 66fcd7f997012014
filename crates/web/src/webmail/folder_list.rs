//! The mailbox's folders as the pages list them: INBOX first, the others by name, each with
//! its message and unread counts from the store's indexes (never by reading its messages).

use crate::error::WebError;
use trekmail_core::Core;
use trekmail_core::access::MailboxAccess;
use trekmail_core::mail::{Folder, INBOX, MessageTotals, SpecialUse};

/// A folder and its counts.
pub(super) struct Counted {
    pub folder: Folder,
    pub counts: MessageTotals,
}

/// The mailbox's folders in list order.
pub(super) async fn ordered(core: &Core, access: &MailboxAccess) -> Result<Vec<Folder>, WebError> {
    let mut folders = core.folders(access).await?;
    folders.sort_by_key(|f| (!is_inbox(f), f.name.clone()));
    Ok(folders)
}

/// The mailbox's folders in list order, with their counts.
pub(super) async fn counted(core: &Core, access: &MailboxAccess) -> Result<Vec<Counted>, WebError> {
    let folders = ordered(core, access).await?;
    with_counts(core, access, folders).await
}

/// `folders`, each with its counts.
pub(super) async fn with_counts(
    core: &Core,
    access: &MailboxAccess,
    folders: Vec<Folder>,
) -> Result<Vec<Counted>, WebError> {
    let mut counted = Vec::with_capacity(folders.len());
    for folder in folders {
        let counts = core.message_totals(access, &folder).await?;
        counted.push(Counted { folder, counts });
    }
    Ok(counted)
}

pub(super) fn is_inbox(folder: &Folder) -> bool {
    folder.name.eq_ignore_ascii_case(INBOX)
}

/// The mailbox's folder for `role` (Trash, Junk, Archive…), found by its special use.
pub(super) fn special(folders: &[Folder], role: SpecialUse) -> Option<&Folder> {
    folders.iter().find(|f| f.special_use == Some(role))
}
