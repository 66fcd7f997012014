//! A session's own view of its selected folder (RFC 3501 §2.3.1.2, §7.4.1): the messages its
//! client knows, by sequence number, with their flags and mod-sequences. Changes made
//! elsewhere come in as deltas read by mod-sequence and are told to the client only where the
//! RFC allows: a message expunged elsewhere keeps its number (and stays readable from here
//! as far as the view holds it) until an EXPUNGE may be sent.

use crate::folder_state::{Entry, FolderState};
use crate::view_flags::{CompactFlags, Keywords, SEEN};
use imap_codec::imap_types::flag::{Flag, FlagFetch, FlagPerm};
use std::collections::BTreeSet;
use trekmail_core::mail::{Flags, FolderChanges, RecentClaim};

/// Which messages are \Recent to this session.
#[derive(Debug)]
pub(crate) enum Recent {
    /// Read-write: the UID ranges this session claimed, each `first..next`, ascending (each
    /// claim starts where the folder's last one ended) and each holding a message of the view.
    Claimed(Vec<(u32, u32)>),
    /// Read-only (EXAMINE): what no session had claimed when the folder was opened, claiming
    /// nothing itself.
    From(u32),
}

/// An untagged response the view asks the client to be told, in the order given.
#[derive(Debug, PartialEq)]
pub(crate) enum Untagged {
    Flags(Vec<Flag<'static>>),
    PermanentFlags(Vec<FlagPerm<'static>>),
    Expunge(u32),
    Vanished(Vec<u32>),
    Exists(u32),
    Recent(u32),
    Fetch {
        seq: u32,
        uid: u32,
        flags: Vec<FlagFetch<'static>>,
        modseq: u64,
    },
}

/// How the client is to be told of changes now.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Telling {
    /// Not while a FETCH, STORE or SEARCH by sequence number runs (RFC 3501 §7.4.1).
    pub(crate) expunges: bool,
    /// QRESYNC is on: expunges are told as VANISHED (RFC 7162 §3.2.10).
    pub(crate) vanished: bool,
}

#[derive(Debug)]
pub(crate) struct View {
    /// The client's sequence map: UIDs ascending, expunged-elsewhere ones still among them.
    uids: Vec<u32>,
    entries: Vec<Entry>,
    pub(crate) keywords: Keywords,
    /// Changes up to this mod-sequence are in the view.
    modseq: u64,
    recent: Recent,
    read_only: bool,
    /// Expunged in the store, not yet told.
    gone: BTreeSet<u32>,
    /// Flags changed elsewhere, not yet told.
    flag_news: BTreeSet<u32>,
    told_exists: usize,
    told_recent: usize,
}

impl View {
    /// The view of a folder just opened, as `state` holds it.
    pub(crate) fn open(state: FolderState, recent: Recent, read_only: bool) -> View {
        let FolderState {
            uids,
            entries,
            keywords,
            modseq,
        } = state;
        let mut view = View {
            told_exists: uids.len(),
            uids,
            entries,
            keywords,
            modseq,
            recent,
            read_only,
            gone: BTreeSet::new(),
            flag_news: BTreeSet::new(),
            told_recent: 0,
        };
        view.told_recent = view.recent_count();
        view
    }

    /// Opened with EXAMINE.
    pub(crate) fn read_only(&self) -> bool {
        self.read_only
    }

    pub(crate) fn len(&self) -> usize {
        self.uids.len()
    }

    /// The sequence map, for resolving sets.
    pub(crate) fn uids(&self) -> &[u32] {
        &self.uids
    }

    pub(crate) fn modseq(&self) -> u64 {
        self.modseq
    }

    /// The zero-based position of a UID the view holds.
    pub(crate) fn position(&self, uid: u32) -> Option<usize> {
        self.uids.binary_search(&uid).ok()
    }

    /// The number of the first message without \Seen, for SELECT's `[UNSEEN]`.
    pub(crate) fn first_unseen(&self) -> Option<u32> {
        let at = self.entries.iter().position(|e| !e.flags.has(SEEN))?;
        Some(count(at + 1))
    }

    pub(crate) fn flags_at(&self, position: usize) -> Option<&CompactFlags> {
        self.entries.get(position).map(|e| &e.flags)
    }

    pub(crate) fn modseq_at(&self, position: usize) -> Option<u64> {
        self.entries.get(position).map(|e| e.modseq)
    }

    /// Expunged elsewhere and not told yet.
    pub(crate) fn is_gone(&self, uid: u32) -> bool {
        self.gone.contains(&uid)
    }

    pub(crate) fn is_recent(&self, uid: u32) -> bool {
        match &self.recent {
            Recent::Claimed(ranges) => {
                let at = ranges.partition_point(|(_, next)| *next <= uid);
                ranges.get(at).is_some_and(|(first, _)| *first <= uid)
            }
            Recent::From(first) => uid >= *first,
        }
    }

    pub(crate) fn recent_count(&self) -> usize {
        match &self.recent {
            Recent::Claimed(ranges) => ranges.iter().map(|(a, b)| held(&self.uids, *a, *b)).sum(),
            Recent::From(first) => held(&self.uids, *first, u32::MAX),
        }
    }

    /// The flags FETCH shows for the message at `position`.
    pub(crate) fn fetch_flags(&self, position: usize) -> Vec<FlagFetch<'static>> {
        match (self.uids.get(position), self.entries.get(position)) {
            (Some(uid), Some(entry)) => self.keywords.fetch(&entry.flags, self.is_recent(*uid)),
            _ => Vec::new(),
        }
    }

    pub(crate) fn claimed(&mut self, claim: RecentClaim) {
        if let Recent::Claimed(ranges) = &mut self.recent
            && claim.first < claim.next
        {
            // Claims follow one another: one range grows rather than one per new message.
            match ranges.last_mut() {
                Some((_, next)) if *next == claim.first => *next = claim.next,
                _ => ranges.push((claim.first, claim.next)),
            }
        }
    }

    /// Takes in what changed elsewhere; returns whether messages were added.
    pub(crate) fn apply(&mut self, changes: FolderChanges) -> bool {
        let mut added = false;
        for state in changes.changed {
            match self.uids.binary_search(&state.uid) {
                Ok(i) => {
                    let Some(entry) = self.entries.get_mut(i) else {
                        continue;
                    };
                    if entry.modseq >= state.modseq {
                        continue;
                    }
                    entry.modseq = state.modseq;
                    let flags = self.keywords.compact(&state.flags);
                    if flags != entry.flags {
                        entry.flags = flags;
                        self.flag_news.insert(state.uid);
                    }
                }
                // New messages come in UID order, after every UID the view has; one expunged
                // in the same delta is never shown.
                Err(i) if i == self.uids.len() => {
                    if changes.expunged.binary_search(&state.uid).is_ok() {
                        continue;
                    }
                    self.uids.push(state.uid);
                    self.entries.push(Entry {
                        modseq: state.modseq,
                        flags: self.keywords.compact(&state.flags),
                    });
                    added = true;
                }
                Err(_) => {}
            }
        }
        for uid in changes.expunged {
            if self.uids.binary_search(&uid).is_ok() {
                self.gone.insert(uid);
                self.flag_news.remove(&uid);
            }
        }
        self.modseq = self.modseq.max(changes.highest_modseq);
        added
    }

    /// This session's own STORE: the view takes the new flags without telling them again.
    pub(crate) fn stored(&mut self, uid: u32, flags: &Flags, modseq: u64) {
        if let Ok(i) = self.uids.binary_search(&uid)
            && let Some(entry) = self.entries.get_mut(i)
            && entry.modseq <= modseq
        {
            entry.modseq = modseq;
            entry.flags = self.keywords.compact(flags);
        }
    }

    /// This session's own EXPUNGE or MOVE: told at once, the command allowing it.
    pub(crate) fn expunged(&mut self, uids: &[u32]) {
        for uid in uids {
            if self.uids.binary_search(uid).is_ok() {
                self.gone.insert(*uid);
            }
        }
    }

    /// What the client is to be told now, in order: new keywords, expunges (if `telling`
    /// allows), a grown EXISTS, RECENT, and flags changed elsewhere.
    pub(crate) fn tell(&mut self, telling: Telling) -> Vec<Untagged> {
        let mut out = Vec::new();
        if self.keywords.news() {
            out.push(Untagged::Flags(self.keywords.announce()));
            out.push(Untagged::PermanentFlags(match self.read_only {
                true => Vec::new(),
                false => self.keywords.permanent(),
            }));
        }
        if telling.expunges && !self.gone.is_empty() {
            out.extend(self.drop_gone(telling.vanished));
        }
        if self.uids.len() > self.told_exists {
            out.push(Untagged::Exists(count(self.uids.len())));
        }
        self.told_exists = self.uids.len();
        let recent = self.recent_count();
        if recent != self.told_recent {
            out.push(Untagged::Recent(count(recent)));
            self.told_recent = recent;
        }
        for uid in std::mem::take(&mut self.flag_news) {
            let Some(i) = self.position(uid) else {
                continue;
            };
            out.push(Untagged::Fetch {
                seq: count(i + 1),
                uid,
                flags: self.fetch_flags(i),
                modseq: self.modseq_at(i).unwrap_or(0),
            });
        }
        out
    }

    /// Drops the expunged messages in one pass. Told from the highest number down, each
    /// EXPUNGE leaves the numbers below it as they were.
    fn drop_gone(&mut self, vanished: bool) -> Vec<Untagged> {
        let gone = std::mem::take(&mut self.gone);
        let mut told = Vec::with_capacity(gone.len());
        if vanished {
            told.push(Untagged::Vanished(gone.iter().copied().collect()));
        } else {
            for uid in gone.iter().rev() {
                if let Some(i) = self.position(*uid) {
                    told.push(Untagged::Expunge(count(i + 1)));
                }
            }
        }
        let uids = &self.uids;
        let mut index = 0;
        self.entries.retain(|_| {
            let keep = uids.get(index).is_none_or(|uid| !gone.contains(uid));
            index += 1;
            keep
        });
        self.uids.retain(|uid| !gone.contains(uid));
        // Claims interleave with other sessions' (one range a message): keep only ranges
        // that still hold one, so counting \Recent costs what the view's recent ones do.
        if let Recent::Claimed(ranges) = &mut self.recent {
            ranges.retain(|(first, next)| held(&self.uids, *first, *next) > 0);
        }
        self.told_exists = self.told_exists.saturating_sub(gone.len());
        self.told_recent = self.recent_count();
        told
    }
}

/// How many of `uids` (ascending) lie in `first..next`.
fn held(uids: &[u32], first: u32, next: u32) -> usize {
    uids.partition_point(|u| *u < next) - uids.partition_point(|u| *u < first)
}

fn count(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;
    use trekmail_core::mail::MessageState;

    fn state(uid: u32, flags: &[&str], modseq: u64) -> MessageState {
        MessageState {
            uid,
            flags: Flags::new(flags.iter().copied()),
            modseq,
        }
    }

    const ALL: Telling = Telling {
        expunges: true,
        vanished: false,
    };
    const NO_EXPUNGES: Telling = Telling {
        expunges: false,
        vanished: false,
    };

    fn opened() -> View {
        let states: Vec<MessageState> = (1..=5).map(|uid| state(uid, &[], 1)).collect();
        View::open(
            FolderState::read(&states, 1),
            Recent::Claimed(vec![(4, 6)]),
            false,
        )
    }

    #[test]
    fn changes_are_told_where_allowed_and_expunges_number_from_the_top() {
        let mut view = opened();
        assert_eq!(view.recent_count(), 2);
        let added = view.apply(FolderChanges {
            highest_modseq: 4,
            changed: vec![state(2, &["\\Seen"], 3), state(6, &["$New"], 2)],
            expunged: vec![1, 4],
            unclaimed_recent: false,
        });
        assert!(added);
        // During a FETCH: no expunge, but the new keyword, EXISTS and the flags change.
        let told = view.tell(NO_EXPUNGES);
        assert!(
            matches!(told[0], Untagged::Flags(ref f) if f.len() == 6),
            "{told:?}"
        );
        assert!(matches!(told[1], Untagged::PermanentFlags(_)));
        assert_eq!(told[2], Untagged::Exists(6));
        assert!(
            matches!(
                told[3],
                Untagged::Fetch {
                    seq: 2,
                    uid: 2,
                    modseq: 3,
                    ..
                }
            ),
            "{told:?}"
        );
        assert_eq!(view.len(), 6);
        assert!(view.is_gone(4));
        // Then expunges, highest first; the client counts the recent one that went itself.
        let told = view.tell(ALL);
        assert_eq!(told, vec![Untagged::Expunge(4), Untagged::Expunge(1)]);
        assert_eq!(view.recent_count(), 1);
        assert_eq!(view.uids(), &[2, 3, 5, 6]);
        assert_eq!(view.position(6), Some(3));
        assert!(view.tell(ALL).is_empty());
    }

    #[test]
    fn own_changes_are_not_told_again_and_qresync_says_vanished() {
        let mut view = opened();
        view.stored(3, &Flags::new(["\\Flagged"]), 2);
        view.apply(FolderChanges {
            highest_modseq: 2,
            changed: vec![state(3, &["\\Flagged"], 2)],
            expunged: vec![],
            unclaimed_recent: false,
        });
        assert!(view.tell(ALL).is_empty());
        view.expunged(&[2, 3, 99]);
        let told = view.tell(Telling {
            expunges: true,
            vanished: true,
        });
        assert_eq!(told, vec![Untagged::Vanished(vec![2, 3])]);
        assert_eq!(view.uids(), &[1, 4, 5]);
    }

    #[test]
    fn claims_that_follow_one_another_are_one_range() {
        let mut view = opened();
        view.claimed(RecentClaim { first: 6, next: 8 });
        view.claimed(RecentClaim { first: 8, next: 9 });
        view.claimed(RecentClaim { first: 9, next: 9 });
        assert!(matches!(&view.recent, Recent::Claimed(r) if r == &vec![(4, 9)]));
        assert!(view.is_recent(8) && !view.is_recent(3));
    }

    #[test]
    fn claims_between_other_sessions_stay_apart_and_go_with_their_messages() {
        let mut view = opened();
        let arrivals: Vec<MessageState> = (6..=20).map(|uid| state(uid, &[], 2)).collect();
        view.apply(FolderChanges {
            highest_modseq: 2,
            changed: arrivals,
            expunged: Vec::new(),
            unclaimed_recent: false,
        });
        // This session claims every other arrival, another session those between.
        for uid in (7..=19).step_by(2) {
            view.claimed(RecentClaim {
                first: uid,
                next: uid + 1,
            });
        }
        let recent: Vec<u32> = (1..=20).filter(|uid| view.is_recent(*uid)).collect();
        assert_eq!(recent, [4, 5, 7, 9, 11, 13, 15, 17, 19]);
        assert_eq!(view.recent_count(), 9);
        view.apply(FolderChanges {
            highest_modseq: 3,
            changed: Vec::new(),
            expunged: vec![4, 5, 7, 9, 10, 11],
            unclaimed_recent: false,
        });
        view.tell(ALL);
        assert_eq!(view.recent_count(), 4);
        assert!(
            matches!(&view.recent, Recent::Claimed(r) if r == &vec![(13, 14), (15, 16), (17, 18), (19, 20)]),
            "{:?}",
            view.recent
        );
        assert!(view.is_recent(15) && !view.is_recent(14) && !view.is_recent(20));
    }

    #[test]
    fn a_message_added_and_expunged_in_one_delta_is_never_shown() {
        let mut view = opened();
        let added = view.apply(FolderChanges {
            highest_modseq: 3,
            changed: vec![state(7, &[], 2)],
            expunged: vec![7],
            unclaimed_recent: false,
        });
        assert!(!added);
        assert!(view.tell(ALL).is_empty());
        assert_eq!(view.modseq(), 3);
    }
}
