//! This node's share of the registry: a cancellation token per open connection or event
//! stream, indexed by owner and by session id so that either kind of ending is one lookup.

use crate::ids::{Principal, SessionId};
use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, AtomicUsize, Ordering};
use std::time::Instant;
use tokio::sync::Notify;
use tokio_util::sync::CancellationToken;

/// The entries one ending cancelled, so the ender can wait until every one has closed with a
/// single wake-up.
#[derive(Default)]
pub(crate) struct CloseBatch {
    pending: AtomicUsize,
    done: Notify,
}

impl CloseBatch {
    /// Completes when every entry of the batch has closed.
    pub async fn closed(&self) {
        if self.pending.load(Ordering::Acquire) > 0 {
            self.done.notified().await;
        }
    }

    fn one_closed(&self) {
        if self.pending.fetch_sub(1, Ordering::AcqRel) == 1 {
            self.done.notify_one();
        }
    }
}

/// One open connection or event stream on this node.
pub(crate) struct LocalEntry {
    pub session: SessionId,
    pub owner: Principal,
    pub cancel: CancellationToken,
    /// When the holder last showed activity not yet written to the store (micros; 0: none).
    pub touched: Arc<AtomicI64>,
    /// For event streams of web sessions: the token hash, to re-check the session exists.
    pub web_token_hash: Option<Vec<u8>>,
    /// Set once the session's row is in the store, so a sweep never mistakes a session still
    /// being opened for one ended elsewhere.
    pub confirmed: bool,
    /// The endings waiting for this entry to close.
    pub batches: Vec<Arc<CloseBatch>>,
    /// When an ending first reached this entry: how long it took to close is a metric.
    pub ending_since: Option<Instant>,
}

#[derive(Default)]
pub(crate) struct LocalSessions {
    next_key: u64,
    entries: HashMap<u64, LocalEntry>,
    by_owner: HashMap<Principal, HashSet<u64>>,
    by_session: HashMap<SessionId, HashSet<u64>>,
}

impl LocalSessions {
    pub fn insert(&mut self, entry: LocalEntry) -> u64 {
        self.next_key += 1;
        let key = self.next_key;
        self.by_owner.entry(entry.owner).or_default().insert(key);
        self.by_session
            .entry(entry.session.clone())
            .or_default()
            .insert(key);
        self.entries.insert(key, entry);
        key
    }

    pub fn remove(&mut self, key: u64) -> Option<LocalEntry> {
        let entry = self.entries.remove(&key)?;
        remove_from(&mut self.by_owner, &entry.owner, key);
        remove_from(&mut self.by_session, &entry.session, key);
        for batch in &entry.batches {
            batch.one_closed();
        }
        Some(entry)
    }

    /// Marks every entry of `owner` but those of session `keep` as ending: adds it to `batch`
    /// (once) and returns the tokens to cancel, for the caller to cancel outside the lock.
    pub fn ending_owner(
        &mut self,
        owner: Principal,
        keep: Option<&SessionId>,
        batch: &Arc<CloseBatch>,
    ) -> Vec<CancellationToken> {
        let Some(keys) = self.by_owner.get(&owner) else {
            return Vec::new();
        };
        let mut tokens = Vec::with_capacity(keys.len());
        for key in keys {
            let Some(entry) = self.entries.get_mut(key) else {
                continue;
            };
            if Some(&entry.session) == keep || entry.batches.iter().any(|b| Arc::ptr_eq(b, batch)) {
                continue;
            }
            batch.pending.fetch_add(1, Ordering::AcqRel);
            entry.batches.push(batch.clone());
            entry.ending_since.get_or_insert_with(Instant::now);
            tokens.push(entry.cancel.clone());
        }
        tokens
    }

    pub fn cancel_session(&mut self, id: &SessionId) -> usize {
        let Some(keys) = self.by_session.get(id) else {
            return 0;
        };
        let mut cancelled = 0;
        for key in keys {
            if let Some(e) = self.entries.get_mut(key) {
                e.ending_since.get_or_insert_with(Instant::now);
                e.cancel.cancel();
                cancelled += 1;
            }
        }
        cancelled
    }

    pub fn confirm(&mut self, key: u64) {
        if let Some(e) = self.entries.get_mut(&key) {
            e.confirmed = true;
        }
    }

    pub fn entries(&self) -> impl Iterator<Item = &LocalEntry> {
        self.entries.values()
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }
}

fn remove_from<K: std::hash::Hash + Eq + Clone>(
    index: &mut HashMap<K, HashSet<u64>>,
    k: &K,
    key: u64,
) {
    if let Some(set) = index.get_mut(k) {
        set.remove(&key);
        if set.is_empty() {
            index.remove(k);
        }
    }
}
