use crate::Core;
use crate::access::MailboxAccess;
use crate::error::CoreError;
use crate::mail::{Folder, FolderCounts, INBOX, MailChange, MailChangeKind, MessageTotals};

/// Longest folder name accepted, in bytes.
const MAX_NAME: usize = 255;

impl Core {
    /// CREATE: a new folder; `a/b` makes `b` below `a`.
    pub async fn create_folder(
        &self,
        access: &MailboxAccess,
        name: &str,
    ) -> Result<Folder, CoreError> {
        let name = checked_name(name)?;
        if name.eq_ignore_ascii_case(INBOX) {
            return Err(CoreError::Conflict("INBOX exists already".into()));
        }
        let folder = self
            .store
            .create_folder(access.mailbox(), name, None)
            .await?;
        self.folders_changed(access).await;
        Ok(folder)
    }

    /// RENAME. Renaming INBOX moves its messages to a new folder and leaves INBOX empty, as
    /// RFC 3501 asks.
    pub async fn rename_folder(
        &self,
        access: &MailboxAccess,
        from: &str,
        to: &str,
    ) -> Result<(), CoreError> {
        let to = checked_name(to)?;
        if to.eq_ignore_ascii_case(INBOX) {
            return Err(CoreError::Conflict("INBOX exists already".into()));
        }
        if from.eq_ignore_ascii_case(INBOX) {
            let inbox = self.folder(access, INBOX).await?;
            let target = self.store.create_folder(access.mailbox(), to, None).await?;
            let uids: Vec<u32> = self
                .messages(access, &inbox)
                .await?
                .iter()
                .map(|m| m.uid)
                .collect();
            self.copy_messages(access, &inbox, &uids, &target, true)
                .await?;
        } else {
            self.store.rename_folder(access.mailbox(), from, to).await?;
        }
        self.folders_changed(access).await;
        Ok(())
    }

    /// DELETE: the folder and its messages; INBOX cannot go.
    pub async fn delete_folder(&self, access: &MailboxAccess, name: &str) -> Result<(), CoreError> {
        if name.eq_ignore_ascii_case(INBOX) {
            return Err(CoreError::Invalid("INBOX cannot be deleted".into()));
        }
        let folder = self.folder(access, name).await?;
        let orphans = self.store.delete_folder(folder.id).await?;
        self.forget_blobs(&orphans).await;
        self.folders_changed(access).await;
        Ok(())
    }

    /// STATUS: the folder's counts, without reading its messages.
    pub async fn folder_counts(
        &self,
        access: &MailboxAccess,
        folder: &Folder,
    ) -> Result<FolderCounts, CoreError> {
        access.owns(folder)?;
        Ok(self.store.folder_counts(folder.id).await?)
    }

    /// How many messages the folder holds, and how many are unread, for a mail list: what
    /// it costs is the unread count, not the folder.
    pub async fn message_totals(
        &self,
        access: &MailboxAccess,
        folder: &Folder,
    ) -> Result<MessageTotals, CoreError> {
        access.owns(folder)?;
        Ok(self.store.message_totals(folder.id).await?)
    }

    /// SUBSCRIBE / UNSUBSCRIBE. SUBSCRIBE wants the folder to exist (RFC 3501 §6.3.6 lets
    /// the server check); UNSUBSCRIBE takes any name, as a subscribed folder may be gone.
    pub async fn set_subscribed(
        &self,
        access: &MailboxAccess,
        name: &str,
        subscribed: bool,
    ) -> Result<(), CoreError> {
        let name = match subscribed {
            true => self.folder(access, name).await?.name,
            false if name.eq_ignore_ascii_case(INBOX) => INBOX.to_owned(),
            false => name.to_owned(),
        };
        Ok(self
            .store
            .set_subscribed(access.mailbox(), &name, subscribed)
            .await?)
    }

    /// The names the mailbox subscribes to, a deleted folder's among them.
    pub async fn subscriptions(&self, access: &MailboxAccess) -> Result<Vec<String>, CoreError> {
        Ok(self.store.subscriptions(access.mailbox()).await?)
    }

    async fn folders_changed(&self, access: &MailboxAccess) {
        self.publish_mail(MailChange {
            mailbox: access.mailbox(),
            folder: None,
            kind: MailChangeKind::Folders,
        })
        .await;
    }
}

/// A folder name a person can see and every client can handle.
fn checked_name(name: &str) -> Result<&str, CoreError> {
    let bad = name.is_empty()
        || name.len() > MAX_NAME
        || name.starts_with('/')
        || name.ends_with('/')
        || name.contains("//")
        || name.chars().any(|c| c.is_control() || c == '*' || c == '%');
    match bad {
        true => Err(CoreError::Invalid(format!(
            "{name:?} is not a folder name: 1–{MAX_NAME} bytes, levels separated by single /, no * or %"
        ))),
        false => Ok(name),
    }
}
