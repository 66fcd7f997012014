//! What the node keeps of its large folders between SELECTs: each one's last state read, so
//! that opening a folder another session opened before reads what changed since (a delta by
//! mod-sequence, as a selected session does) instead of every message's row. The store stays
//! the truth: a kept state is brought up to date from it before a view is made of it, so
//! changes made on any node are in. It relies on the store telling every expunge after a
//! mod-sequence (the expunge log is complete).

use crate::folder_state::FolderState;
use std::sync::{Arc, Mutex};
use trekmail_core::access::MailboxAccess;
use trekmail_core::mail::{Folder, FolderId};
use trekmail_core::{Core, CoreError};

/// Smaller folders are read whole: that costs little.
const MIN_MESSAGES: usize = 1_000;
/// Messages kept over all folders (a few tens of bytes each); the least recently opened
/// folders go first.
const MAX_MESSAGES: usize = 1_000_000;

/// A folder by id and UIDVALIDITY: a folder made again under an old id is another folder.
type Key = (FolderId, u32);

struct Kept {
    key: Key,
    state: Arc<FolderState>,
    last_opened: u64,
}

#[derive(Default)]
pub(crate) struct FolderStates {
    kept: Mutex<Vec<Kept>>,
    opened: std::sync::atomic::AtomicU64,
}

impl FolderStates {
    /// The folder's messages now: the kept state and the changes since it, or a whole read.
    pub(crate) async fn open(
        &self,
        core: &Core,
        access: &MailboxAccess,
        folder: &Folder,
    ) -> Result<FolderState, CoreError> {
        let key = (folder.id, folder.uid_validity);
        if let Some(kept) = self.get(key) {
            let changes = core.changes_since(access, folder, kept.modseq).await?;
            let mut state = FolderState::clone(&kept);
            state.apply(&changes);
            if state.modseq > kept.modseq {
                self.put(key, state.clone());
            }
            return Ok(state);
        }
        let states = core.message_states(access, folder).await?;
        let state = FolderState::read(&states, folder.highest_modseq);
        if state.len() >= MIN_MESSAGES {
            self.put(key, state.clone());
        }
        Ok(state)
    }

    fn get(&self, key: Key) -> Option<Arc<FolderState>> {
        let tick = self.tick();
        let mut kept = self.kept.lock().unwrap_or_else(|e| e.into_inner());
        let found = kept.iter_mut().find(|k| k.key == key)?;
        found.last_opened = tick;
        Some(found.state.clone())
    }

    fn put(&self, key: Key, state: FolderState) {
        let tick = self.tick();
        let mut kept = self.kept.lock().unwrap_or_else(|e| e.into_inner());
        kept.retain(|k| k.key != key);
        kept.push(Kept {
            key,
            state: Arc::new(state),
            last_opened: tick,
        });
        kept.sort_by_key(|k| std::cmp::Reverse(k.last_opened));
        let mut total = 0;
        kept.retain(|k| {
            total += k.state.len();
            total <= MAX_MESSAGES
        });
    }

    fn tick(&self) -> u64 {
        self.opened
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed)
    }
}
