//! The core's [`MessageStore`] port on [`SqlStore`]; the work is in `folders`, `messages`,
//! `subscriptions` and `transfer`.

use crate::sql_store::SqlStore;
use crate::{
    changes, folder_counts, folders, header_summaries, message_pages, messages, rows_with_bodies,
    subscriptions, transfer, usage,
};
use trekmail_core::ids::MailboxId;
use trekmail_core::mail::{
    BlobId, FieldHolds, FlagChange, Flags, FlagsStored, Folder, FolderChanges, FolderCounts,
    FolderId, HeaderSummary, MessageMeta, MessageState, MessageTotals, NewMessage, RecentClaim,
    SpecialUse,
};
use trekmail_core::store::{MessageStore, PageStart, StoreResult};

#[async_trait::async_trait]
impl MessageStore for SqlStore {
    async fn folders(&self, mailbox: MailboxId) -> StoreResult<Vec<Folder>> {
        folders::list(self, mailbox).await
    }

    async fn folder(&self, mailbox: MailboxId, name: &str) -> StoreResult<Option<Folder>> {
        folders::by_name(self, mailbox, name).await
    }

    /// `NotFound` if the mailbox does not exist.
    async fn create_folder(
        &self,
        mailbox: MailboxId,
        name: &str,
        special_use: Option<SpecialUse>,
    ) -> StoreResult<Folder> {
        folders::create(self, mailbox, name, special_use).await
    }

    async fn rename_folder(&self, mailbox: MailboxId, from: &str, to: &str) -> StoreResult<()> {
        folders::rename(self, mailbox, from, to).await
    }

    async fn delete_folder(&self, folder: FolderId) -> StoreResult<Vec<BlobId>> {
        folders::delete(self, folder).await
    }

    async fn subscriptions(&self, mailbox: MailboxId) -> StoreResult<Vec<String>> {
        subscriptions::list(self, mailbox).await
    }

    async fn set_subscribed(
        &self,
        mailbox: MailboxId,
        name: &str,
        subscribed: bool,
    ) -> StoreResult<()> {
        subscriptions::set_one(self, mailbox, name, subscribed).await
    }

    async fn append_all(
        &self,
        folder: FolderId,
        messages: &[NewMessage],
    ) -> StoreResult<Vec<MessageMeta>> {
        messages::append_all(self, folder, messages).await
    }

    async fn folder_counts(&self, folder: FolderId) -> StoreResult<FolderCounts> {
        folder_counts::count(self, folder).await
    }

    async fn message_totals(&self, folder: FolderId) -> StoreResult<MessageTotals> {
        folder_counts::totals(self, folder).await
    }

    /// `NotFound` if the folder does not exist.
    async fn messages(&self, folder: FolderId) -> StoreResult<Vec<MessageMeta>> {
        messages::list(self, folder).await
    }

    async fn messages_with_uids(
        &self,
        folder: FolderId,
        uids: &[u32],
    ) -> StoreResult<Vec<MessageMeta>> {
        messages::of_uids(self, folder, uids).await
    }

    async fn messages_with_bodies(
        &self,
        folder: FolderId,
        uids: &[u32],
        budget: usize,
    ) -> StoreResult<Vec<(MessageMeta, Option<Vec<u8>>)>> {
        rows_with_bodies::with_uids(self, folder, uids, budget).await
    }

    async fn messages_page(
        &self,
        folder: FolderId,
        start: PageStart,
        limit: u32,
    ) -> StoreResult<Vec<MessageMeta>> {
        message_pages::page(self, folder, start, limit).await
    }

    async fn messages_with_summaries(
        &self,
        folder: FolderId,
        uids: &[u32],
        holding: Option<&FieldHolds>,
    ) -> StoreResult<Vec<(MessageMeta, Option<HeaderSummary>)>> {
        header_summaries::with_uids(self, folder, uids, holding).await
    }

    async fn message_states(&self, folder: FolderId) -> StoreResult<Vec<MessageState>> {
        messages::states(self, folder).await
    }

    async fn changes_since(&self, folder: FolderId, modseq: u64) -> StoreResult<FolderChanges> {
        changes::since(self, folder, modseq).await
    }

    async fn claim_recent(&self, folder: FolderId) -> StoreResult<RecentClaim> {
        changes::claim_recent(self, folder).await
    }

    /// Returns every message found among `uids` (as STORE reports them), changed or not.
    async fn store_flags(
        &self,
        folder: FolderId,
        uids: &[u32],
        change: FlagChange,
        flags: &Flags,
        unchanged_since: Option<u64>,
    ) -> StoreResult<FlagsStored> {
        messages::store_flags(self, folder, uids, change, flags, unchanged_since).await
    }

    /// `NotFound` if either folder is missing or `to` is another mailbox's.
    async fn copy_messages(
        &self,
        from: FolderId,
        uids: &[u32],
        to: FolderId,
    ) -> StoreResult<Vec<(u32, u32)>> {
        transfer::transfer(self, from, uids, to, false).await
    }

    /// `NotFound` if either folder is missing or `to` is another mailbox's.
    async fn move_messages(
        &self,
        from: FolderId,
        uids: &[u32],
        to: FolderId,
    ) -> StoreResult<Vec<(u32, u32)>> {
        transfer::transfer(self, from, uids, to, true).await
    }

    async fn expunge(
        &self,
        folder: FolderId,
        uids: Option<&[u32]>,
    ) -> StoreResult<(Vec<u32>, Vec<BlobId>)> {
        messages::expunge(self, folder, uids).await
    }

    async fn usage(&self, mailbox: MailboxId) -> StoreResult<i64> {
        let mut conn = self.read.acquire().await.map_err(crate::error::db_err)?;
        usage::used(&mut conn, mailbox).await
    }

    async fn unreferenced_blobs(&self, candidates: &[BlobId]) -> StoreResult<Vec<BlobId>> {
        messages::unreferenced(&mut self.reads().await?, candidates.iter().cloned()).await
    }
}
