use super::live_session::{LiveSession, ResumedWeb, SessionWatch};
use super::local::{CloseBatch, LocalEntry, LocalSessions};
use crate::audit::Channel;
use crate::auth::Authenticated;
use crate::clock::{Clock, to_micros};
use crate::cluster::{ClusterLink, ClusterMessage, Envelope};
use crate::error::CoreError;
use crate::ids::{NodeId, Principal, SessionId};
use crate::metrics::Metrics;
use crate::security::random;
use crate::store::{SessionRow, Store};
use chrono::{DateTime, Utc};
use sha2::{Digest, Sha256};
use std::collections::HashSet;
use std::net::IpAddr;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;
use tokio_util::sync::CancellationToken;
use zeroize::Zeroizing;

/// The registry's clocks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RegistryTimings {
    /// How often this node re-checks its sessions against the store, writes activity and
    /// heartbeats: the backstop when a cross-node message is lost.
    pub sweep_every: Duration,
    /// A node silent this long is taken for dead; its connection rows are removed.
    pub node_timeout: Duration,
    /// A web session unused this long expires.
    pub web_idle: Duration,
    /// A web session this old expires however busy it is, so a stolen cookie is not good for
    /// ever.
    pub web_absolute: Duration,
    /// How long ending sessions waits for this node's connections to close.
    pub close_wait: Duration,
}

impl Default for RegistryTimings {
    fn default() -> RegistryTimings {
        RegistryTimings {
            sweep_every: Duration::from_secs(5),
            node_timeout: Duration::from_secs(60),
            web_idle: Duration::from_secs(24 * 3600),
            web_absolute: Duration::from_secs(7 * 24 * 3600),
            close_wait: Duration::from_secs(2),
        }
    }
}

/// A web session's cookie value: 256 random bits, shown once to the browser; the store keeps
/// only its hash.
pub struct WebToken(Zeroizing<String>);

impl WebToken {
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for WebToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("WebToken(redacted)")
    }
}

/// Web sessions' last-seen time is written at most this often.
const WEB_TOUCH_EVERY_SECS: i64 = 60;

/// Live sessions of every channel: rows in the store (so any node can list and end them) and,
/// for connections and event streams on this node, a cancellation token each.
pub struct SessionRegistry {
    node: NodeId,
    store: Arc<dyn Store>,
    link: Arc<dyn ClusterLink>,
    clock: Arc<dyn Clock>,
    timings: RegistryTimings,
    local: Mutex<LocalSessions>,
    metrics: Metrics,
}

impl SessionRegistry {
    pub fn new(
        node: NodeId,
        store: Arc<dyn Store>,
        link: Arc<dyn ClusterLink>,
        clock: Arc<dyn Clock>,
        timings: RegistryTimings,
        metrics: Metrics,
    ) -> Arc<SessionRegistry> {
        Arc::new(SessionRegistry {
            node,
            store,
            link,
            clock,
            timings,
            local: Mutex::new(LocalSessions::default()),
            metrics,
        })
    }

    pub fn node(&self) -> &NodeId {
        &self.node
    }

    pub(crate) fn now(&self) -> DateTime<Utc> {
        self.clock.now()
    }

    /// Registers an IMAP or SMTP connection. Refused (`Denied`) when the credentials changed
    /// after the proof was made: a sign-in racing a password change never gets through.
    pub async fn open_connection(
        self: &Arc<Self>,
        auth: &Authenticated,
        channel: Channel,
        remote: Option<IpAddr>,
    ) -> Result<LiveSession, CoreError> {
        let id = SessionId(random::hex_token()?);
        let cancel = CancellationToken::new();
        let touched = Arc::new(AtomicI64::new(0));
        // The local entry goes in before the row: an ending that deletes the row after this
        // point also finds the entry.
        let key = self.lock().insert(LocalEntry {
            session: id.clone(),
            owner: auth.principal(),
            cancel: cancel.clone(),
            touched: touched.clone(),
            web_token_hash: None,
            confirmed: false,
            batches: Vec::new(),
            ending_since: None,
        });
        let session = LiveSession {
            id: id.clone(),
            owner: auth.principal(),
            key,
            cancel,
            touched,
            registry: self.clone(),
        };
        let row = self.row(id, auth, channel, Some(self.node.clone()), remote);
        if self.store.insert_session(&row, None).await? {
            self.lock().confirm(key);
            Ok(session)
        } else {
            Err(CoreError::Denied)
        }
    }

    /// Opens a webmail or dashboard session; the token goes into the browser's cookie.
    pub async fn open_web(
        &self,
        auth: &Authenticated,
        channel: Channel,
        remote: Option<IpAddr>,
    ) -> Result<(SessionRow, WebToken), CoreError> {
        let token = WebToken(Zeroizing::new(
            data_encoding::HEXLOWER.encode(&random::bytes::<32>()?),
        ));
        let row = self.row(SessionId(random::hex_token()?), auth, channel, None, remote);
        if self
            .store
            .insert_session(&row, Some(&token_hash(token.expose())))
            .await?
        {
            Ok((row, token))
        } else {
            Err(CoreError::Denied)
        }
    }

    /// The web session a cookie token belongs to, while it is live and its credentials are
    /// unchanged.
    pub async fn resume_web(&self, token: &str) -> Result<Option<ResumedWeb>, CoreError> {
        let Some(mut row) = self.live_web(&token_hash(token)).await? else {
            return Ok(None);
        };
        let now = self.now();
        if (now - row.last_seen_at).num_seconds() >= WEB_TOUCH_EVERY_SECS {
            self.store
                .touch_sessions(std::slice::from_ref(&row.id), now)
                .await?;
            row.last_seen_at = now;
        }
        Ok(Some(ResumedWeb::new(row)))
    }

    /// The web session with this token hash, unless it is gone or expired: unused for the
    /// idle time, or older than the absolute lifetime (by the registry's clock). An expired
    /// one is ended here, so its event streams on every node end too.
    async fn live_web(&self, hash: &[u8]) -> Result<Option<SessionRow>, CoreError> {
        let Some(row) = self.store.web_session(hash).await? else {
            return Ok(None);
        };
        let now = self.now();
        let older_than =
            |at: DateTime<Utc>, limit: Duration| (now - at).to_std().is_ok_and(|age| age >= limit);
        if older_than(row.started_at, self.timings.web_absolute)
            || older_than(row.last_seen_at, self.timings.web_idle)
        {
            self.end_one(&row.id).await?;
            return Ok(None);
        }
        Ok(Some(row))
    }

    /// Watches a web session for an event stream: the watch ends when the session does.
    pub async fn watch(
        self: &Arc<Self>,
        token: &str,
    ) -> Result<Option<(SessionRow, SessionWatch)>, CoreError> {
        let hash = token_hash(token);
        let cancel = CancellationToken::new();
        let Some(row) = self.live_web(&hash).await? else {
            return Ok(None);
        };
        let key = self.lock().insert(LocalEntry {
            session: row.id.clone(),
            owner: row.owner,
            cancel: cancel.clone(),
            touched: Arc::new(AtomicI64::new(0)),
            web_token_hash: Some(hash.clone()),
            confirmed: true,
            batches: Vec::new(),
            ending_since: None,
        });
        let watch = SessionWatch {
            id: row.id.clone(),
            key,
            cancel,
            registry: self.clone(),
        };
        // Ended between the read and the insert: the entry would have missed the ending.
        if self.store.web_session(&hash).await?.is_none() {
            watch.cancel.cancel();
        }
        Ok(Some((row, watch)))
    }

    /// Ends every session of `owner` on every node, but `keep`. Returns how many there were.
    pub async fn end_all(
        &self,
        owner: Principal,
        keep: Option<&SessionId>,
    ) -> Result<u64, CoreError> {
        // This node's connections start closing while the rows go; the second pass in
        // `finish_ending` catches one that registered meanwhile.
        let batch = Arc::new(CloseBatch::default());
        self.cancel_local(owner, keep, &batch);
        let ended = self.store.delete_sessions_of(owner, keep).await?;
        self.finish_ending(owner, keep, batch).await;
        Ok(ended)
    }

    /// Ends one session; returns its owner if it existed.
    pub async fn end_one(&self, id: &SessionId) -> Result<Option<Principal>, CoreError> {
        let owner = self.store.delete_session(id).await?;
        if owner.is_some() {
            self.lock().cancel_session(id);
            self.broadcast(ClusterMessage::EndSession { id: id.clone() })
                .await;
        }
        Ok(owner)
    }

    /// The sessions of `owner` across every node, newest first, with this node's unsaved
    /// activity applied.
    pub async fn list(&self, owner: Principal) -> Result<Vec<SessionRow>, CoreError> {
        let mut rows = self.store.sessions_of(owner).await?;
        let local = self.lock();
        for entry in local.entries().filter(|e| e.owner == owner) {
            let touched = entry.touched.load(Ordering::Relaxed);
            if let Some(row) = rows.iter_mut().find(|r| r.id == entry.session)
                && touched > to_micros(row.last_seen_at)
            {
                row.last_seen_at = crate::clock::from_micros(touched);
            }
        }
        drop(local);
        rows.sort_by_key(|r| std::cmp::Reverse(r.started_at));
        Ok(rows)
    }

    /// After the store deleted `owner`'s rows (a password change, a recovery, a deletion):
    /// ends this node's connections, tells the other nodes, and waits briefly for this node's
    /// connections to close.
    pub(crate) async fn rows_deleted(&self, owner: Principal, keep: Option<&SessionId>) {
        self.finish_ending(owner, keep, Arc::new(CloseBatch::default()))
            .await;
    }

    async fn finish_ending(
        &self,
        owner: Principal,
        keep: Option<&SessionId>,
        batch: Arc<CloseBatch>,
    ) {
        self.cancel_local(owner, keep, &batch);
        self.broadcast(ClusterMessage::EndSessions {
            owner,
            except: keep.cloned(),
        })
        .await;
        if tokio::time::timeout(self.timings.close_wait, batch.closed())
            .await
            .is_err()
        {
            tracing::warn!(%owner, "sessions still closing after the wait");
        }
    }

    fn cancel_local(&self, owner: Principal, keep: Option<&SessionId>, batch: &Arc<CloseBatch>) {
        let tokens = self.lock().ending_owner(owner, keep, batch);
        for token in tokens {
            token.cancel();
        }
    }

    /// Applies a message from another node.
    pub fn apply(&self, message: &ClusterMessage) {
        match message {
            ClusterMessage::EndSessions { owner, except } => {
                self.cancel_local(*owner, except.as_ref(), &Arc::new(CloseBatch::default()));
            }
            ClusterMessage::EndSession { id } => {
                self.lock().cancel_session(id);
            }
            ClusterMessage::Event { .. } | ClusterMessage::Mail { .. } => {}
        }
    }

    /// The backstop: ends local sessions whose rows are gone (a lost message), removes rows no
    /// local session holds, writes activity, heartbeats this node and reaps rows of dead nodes
    /// and idle web sessions.
    pub async fn sweep(&self) -> Result<(), CoreError> {
        let now = self.now();
        self.store.node_heartbeat(&self.node, now).await?;
        let (connections, watched, touched) = self.snapshot();
        let live: HashSet<SessionId> = self
            .store
            .node_session_ids(&self.node)
            .await?
            .into_iter()
            .collect();
        let mut gone: Vec<SessionId> = connections
            .into_iter()
            .filter(|id| !live.contains(id))
            .collect();
        // Rows of this node that no connection holds any more (a close whose delete was lost,
        // or an ending that raced a new row): taken after the query, so a session opened
        // meanwhile is held already.
        let held: HashSet<SessionId> = self.lock().entries().map(|e| e.session.clone()).collect();
        for orphan in live.iter().filter(|id| !held.contains(*id)) {
            self.store.delete_session(orphan).await?;
        }
        for (id, hash) in watched {
            if self.live_web(&hash).await?.is_none() {
                gone.push(id);
            }
        }
        {
            let mut local = self.lock();
            for id in &gone {
                local.cancel_session(id);
            }
        }
        if !touched.is_empty() {
            self.store.touch_sessions(&touched, now).await?;
        }
        let before = |d: Duration| now - chrono::Duration::from_std(d).unwrap_or_default();
        self.store
            .reap_sessions(
                before(self.timings.node_timeout),
                before(self.timings.web_idle),
            )
            .await?;
        Ok(())
    }

    /// Whether messages from other nodes can reach this one.
    pub fn link_up(&self) -> bool {
        self.link.is_up()
    }

    /// How many connections and event streams this node holds.
    pub fn local_count(&self) -> usize {
        self.lock().len()
    }

    /// Removes a dropped connection or stream; a connection that closed by itself also
    /// removes its row.
    pub(super) fn close(&self, key: u64, id: &SessionId, delete_row: bool) {
        let removed = self.lock().remove(key);
        if let Some(since) = removed.as_ref().and_then(|e| e.ending_since) {
            self.metrics.session_closed_after_end(since.elapsed());
        }
        let ended_already = removed.as_ref().is_none_or(|e| e.cancel.is_cancelled());
        if !delete_row || ended_already {
            return;
        }
        if let Ok(handle) = tokio::runtime::Handle::try_current() {
            let store = self.store.clone();
            let id = id.clone();
            handle.spawn(async move {
                if let Err(e) = store.delete_session(&id).await {
                    tracing::warn!(session = %id, error = %e, "closed session's row not removed; the sweep will");
                }
            });
        }
    }

    /// Confirmed connections, watched web sessions and activity to write, taken at once.
    #[allow(clippy::type_complexity)]
    fn snapshot(&self) -> (Vec<SessionId>, Vec<(SessionId, Vec<u8>)>, Vec<SessionId>) {
        let local = self.lock();
        let mut connections = Vec::new();
        let mut watched = Vec::new();
        let mut touched = Vec::new();
        for e in local.entries() {
            match &e.web_token_hash {
                Some(hash) => watched.push((e.session.clone(), hash.clone())),
                None if e.confirmed => connections.push(e.session.clone()),
                None => {}
            }
            if e.touched.swap(0, Ordering::Relaxed) != 0 {
                touched.push(e.session.clone());
            }
        }
        (connections, watched, touched)
    }

    pub(crate) async fn broadcast(&self, message: ClusterMessage) {
        let envelope = Envelope {
            origin: self.node.clone(),
            message,
        };
        if let Err(e) = self.link.send(&envelope).await {
            tracing::warn!(error = %e, "could not reach the other nodes; their sweep will catch up");
        }
    }

    fn row(
        &self,
        id: SessionId,
        auth: &Authenticated,
        channel: Channel,
        node: Option<NodeId>,
        remote: Option<IpAddr>,
    ) -> SessionRow {
        let now = self.now();
        SessionRow {
            id,
            owner: auth.principal(),
            channel,
            node,
            remote,
            started_at: now,
            last_seen_at: now,
            epoch: auth.epoch(),
        }
    }

    fn lock(&self) -> MutexGuard<'_, LocalSessions> {
        self.local.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// What the store keeps of a web token.
fn token_hash(token: &str) -> Vec<u8> {
    Sha256::digest(token.as_bytes()).to_vec()
}
