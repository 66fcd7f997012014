use crate::Core;
use crate::access::{MailboxAccess, OwnAccess};
use crate::domain::Mailbox;
use crate::error::CoreError;
use crate::mail::{
    BlobId, FieldHolds, FlagChange, Flags, FlagsStored, Folder, FolderChanges, HeaderSummary,
    Heard, INBOX, IncomingMessage, MailChange, MailChangeKind, MessageMeta, MessageState,
    NewMessage, RecentClaim,
};
use crate::store::StoreError;
use chrono::{DateTime, Utc};

/// The bytes of bodies a read of rows may bring with them: a FETCH holds these besides the
/// body it is sending.
const BODIES_WITH_ROWS: usize = 1 << 20;

/// What [`Core::signed_in_mailbox`] finds for a signed-in mailbox.
#[derive(Debug, Clone)]
pub struct SignedInMailbox {
    pub mailbox: Mailbox,
    pub own: OwnAccess,
}

impl Core {
    /// The signed-in mailbox itself (its address, quota and use).
    pub async fn own_mailbox(&self, access: &MailboxAccess) -> Result<Mailbox, CoreError> {
        self.store
            .mailbox(access.mailbox())
            .await?
            .ok_or(CoreError::NotFound)
    }

    /// The signed-in mailbox with its owner's own access (its 2FA, password and sessions),
    /// for webmail: the owner acts on nothing else.
    pub async fn signed_in_mailbox(
        &self,
        access: &MailboxAccess,
    ) -> Result<SignedInMailbox, CoreError> {
        let mailbox = self.own_mailbox(access).await?;
        Ok(SignedInMailbox {
            own: OwnAccess::new(access.who(), mailbox.account_id),
            mailbox,
        })
    }

    /// Changes to the signed-in mailbox's folders, for IMAP sessions.
    pub fn watch_mail(
        &self,
        access: &MailboxAccess,
    ) -> tokio::sync::broadcast::Receiver<MailChange> {
        self.mail_watch.subscribe(access.mailbox())
    }

    /// The mailbox's folders.
    pub async fn folders(&self, access: &MailboxAccess) -> Result<Vec<Folder>, CoreError> {
        Ok(self.store.folders(access.mailbox()).await?)
    }

    /// A folder by its IMAP name; `INBOX` in any case.
    pub async fn folder(&self, access: &MailboxAccess, name: &str) -> Result<Folder, CoreError> {
        let name = if name.eq_ignore_ascii_case(INBOX) {
            INBOX
        } else {
            name
        };
        self.store
            .folder(access.mailbox(), name)
            .await?
            .ok_or(CoreError::NotFound)
    }

    /// Appends a message: the body is durable before the row that points at it, and the quota
    /// is checked with the row. Watchers of the mailbox hear of it.
    pub async fn append(
        &self,
        access: &MailboxAccess,
        folder: &Folder,
        body: &[u8],
        flags: Flags,
        internal_date: DateTime<Utc>,
    ) -> Result<MessageMeta, CoreError> {
        let message = IncomingMessage {
            body,
            flags,
            internal_date,
        };
        let mut stored = self.append_all(access, folder, &[message]).await?;
        stored
            .pop()
            .ok_or_else(|| CoreError::Storage("the message was not appended".into()))
    }

    /// Appends messages all or none (MULTIAPPEND): the bodies are durable before the rows,
    /// which are added, and the quota checked for all, in one transaction. Watchers of the
    /// mailbox hear of them once.
    pub async fn append_all(
        &self,
        access: &MailboxAccess,
        folder: &Folder,
        messages: &[IncomingMessage<'_>],
    ) -> Result<Vec<MessageMeta>, CoreError> {
        access.owns(folder)?;
        let mut news = Vec::with_capacity(messages.len());
        for message in messages {
            news.push(NewMessage {
                blob: BlobId::of(message.body),
                size: i64::try_from(message.body.len())
                    .map_err(|_| CoreError::Invalid("the message is too large".into()))?,
                flags: message.flags.clone(),
                internal_date: message.internal_date,
                summary: HeaderSummary::of(message.body),
            });
        }
        for new in &news {
            self.bodies_in_flight.enter(&new.blob).await;
        }
        let stored = self.put_and_append(folder, messages, &news).await;
        for new in &news {
            self.bodies_in_flight.leave(&new.blob).await;
        }
        let metas = match stored {
            Ok(metas) => metas,
            Err(e) => {
                let ids: Vec<BlobId> = news.into_iter().map(|n| n.blob).collect();
                self.forget_blobs(&ids).await;
                return Err(e);
            }
        };
        if !metas.is_empty() {
            self.publish_mail(MailChange {
                mailbox: folder.mailbox_id,
                folder: Some(folder.id),
                kind: MailChangeKind::Appended,
            })
            .await;
        }
        Ok(metas)
    }

    /// Stores the bodies, then the rows. Another node may delete a shared body between the two
    /// (PostgreSQL then refuses the rows): the bodies are stored again, once.
    async fn put_and_append(
        &self,
        folder: &Folder,
        messages: &[IncomingMessage<'_>],
        news: &[NewMessage],
    ) -> Result<Vec<MessageMeta>, CoreError> {
        for message in messages {
            self.blobs.put(message.body).await?;
        }
        match self.store.append_all(folder.id, news).await {
            Err(StoreError::NotFound) => {
                for message in messages {
                    self.blobs.put(message.body).await?;
                }
                Ok(self.store.append_all(folder.id, news).await?)
            }
            other => Ok(other?),
        }
    }

    /// The folder's messages in UID order, without bodies.
    pub async fn messages(
        &self,
        access: &MailboxAccess,
        folder: &Folder,
    ) -> Result<Vec<MessageMeta>, CoreError> {
        access.owns(folder)?;
        Ok(self.store.messages(folder.id).await?)
    }

    /// A message's body.
    pub async fn message_body(
        &self,
        access: &MailboxAccess,
        folder: &Folder,
        meta: &MessageMeta,
    ) -> Result<Vec<u8>, CoreError> {
        access.owns_message(folder, meta)?;
        self.blobs.get(&meta.blob).await?.ok_or_else(|| {
            CoreError::Storage(format!("the body of message {} is missing", meta.uid))
        })
    }

    /// The start of a message, up to `max` bytes: its headers, for a list.
    pub async fn message_head(
        &self,
        access: &MailboxAccess,
        folder: &Folder,
        meta: &MessageMeta,
        max: usize,
    ) -> Result<Vec<u8>, CoreError> {
        access.owns_message(folder, meta)?;
        self.blobs.head(&meta.blob, max).await?.ok_or_else(|| {
            CoreError::Storage(format!("the body of message {} is missing", meta.uid))
        })
    }

    /// Changes flags (webmail's read and flagged marks).
    pub async fn store_flags(
        &self,
        access: &MailboxAccess,
        folder: &Folder,
        uids: &[u32],
        change: FlagChange,
        flags: &Flags,
    ) -> Result<Vec<MessageMeta>, CoreError> {
        let stored = self
            .store_flags_unless_changed(access, folder, uids, change, flags, None)
            .await?;
        Ok(stored.messages)
    }

    /// STORE, with CONDSTORE's UNCHANGEDSINCE if given; tells the mailbox's watchers.
    pub async fn store_flags_unless_changed(
        &self,
        access: &MailboxAccess,
        folder: &Folder,
        uids: &[u32],
        change: FlagChange,
        flags: &Flags,
        unchanged_since: Option<u64>,
    ) -> Result<FlagsStored, CoreError> {
        access.owns(folder)?;
        let stored = self
            .store
            .store_flags(folder.id, uids, change, flags, unchanged_since)
            .await?;
        if !stored.messages.is_empty() {
            self.publish_mail(MailChange {
                mailbox: folder.mailbox_id,
                folder: Some(folder.id),
                kind: MailChangeKind::FlagsChanged,
            })
            .await;
        }
        Ok(stored)
    }

    /// The messages with these UIDs, without bodies: what one FETCH needs, whatever the
    /// folder holds besides.
    pub async fn messages_with_uids(
        &self,
        access: &MailboxAccess,
        folder: &Folder,
        uids: &[u32],
    ) -> Result<Vec<MessageMeta>, CoreError> {
        access.owns(folder)?;
        Ok(self.store.messages_with_uids(folder.id, uids).await?)
    }

    /// As `messages_with_uids`, the first ones with their bodies (1 MiB of them at most)
    /// where the database keeps the bodies: what a FETCH of bodies needs, in one round trip
    /// to PostgreSQL for many small messages. A message without its body here: `message_body`.
    pub async fn messages_with_bodies(
        &self,
        access: &MailboxAccess,
        folder: &Folder,
        uids: &[u32],
    ) -> Result<Vec<(MessageMeta, Option<Vec<u8>>)>, CoreError> {
        access.owns(folder)?;
        Ok(self
            .store
            .messages_with_bodies(folder.id, uids, BODIES_WITH_ROWS)
            .await?)
    }

    /// The messages with these UIDs and their header summaries: what SEARCH reads for its
    /// header keys before it reads any body; with `holding`, only those that can match it.
    pub async fn messages_with_summaries(
        &self,
        access: &MailboxAccess,
        folder: &Folder,
        uids: &[u32],
        holding: Option<&FieldHolds>,
    ) -> Result<Vec<(MessageMeta, Option<HeaderSummary>)>, CoreError> {
        access.owns(folder)?;
        Ok(self
            .store
            .messages_with_summaries(folder.id, uids, holding)
            .await?)
    }

    /// Every message's UID, flags and mod-sequence: an IMAP session's view of the folder.
    pub async fn message_states(
        &self,
        access: &MailboxAccess,
        folder: &Folder,
    ) -> Result<Vec<MessageState>, CoreError> {
        access.owns(folder)?;
        Ok(self.store.message_states(folder.id).await?)
    }

    /// What changed in the folder after `modseq`.
    pub async fn changes_since(
        &self,
        access: &MailboxAccess,
        folder: &Folder,
        modseq: u64,
    ) -> Result<FolderChanges, CoreError> {
        access.owns(folder)?;
        Ok(self.store.changes_since(folder.id, modseq).await?)
    }

    /// The mark of the mail changes this node has heard of: a session takes it when it hears
    /// that its folder changed, and asks `changes_heard` with it.
    pub fn mail_heard(&self) -> Heard {
        self.mail_watch.heard()
    }

    /// What changed in the folder after `modseq`, for a session that took the mark `heard`
    /// when it heard of a change: the node's sessions of the folder share one store read.
    pub async fn changes_heard(
        &self,
        access: &MailboxAccess,
        folder: &Folder,
        modseq: u64,
        heard: Heard,
    ) -> Result<FolderChanges, CoreError> {
        access.owns(folder)?;
        let log = self.folder_deltas.log(folder.id, folder.uid_validity);
        let mut log = log.lock().await;
        if let Some(changes) = log.serve(modseq, heard) {
            return Ok(changes);
        }
        let from = log.read_from(modseq);
        let read_at = self.mail_watch.heard();
        let changes = self.store.changes_since(folder.id, from).await?;
        Ok(log.take(modseq, from, changes, read_at))
    }

    /// Claims the folder's messages no session has seen as \Recent yet, for this session.
    pub async fn claim_recent(
        &self,
        access: &MailboxAccess,
        folder: &Folder,
    ) -> Result<RecentClaim, CoreError> {
        access.owns(folder)?;
        let claim = self.store.claim_recent(folder.id).await?;
        if let Some(log) = self.folder_deltas.existing(folder.id, folder.uid_validity) {
            log.lock().await.recent_claimed();
        }
        Ok(claim)
    }

    /// EXPUNGE: removes `\Deleted` messages (of `uids` if given) and their unreferenced bodies.
    pub async fn expunge(
        &self,
        access: &MailboxAccess,
        folder: &Folder,
        uids: Option<&[u32]>,
    ) -> Result<Vec<u32>, CoreError> {
        access.owns(folder)?;
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
        access: &MailboxAccess,
        from: &Folder,
        uids: &[u32],
        to: &Folder,
        remove: bool,
    ) -> Result<Vec<(u32, u32)>, CoreError> {
        access.owns(from)?;
        access.owns(to)?;
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
