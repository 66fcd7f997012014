//! A page of a folder's messages for the webmail's list, by UID: the store reads the page
//! along the folder's UID index, never the folder's whole index.

use crate::Core;
use crate::access::MailboxAccess;
use crate::error::CoreError;
use crate::mail::{Folder, MessageMeta};
use crate::store::PageStart;

impl Core {
    /// Up to `limit` of the folder's messages next to `start`, newest first.
    pub async fn message_page(
        &self,
        access: &MailboxAccess,
        folder: &Folder,
        start: PageStart,
        limit: u32,
    ) -> Result<Vec<MessageMeta>, CoreError> {
        access.owns(folder)?;
        Ok(self.store.messages_page(folder.id, start, limit).await?)
    }
}
