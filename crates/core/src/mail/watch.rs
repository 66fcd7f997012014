//! Who is watching which mailbox: IMAP sessions (IDLE, and the untagged updates between
//! commands) learn here that a folder of their mailbox changed, from this node or another.
//! Each mailbox has its own channel, so a change wakes only its own watchers.

use super::FolderId;
use crate::ids::MailboxId;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use tokio::sync::broadcast;

/// What changed; watchers re-read the folder and tell their client the difference.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MailChangeKind {
    Appended,
    Expunged,
    FlagsChanged,
    /// Folders were created, renamed or deleted.
    Folders,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct MailChange {
    pub mailbox: MailboxId,
    pub folder: Option<FolderId>,
    pub kind: MailChangeKind,
}

/// How many changes this node had heard of at some moment: a store read begun after a
/// session took its mark sees every change the session had heard (each is committed before
/// it is published).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord)]
pub struct Heard(pub(crate) u64);

/// A watcher that falls this far behind is told it lagged and re-reads everything.
const BACKLOG: usize = 64;

#[derive(Default)]
pub struct MailWatch {
    channels: Mutex<HashMap<MailboxId, broadcast::Sender<MailChange>>>,
    published: AtomicU64,
}

impl MailWatch {
    pub fn subscribe(&self, mailbox: MailboxId) -> broadcast::Receiver<MailChange> {
        let mut channels = self.lock();
        channels
            .entry(mailbox)
            .or_insert_with(|| broadcast::channel(BACKLOG).0)
            .subscribe()
    }

    /// Tells this node's watchers of the mailbox; forgets the channel once nobody listens.
    pub fn publish_local(&self, change: MailChange) {
        let mut channels = self.lock();
        // Counted before any watcher can hear it, so a mark taken on hearing covers it.
        self.published.fetch_add(1, Ordering::SeqCst);
        if let Some(sender) = channels.get(&change.mailbox)
            && sender.send(change).is_err()
        {
            channels.remove(&change.mailbox);
        }
    }

    /// The mark of what this node has heard of so far.
    pub fn heard(&self) -> Heard {
        Heard(self.published.load(Ordering::SeqCst))
    }

    /// How many mailboxes have watchers here.
    pub fn watched(&self) -> usize {
        self.lock().len()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<MailboxId, broadcast::Sender<MailChange>>> {
        self.channels.lock().unwrap_or_else(|p| p.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn only_the_mailboxs_watchers_hear_and_empty_channels_go() {
        let watch = MailWatch::default();
        let mut a = watch.subscribe(MailboxId(1));
        let mut b = watch.subscribe(MailboxId(2));
        let change = MailChange {
            mailbox: MailboxId(1),
            folder: Some(FolderId(7)),
            kind: MailChangeKind::Appended,
        };
        let before = watch.heard();
        watch.publish_local(change);
        assert!(watch.heard() > before, "a change heard moves the mark");
        assert_eq!(a.recv().await.unwrap(), change);
        assert!(b.try_recv().is_err());
        drop(a);
        watch.publish_local(change);
        assert_eq!(watch.watched(), 1);
    }
}
