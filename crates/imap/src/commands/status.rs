//! STATUS (RFC 3501 §6.3.10, RFC 8438's SIZE, RFC 9051's DELETED and DELETED-STORAGE), also
//! answered for each folder of a LIST with `RETURN (STATUS …)` (RFC 5819): from the store's
//! aggregate counts, so its cost does not grow with the folder.

use crate::connection::Connection;
use imap_codec::imap_types::core::Tag;
use imap_codec::imap_types::mailbox::Mailbox;
use imap_codec::imap_types::response::Data;
use imap_codec::imap_types::status::{StatusDataItem, StatusDataItemName};
use std::num::NonZeroU32;
use trekmail_core::CoreError;
use trekmail_core::access::MailboxAccess;
use trekmail_core::mail::{Folder, FolderCounts};

impl Connection {
    pub(crate) async fn status(
        &mut self,
        tag: Tag<'static>,
        mailbox: &Mailbox<'static>,
        items: &[StatusDataItemName],
    ) {
        let Some((access, name)) = self.mailbox_and_name(mailbox) else {
            return self.no(tag, Some("NONEXISTENT"), "No such folder");
        };
        let core = self.core.clone();
        let folder = match core.folder(&access, &name).await {
            Ok(f) => f,
            Err(e) => return self.core_no(tag, &e, "No such folder"),
        };
        match self
            .status_data(&access, &folder, mailbox.clone(), items)
            .await
        {
            Ok(data) => {
                self.server.enqueue_data(data);
                self.done(tag, "STATUS completed");
            }
            Err(e) => self.core_no(tag, &e, "No such folder"),
        }
    }

    /// The `* STATUS` of `folder`, named on the wire as `mailbox`.
    pub(crate) async fn status_data(
        &self,
        access: &MailboxAccess,
        folder: &Folder,
        mailbox: Mailbox<'static>,
        items: &[StatusDataItemName],
    ) -> Result<Data<'static>, CoreError> {
        let counts = self.core.folder_counts(access, folder).await?;
        Ok(Data::Status {
            mailbox,
            items: status_items(folder, &counts, items).into(),
        })
    }
}

/// The items asked for, in the order asked. An item this server does not keep (a zero
/// UIDVALIDITY) is left out rather than made up.
fn status_items(
    folder: &Folder,
    counts: &FolderCounts,
    names: &[StatusDataItemName],
) -> Vec<StatusDataItem> {
    names
        .iter()
        .filter_map(|name| {
            Some(match name {
                StatusDataItemName::Messages => StatusDataItem::Messages(counts.messages),
                StatusDataItemName::Recent => StatusDataItem::Recent(counts.recent),
                StatusDataItemName::UidNext => {
                    StatusDataItem::UidNext(NonZeroU32::new(folder.uid_next)?)
                }
                StatusDataItemName::UidValidity => {
                    StatusDataItem::UidValidity(NonZeroU32::new(folder.uid_validity)?)
                }
                StatusDataItemName::Unseen => StatusDataItem::Unseen(counts.unseen),
                StatusDataItemName::Deleted => StatusDataItem::Deleted(counts.deleted),
                StatusDataItemName::DeletedStorage => {
                    StatusDataItem::DeletedStorage(counts.deleted_bytes)
                }
                StatusDataItemName::Size => StatusDataItem::Size(counts.bytes),
                StatusDataItemName::HighestModSeq => {
                    StatusDataItem::HighestModSeq(folder.highest_modseq)
                }
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use trekmail_core::ids::MailboxId;
    use trekmail_core::mail::FolderId;

    #[test]
    fn items_come_in_the_order_asked_from_the_counts() {
        let folder = Folder {
            id: FolderId(1),
            mailbox_id: MailboxId(1),
            name: "INBOX".into(),
            special_use: None,
            uid_validity: 7,
            uid_next: 12,
            highest_modseq: 9,
            recent_uid: 11,
        };
        let counts = FolderCounts {
            messages: 5,
            unseen: 2,
            deleted: 1,
            deleted_bytes: 300,
            bytes: 4000,
            recent: 1,
        };
        use StatusDataItemName as N;
        let asked = [
            N::Size,
            N::Messages,
            N::HighestModSeq,
            N::Unseen,
            N::UidNext,
            N::UidValidity,
            N::Recent,
            N::Deleted,
            N::DeletedStorage,
        ];
        assert_eq!(
            status_items(&folder, &counts, &asked),
            vec![
                StatusDataItem::Size(4000),
                StatusDataItem::Messages(5),
                StatusDataItem::HighestModSeq(9),
                StatusDataItem::Unseen(2),
                StatusDataItem::UidNext(NonZeroU32::new(12).unwrap()),
                StatusDataItem::UidValidity(NonZeroU32::new(7).unwrap()),
                StatusDataItem::Recent(1),
                StatusDataItem::Deleted(1),
                StatusDataItem::DeletedStorage(300),
            ]
        );
    }
}
