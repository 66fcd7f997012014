//! A folder's messages as of a mod-sequence, compact (UIDs, flags as bits and keyword numbers,
//! mod-sequences): what a session's view starts from, and what the node keeps of large
//! folders between SELECTs (`folder_states.rs`), brought up to date by change deltas.

use crate::view_flags::{CompactFlags, Keywords};
use trekmail_core::mail::{FolderChanges, MessageState};

/// A message beside its UID.
#[derive(Debug, Clone)]
pub(crate) struct Entry {
    pub(crate) modseq: u64,
    pub(crate) flags: CompactFlags,
}

#[derive(Debug, Clone, Default)]
pub(crate) struct FolderState {
    /// Ascending.
    pub(crate) uids: Vec<u32>,
    pub(crate) entries: Vec<Entry>,
    pub(crate) keywords: Keywords,
    /// Every change up to this mod-sequence is in.
    pub(crate) modseq: u64,
}

impl FolderState {
    /// From every message's state, read when the folder's mod-sequence was `modseq`.
    pub(crate) fn read(states: &[MessageState], modseq: u64) -> FolderState {
        let mut state = FolderState {
            uids: Vec::with_capacity(states.len()),
            entries: Vec::with_capacity(states.len()),
            modseq,
            ..FolderState::default()
        };
        for message in states {
            state.push(message);
        }
        state
    }

    /// A message after every one the state holds.
    fn push(&mut self, message: &MessageState) {
        self.uids.push(message.uid);
        let flags = self.keywords.compact(&message.flags);
        self.entries.push(Entry {
            modseq: message.modseq,
            flags,
        });
    }

    pub(crate) fn len(&self) -> usize {
        self.uids.len()
    }

    /// Takes in a delta read after `self.modseq`: changed messages take their new flags, new
    /// ones join in UID order, expunged ones leave. A change already in (its mod-sequence no
    /// newer) is skipped, so a delta that overlaps what was read leaves the state right.
    pub(crate) fn apply(&mut self, changes: &FolderChanges) {
        let mut added = Vec::new();
        for message in &changes.changed {
            match self.uids.binary_search(&message.uid) {
                Ok(i) => {
                    if let Some(entry) = self.entries.get_mut(i)
                        && entry.modseq < message.modseq
                    {
                        entry.modseq = message.modseq;
                        entry.flags = self.keywords.compact(&message.flags);
                    }
                }
                Err(_) if changes.expunged.binary_search(&message.uid).is_err() => {
                    added.push(message);
                }
                Err(_) => {}
            }
        }
        if !changes.expunged.is_empty() {
            let mut kept = 0;
            for i in 0..self.uids.len() {
                if changes.expunged.binary_search(&self.uids[i]).is_err() {
                    self.uids.swap(kept, i);
                    self.entries.swap(kept, i);
                    kept += 1;
                }
            }
            self.uids.truncate(kept);
            self.entries.truncate(kept);
        }
        // UIDs only grow, so new messages nearly always come after the last one; a sort
        // keeps the order whatever the delta held.
        let sorted = added.is_empty() || self.uids.last() < added.first().map(|m| &m.uid);
        for message in added {
            self.push(message);
        }
        if !sorted {
            let mut pairs: Vec<(u32, Entry)> =
                self.uids.drain(..).zip(self.entries.drain(..)).collect();
            pairs.sort_by_key(|(uid, _)| *uid);
            (self.uids, self.entries) = pairs.into_iter().unzip();
        }
        self.modseq = self.modseq.max(changes.highest_modseq);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use trekmail_core::mail::Flags;

    fn message(uid: u32, modseq: u64, flags: &[&str]) -> MessageState {
        MessageState {
            uid,
            flags: Flags::new(flags.iter().copied()),
            modseq,
        }
    }

    fn seen(state: &FolderState) -> Vec<(u32, bool)> {
        state
            .uids
            .iter()
            .zip(&state.entries)
            .map(|(uid, e)| (*uid, e.flags.has(crate::view_flags::SEEN)))
            .collect()
    }

    #[test]
    fn a_delta_changes_adds_and_removes() {
        let mut state = FolderState::read(
            &[message(1, 1, &[]), message(2, 2, &[]), message(4, 3, &[])],
            3,
        );
        state.apply(&FolderChanges {
            highest_modseq: 7,
            changed: vec![
                message(2, 5, &["\\Seen"]),
                message(5, 6, &[]),
                message(6, 7, &["\\Seen"]),
            ],
            expunged: vec![1, 6],
            ..FolderChanges::default()
        });
        assert_eq!(seen(&state), [(2, true), (4, false), (5, false)]);
        assert_eq!(state.modseq, 7);
    }

    #[test]
    fn a_delta_that_overlaps_the_read_leaves_it_right() {
        // Read after a change the delta tells again: the newer state stays.
        let mut state = FolderState::read(&[message(1, 9, &["\\Seen"])], 8);
        state.apply(&FolderChanges {
            highest_modseq: 9,
            changed: vec![message(1, 9, &["\\Seen"])],
            ..FolderChanges::default()
        });
        assert_eq!(seen(&state), [(1, true)]);
        state.apply(&FolderChanges {
            highest_modseq: 9,
            changed: vec![message(1, 4, &[])],
            ..FolderChanges::default()
        });
        assert_eq!(seen(&state), [(1, true)], "an older state is not taken");
    }

    #[test]
    fn messages_out_of_order_are_sorted_in() {
        let mut state = FolderState::read(&[message(5, 1, &[])], 1);
        state.apply(&FolderChanges {
            highest_modseq: 3,
            changed: vec![message(3, 2, &[]), message(9, 3, &[])],
            ..FolderChanges::default()
        });
        assert_eq!(state.uids, [3, 5, 9]);
    }
}
