use crate::Core;
use crate::domain::EmailAddress;
use crate::error::CoreError;
use crate::ids::MailboxId;
use crate::mail::{
    BlobId, FlagChange, Flags, Folder, INBOX, MailChange, MailChangeKind, MessageMeta, NewMessage,
};
use crate::store::StoreError;
use chrono::{DateTime, Utc};

impl Core {
    /// The mailbox's folders.
    pub async fn folders(&self, mailbox: MailboxId) -> Result<Vec<Folder>, CoreError> {
        Ok(self.store.folders(mailbox).await?)
    }

    /// A folder by its IMAP name; `INBOX` in any case.
    pub async fn folder(&self, mailbox: MailboxId, name: &str) -> Result<Folder, CoreError> {
        let name = if name.eq_ignore_ascii_case(INBOX) {
            INBOX
        } else {
            name
        };
        self.store
            .folder(mailbox, name)
            .await?
            .ok_or(CoreError::NotFound)
    }

    /// Appends a message: the body is durable before the row that points at it, and the quota
    /// is checked with the row. Watchers of the mailbox hear of it.
    pub async fn append(
        &self,
        folder: &Folder,
        body: &[u8],
        flags: Flags,
        internal_date: DateTime<Utc>,
    ) -> Result<MessageMeta, CoreError> {
        let size = i64::try_from(body.len())
            .map_err(|_| CoreError::Invalid("the message is too large".into()))?;
        let id = BlobId::of(body);
        self.bodies_in_flight.enter(&id).await;
        let new = NewMessage {
            blob: id.clone(),
            size,
            flags,
            internal_date,
        };
        let stored = self.put_and_append(folder, body, &new).await;
        self.bodies_in_flight.leave(&id).await;
        let meta = match stored {
            Ok(meta) => meta,
            Err(e) => {
                self.forget_blobs(&[id]).await;
                return Err(e);
            }
        };
        self.publish_mail(MailChange {
            mailbox: folder.mailbox_id,
            folder: Some(folder.id),
            kind: MailChangeKind::Appended,
        })
        .await;
        Ok(meta)
    }

    /// Stores the body, then the row. Another node may delete a shared body between the two
    /// (PostgreSQL then refuses the row): the body is stored again, once.
    async fn put_and_append(
        &self,
        folder: &Folder,
        body: &[u8],
        new: &NewMessage,
    ) -> Result<MessageMeta, CoreError> {
        self.blobs.put(body).await?;
        match self.store.append(folder.id, new).await {
            Err(StoreError::NotFound) => {
                self.blobs.put(body).await?;
                Ok(self.store.append(folder.id, new).await?)
            }
            other => Ok(other?),
        }
    }

    /// Delivers a message to a hosted address's INBOX.
    pub async fn deliver(&self, to: &EmailAddress, body: &[u8]) -> Result<MessageMeta, CoreError> {
        let mailbox = self
            .store
            .mailbox_by_address(to)
            .await?
            .ok_or(CoreError::NotFound)?;
        let inbox = self.folder(mailbox.id, INBOX).await?;
        self.append(&inbox, body, Flags::default(), self.clock.now())
            .await
    }

    /// The folder's messages in UID order, without bodies.
    pub async fn messages(&self, folder: &Folder) -> Result<Vec<MessageMeta>, CoreError> {
        Ok(self.store.messages(folder.id).await?)
    }

    /// A message's body.
    pub async fn message_body(&self, meta: &MessageMeta) -> Result<Vec<u8>, CoreError> {
        self.blobs.get(&meta.blob).await?.ok_or_else(|| {
            CoreError::Storage(format!("the body of message {} is missing", meta.uid))
        })
    }

    /// The start of a message, up to `max` bytes: its headers, for a list.
    pub async fn message_head(&self, meta: &MessageMeta, max: usize) -> Result<Vec<u8>, CoreError> {
        self.blobs.head(&meta.blob, max).await?.ok_or_else(|| {
            CoreError::Storage(format!("the body of message {} is missing", meta.uid))
        })
    }

    /// STORE: changes flags, and tells the mailbox's watchers.
    pub async fn store_flags(
        &self,
        folder: &Folder,
        uids: &[u32],
        change: FlagChange,
        flags: &Flags,
    ) -> Result<Vec<MessageMeta>, CoreError> {
        let changed = self
            .store
            .store_flags(folder.id, uids, change, flags)
            .await?;
        if !changed.is_empty() {
            self.publish_mail(MailChange {
                mailbox: folder.mailbox_id,
                folder: Some(folder.id),
                kind: MailChangeKind::FlagsChanged,
            })
            .await;
        }
        Ok(changed)
    }

    /// EXPUNGE: removes `\Deleted` messages (of `uids` if given) and their unreferenced bodies.
    pub async fn expunge(
        &self,
        folder: &Folder,
        uids: Option<&[u32]>,
    ) -> Result<Vec<u32>, CoreError> {
        let (removed, orphans) = self.store.expunge(folder.id, uids).await?;
        self.forget_blobs(&orphans).await;
        if !removed.is_empty() {
            self.publish_mail(MailChange {
                mailbox: folder.mailbox_id,
                folder: Some(folder.id),
                kind: MailChangeKind::Expunged,
            })
            .await;
        }
        Ok(removed)
    }

    /// COPY (or MOVE with `remove`) to another folder of the same mailbox; returns the
    /// (source UID, new UID) pairs.
    pub async fn copy_messages(
        &self,
        from: &Folder,
        uids: &[u32],
        to: &Folder,
        remove: bool,
    ) -> Result<Vec<(u32, u32)>, CoreError> {
        if from.mailbox_id != to.mailbox_id {
            return Err(CoreError::NotFound);
        }
        let pairs = match remove {
            true => self.store.move_messages(from.id, uids, to.id).await?,
            false => self.store.copy_messages(from.id, uids, to.id).await?,
        };
        if pairs.is_empty() {
            return Ok(pairs);
        }
        let mut changes = vec![(to, MailChangeKind::Appended)];
        if remove {
            changes.push((from, MailChangeKind::Expunged));
        }
        for (folder, kind) in changes {
            self.publish_mail(MailChange {
                mailbox: folder.mailbox_id,
                folder: Some(folder.id),
                kind,
            })
            .await;
        }
        Ok(pairs)
    }
}
