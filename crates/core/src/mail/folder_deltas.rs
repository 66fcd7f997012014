//! What changed lately in the folders this node's IMAP sessions follow. A change heard wakes
//! every session of the folder, and each needs what changed since its view's mod-sequence:
//! one store read serves them all (the first to ask reads, the others take its answer)
//! instead of one read (three statements) per session and change.
//!
//! A kept read answers a session only if it began after the session heard its change: the
//! change was committed before it was published, so such a read holds it.

use super::watch::Heard;
use super::{FolderChanges, FolderId, MessageState};
use std::collections::{BTreeSet, HashMap, VecDeque};
use std::sync::{Arc, Mutex};

/// Changed and expunged messages one folder's log holds; a larger delta is answered, not kept.
const MAX_ENTRIES: usize = 2_000;
/// Reads one folder's log holds.
const MAX_CHUNKS: usize = 32;
/// Folders with a log; the least recently asked go first.
const MAX_FOLDERS: usize = 256;

/// A folder by id and UIDVALIDITY: a folder made again under an old id is another folder.
type Key = (FolderId, u32);

/// One store read: what changed after `from`, up to its `highest_modseq`.
#[derive(Debug)]
struct Chunk {
    from: u64,
    changes: FolderChanges,
}

impl Chunk {
    fn entries(&self) -> usize {
        self.changes.changed.len() + self.changes.expunged.len()
    }
}

/// One folder's recent reads, each starting where the one before ended.
#[derive(Debug, Default)]
pub struct DeltaLog {
    chunks: VecDeque<Chunk>,
    /// When the newest read began: every change heard by then is in.
    read_at: Heard,
    entries: usize,
}

impl DeltaLog {
    /// What changed after `since`, if the log reaches back to it and read after `heard`.
    pub fn serve(&self, since: u64, heard: Heard) -> Option<FolderChanges> {
        let first = self.chunks.front()?;
        if self.read_at < heard || first.from > since {
            return None;
        }
        Some(self.after(since))
    }

    /// Where a store read for a session at `since` starts: at the log's end when the log
    /// reaches back to it (so the read extends the log), else at `since`.
    pub fn read_from(&self, since: u64) -> u64 {
        match (self.chunks.front(), self.chunks.back()) {
            (Some(first), Some(last))
                if first.from <= since && since <= last.changes.highest_modseq =>
            {
                last.changes.highest_modseq
            }
            _ => since,
        }
    }

    /// Takes a store read of what changed after `from`, begun at `read_at`, and answers a
    /// session at `since` from it.
    pub fn take(
        &mut self,
        since: u64,
        from: u64,
        changes: FolderChanges,
        read_at: Heard,
    ) -> FolderChanges {
        let continues = self
            .chunks
            .back()
            .is_some_and(|last| last.changes.highest_modseq == from);
        if !continues {
            self.chunks.clear();
            self.entries = 0;
        }
        let chunk = Chunk { from, changes };
        self.entries += chunk.entries();
        self.chunks.push_back(chunk);
        self.read_at = read_at;
        let answer = self.after(since);
        while self.entries > MAX_ENTRIES || self.chunks.len() > MAX_CHUNKS {
            match self.chunks.pop_front() {
                Some(old) => self.entries -= old.entries(),
                None => break,
            }
        }
        answer
    }

    /// A session claimed every message still \Recent: the newest read no longer says some are.
    pub fn recent_claimed(&mut self) {
        if let Some(last) = self.chunks.back_mut() {
            last.changes.unclaimed_recent = false;
        }
    }

    /// The reads past `since`, merged: each message as the latest read has it, and one
    /// expunged since not among the changed (as a single read would have it).
    fn after(&self, since: u64) -> FolderChanges {
        let Some(last) = self.chunks.back() else {
            return FolderChanges::default();
        };
        let mut past: Vec<&Chunk> = self
            .chunks
            .iter()
            .filter(|c| c.changes.highest_modseq > since)
            .collect();
        let highest_modseq = last.changes.highest_modseq;
        let unclaimed_recent = last.changes.unclaimed_recent;
        if past.len() <= 1 {
            return match past.pop() {
                Some(chunk) => chunk.changes.clone(),
                None => FolderChanges {
                    highest_modseq,
                    unclaimed_recent,
                    ..FolderChanges::default()
                },
            };
        }
        let expunged: BTreeSet<u32> = past
            .iter()
            .flat_map(|c| c.changes.expunged.iter().copied())
            .collect();
        let mut changed: HashMap<u32, &MessageState> = HashMap::new();
        for state in past.iter().flat_map(|c| &c.changes.changed) {
            if expunged.contains(&state.uid) {
                continue;
            }
            let newer = changed
                .get(&state.uid)
                .is_none_or(|s| s.modseq < state.modseq);
            if newer {
                changed.insert(state.uid, state);
            }
        }
        let mut changed: Vec<MessageState> = changed.into_values().cloned().collect();
        changed.sort_by_key(|s| s.uid);
        FolderChanges {
            highest_modseq,
            changed,
            expunged: expunged.into_iter().collect(),
            unclaimed_recent,
        }
    }
}

struct Logged {
    log: Arc<tokio::sync::Mutex<DeltaLog>>,
    last_asked: u64,
}

/// The node's delta logs, one per folder asked about, bounded in folders and in entries.
#[derive(Default)]
pub struct FolderDeltas {
    logs: Mutex<HashMap<Key, Logged>>,
    asked: std::sync::atomic::AtomicU64,
}

impl FolderDeltas {
    /// The folder's log; whoever holds its lock is the one reading for the others.
    pub fn log(&self, folder: FolderId, uid_validity: u32) -> Arc<tokio::sync::Mutex<DeltaLog>> {
        let tick = self
            .asked
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let mut logs = self.logs.lock().unwrap_or_else(|e| e.into_inner());
        if logs.len() >= MAX_FOLDERS && !logs.contains_key(&(folder, uid_validity)) {
            let oldest = logs
                .iter()
                .min_by_key(|(_, l)| l.last_asked)
                .map(|(k, _)| *k);
            if let Some(oldest) = oldest {
                logs.remove(&oldest);
            }
        }
        let logged = logs
            .entry((folder, uid_validity))
            .or_insert_with(|| Logged {
                log: Arc::default(),
                last_asked: tick,
            });
        logged.last_asked = tick;
        logged.log.clone()
    }

    /// The folder's log if it has one (a claim of \Recent need not make one).
    pub fn existing(
        &self,
        folder: FolderId,
        uid_validity: u32,
    ) -> Option<Arc<tokio::sync::Mutex<DeltaLog>>> {
        let logs = self.logs.lock().unwrap_or_else(|e| e.into_inner());
        logs.get(&(folder, uid_validity)).map(|l| l.log.clone())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mail::Flags;

    fn message(uid: u32, modseq: u64, flags: &[&str]) -> MessageState {
        MessageState {
            uid,
            flags: Flags::new(flags.iter().copied()),
            modseq,
        }
    }

    fn changes(highest: u64, changed: Vec<MessageState>, expunged: Vec<u32>) -> FolderChanges {
        FolderChanges {
            highest_modseq: highest,
            changed,
            expunged,
            unclaimed_recent: false,
        }
    }

    #[test]
    fn a_read_serves_only_sessions_that_heard_before_it_began() {
        let mut log = DeltaLog::default();
        assert_eq!(log.serve(5, Heard(0)), None, "an empty log serves nobody");
        let read = changes(7, vec![message(3, 7, &["\\Seen"])], vec![]);
        let answer = log.take(5, 5, read.clone(), Heard(10));
        assert_eq!(answer, read);
        assert_eq!(log.serve(5, Heard(10)), Some(read.clone()));
        assert_eq!(log.serve(5, Heard(11)), None, "heard after the read began");
        assert_eq!(log.serve(4, Heard(10)), None, "from before the log reaches");
        let none = log.serve(7, Heard(9)).unwrap();
        assert_eq!((none.highest_modseq, none.changed.len()), (7, 0));
    }

    #[test]
    fn reads_extend_the_log_and_merge_for_sessions_further_behind() {
        let mut log = DeltaLog::default();
        log.take(
            5,
            5,
            changes(7, vec![message(3, 6, &[]), message(4, 7, &[])], vec![]),
            Heard(1),
        );
        assert_eq!(log.read_from(7), 7);
        assert_eq!(log.read_from(2), 2, "before the log: read from the session");
        let newest = changes(9, vec![message(3, 9, &["\\Seen"])], vec![4]);
        assert_eq!(log.take(7, 7, newest.clone(), Heard(2)), newest);
        let merged = log.serve(5, Heard(2)).unwrap();
        assert_eq!(merged.highest_modseq, 9);
        assert_eq!(merged.changed, [message(3, 9, &["\\Seen"])]);
        assert_eq!(
            merged.expunged,
            [4],
            "an expunged message is not among the changed"
        );
    }

    #[test]
    fn a_read_that_does_not_continue_the_log_starts_it_again() {
        let mut log = DeltaLog::default();
        log.take(5, 5, changes(7, vec![], vec![1]), Heard(1));
        log.take(
            2,
            2,
            changes(8, vec![message(9, 8, &[])], vec![1]),
            Heard(2),
        );
        assert_eq!(log.serve(5, Heard(2)).unwrap().changed.len(), 1);
        assert_eq!(log.serve(2, Heard(2)).unwrap().expunged, [1]);
        assert_eq!(log.chunks.len(), 1);
    }

    #[test]
    fn the_log_stays_bounded_and_a_huge_read_is_answered_but_not_kept() {
        let mut log = DeltaLog::default();
        let huge: Vec<MessageState> = (1..=3_000).map(|uid| message(uid, 2, &[])).collect();
        let answer = log.take(1, 1, changes(2, huge, vec![]), Heard(1));
        assert_eq!(answer.changed.len(), 3_000);
        assert_eq!(log.serve(1, Heard(1)), None);
        for n in 0..100 {
            log.take(
                n,
                n,
                changes(n + 1, vec![message(1, n + 1, &[])], vec![]),
                Heard(n),
            );
        }
        assert!(log.chunks.len() <= MAX_CHUNKS);
        assert!(log.entries <= MAX_ENTRIES);
    }

    #[test]
    fn claiming_recent_clears_the_newest_reads_word() {
        let mut log = DeltaLog::default();
        let mut read = changes(7, vec![message(3, 7, &[])], vec![]);
        read.unclaimed_recent = true;
        log.take(5, 5, read, Heard(1));
        log.recent_claimed();
        assert!(!log.serve(5, Heard(1)).unwrap().unclaimed_recent);
    }

    #[test]
    fn folders_are_bounded() {
        let deltas = FolderDeltas::default();
        for id in 0..(MAX_FOLDERS as i64 + 10) {
            deltas.log(FolderId(id), 1);
        }
        assert_eq!(deltas.logs.lock().unwrap().len(), MAX_FOLDERS);
        assert!(deltas.existing(FolderId(0), 1).is_none(), "the oldest went");
    }
}
