use super::StoreResult;
use crate::ids::MailboxId;
use crate::mail::{
    BlobId, FieldHolds, FlagChange, Flags, FlagsStored, Folder, FolderChanges, FolderCounts,
    FolderId, HeaderSummary, MessageMeta, MessageState, MessageTotals, NewMessage, RecentClaim,
    SpecialUse,
};

/// Where a page of a folder's messages starts, by UID.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PageStart {
    /// The folder's newest messages.
    Newest,
    /// The newest messages with a UID below this one: the page after (older than) a page.
    Before(u32),
    /// The oldest messages with a UID above this one: the page before (newer than) a page.
    After(u32),
}

/// A mailbox's folders and messages. Every method that adds bytes checks the mailbox's quota
/// and counts its usage in the same transaction (`LimitReached` when it would pass the quota).
#[async_trait::async_trait]
pub trait MessageStore: Send + Sync {
    /// The mailbox's folders, by name.
    async fn folders(&self, mailbox: MailboxId) -> StoreResult<Vec<Folder>>;
    /// A folder by its exact stored name (the caller folds INBOX's case).
    async fn folder(&self, mailbox: MailboxId, name: &str) -> StoreResult<Option<Folder>>;
    /// Creates a folder, not subscribed, with a fresh UIDVALIDITY; `Conflict` if the name exists.
    async fn create_folder(
        &self,
        mailbox: MailboxId,
        name: &str,
        special_use: Option<SpecialUse>,
    ) -> StoreResult<Folder>;
    /// Renames a folder and every folder below it (`a` → `b` moves `a/x` to `b/x`); `Conflict`
    /// if a new name exists, `NotFound` if `from` does not.
    async fn rename_folder(&self, mailbox: MailboxId, from: &str, to: &str) -> StoreResult<()>;
    /// Deletes a folder and its messages; returns the blobs no message refers to any more.
    async fn delete_folder(&self, folder: FolderId) -> StoreResult<Vec<BlobId>>;
    /// The names the mailbox subscribes to, whether a folder has them or not.
    async fn subscriptions(&self, mailbox: MailboxId) -> StoreResult<Vec<String>>;
    /// Subscribes or unsubscribes a name; doing it twice is no error.
    async fn set_subscribed(
        &self,
        mailbox: MailboxId,
        name: &str,
        subscribed: bool,
    ) -> StoreResult<()>;

    /// Appends a message with the folder's next UID: [`Self::append_all`] of one.
    async fn append(&self, folder: FolderId, message: &NewMessage) -> StoreResult<MessageMeta> {
        let mut stored = self
            .append_all(folder, std::slice::from_ref(message))
            .await?;
        stored
            .pop()
            .ok_or_else(|| super::StoreError::Backend("the message was not appended".into()))
    }
    /// Appends messages all or none, in one transaction: the folder's next UIDs in order, one
    /// new mod-sequence, the quota checked for their sum (`LimitReached`, nothing added).
    async fn append_all(
        &self,
        folder: FolderId,
        messages: &[NewMessage],
    ) -> StoreResult<Vec<MessageMeta>>;
    /// The folder's counts for STATUS, from aggregates; `NotFound` if there is no such folder.
    async fn folder_counts(&self, folder: FolderId) -> StoreResult<FolderCounts>;
    /// The folder's messages and unread messages, from the folder's index and the index of
    /// unread messages: costs the unread count, not the folder; `NotFound` if there is no
    /// such folder.
    async fn message_totals(&self, folder: FolderId) -> StoreResult<MessageTotals>;
    /// The folder's messages in UID order.
    async fn messages(&self, folder: FolderId) -> StoreResult<Vec<MessageMeta>>;
    /// The messages with these UIDs, in UID order; absent ones are skipped. Costs what the
    /// UIDs cost, not what the folder holds.
    async fn messages_with_uids(
        &self,
        folder: FolderId,
        uids: &[u32],
    ) -> StoreResult<Vec<MessageMeta>>;
    /// As `messages_with_uids`, with the bodies of the first messages, up to `budget` bytes
    /// in all, where the store keeps the bodies itself (PostgreSQL's `blobs`): read in
    /// the same round trip. `None` for the others: read them from the `BlobStore`.
    async fn messages_with_bodies(
        &self,
        folder: FolderId,
        uids: &[u32],
        budget: usize,
    ) -> StoreResult<Vec<(MessageMeta, Option<Vec<u8>>)>>;
    /// Up to `limit` of the folder's messages on one side of a UID, newest first: a page of
    /// a list, read along the (folder, UID) index, so it costs the page, not the folder.
    /// `NotFound` if there is no such folder.
    async fn messages_page(
        &self,
        folder: FolderId,
        start: PageStart,
        limit: u32,
    ) -> StoreResult<Vec<MessageMeta>>;
    /// As `messages_with_uids`, each with its header summary (`None` for a message stored
    /// before summaries were kept); with `holding`, only the messages it lets through.
    async fn messages_with_summaries(
        &self,
        folder: FolderId,
        uids: &[u32],
        holding: Option<&FieldHolds>,
    ) -> StoreResult<Vec<(MessageMeta, Option<HeaderSummary>)>>;
    /// Every message's UID, flags and mod-sequence, in UID order: what SELECT loads.
    async fn message_states(&self, folder: FolderId) -> StoreResult<Vec<MessageState>>;
    /// What changed after `modseq`: a range read on the mod-sequence.
    async fn changes_since(&self, folder: FolderId, modseq: u64) -> StoreResult<FolderChanges>;
    /// Claims the messages no session has seen as \Recent yet, and those appended until the
    /// claim's `next`, for the caller alone.
    async fn claim_recent(&self, folder: FolderId) -> StoreResult<RecentClaim>;
    /// Changes the flags of the messages with these UIDs, all with one new mod-sequence;
    /// with `unchanged_since`, only those not changed after it.
    async fn store_flags(
        &self,
        folder: FolderId,
        uids: &[u32],
        change: FlagChange,
        flags: &Flags,
        unchanged_since: Option<u64>,
    ) -> StoreResult<FlagsStored>;
    /// Copies messages to another folder of the same mailbox, with new UIDs there; returns
    /// (source UID, new UID) pairs in source UID order.
    async fn copy_messages(
        &self,
        from: FolderId,
        uids: &[u32],
        to: FolderId,
    ) -> StoreResult<Vec<(u32, u32)>>;
    /// Moves messages (copy and remove, in one transaction); returns the pairs as for copy.
    async fn move_messages(
        &self,
        from: FolderId,
        uids: &[u32],
        to: FolderId,
    ) -> StoreResult<Vec<(u32, u32)>>;
    /// Removes the messages flagged `\Deleted` (only those among `uids` if given); returns the
    /// UIDs removed and the blobs no message refers to any more.
    async fn expunge(
        &self,
        folder: FolderId,
        uids: Option<&[u32]>,
    ) -> StoreResult<(Vec<u32>, Vec<BlobId>)>;
    /// Bytes the mailbox's messages take, as its quota counts them.
    async fn usage(&self, mailbox: MailboxId) -> StoreResult<i64>;
    /// Of `candidates`, the blobs no message of any mailbox refers to.
    async fn unreferenced_blobs(&self, candidates: &[BlobId]) -> StoreResult<Vec<BlobId>>;
}

/// Message bodies. `put` returns only once the bytes are durable (fsync'd), so a message row
/// never points at a body that a crash could lose.
#[async_trait::async_trait]
pub trait BlobStore: Send + Sync {
    async fn put(&self, bytes: &[u8]) -> StoreResult<BlobId>;
    async fn get(&self, id: &BlobId) -> StoreResult<Option<Vec<u8>>>;
    /// The first `max` bytes only: enough for a message's headers, without reading a body
    /// of many megabytes to list it.
    async fn head(&self, id: &BlobId, max: usize) -> StoreResult<Option<Vec<u8>>>;
    /// Deletes blobs; missing ones are no error.
    async fn delete(&self, ids: &[BlobId]) -> StoreResult<()>;
}
