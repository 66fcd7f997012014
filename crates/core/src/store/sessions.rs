use super::StoreResult;
use crate::audit::Channel;
use crate::ids::{NodeId, Principal, SessionId};
use chrono::{DateTime, Utc};
use std::net::IpAddr;

/// A live session as stored: connections carry the node that holds them; web sessions carry
/// none, and are found by the hash of their cookie token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionRow {
    pub id: SessionId,
    pub owner: Principal,
    pub channel: Channel,
    pub node: Option<NodeId>,
    pub remote: Option<IpAddr>,
    pub started_at: DateTime<Utc>,
    pub last_seen_at: DateTime<Utc>,
    pub epoch: i64,
}

#[async_trait::async_trait]
pub trait SessionStore: Send + Sync {
    /// Inserts the row only if `row.epoch` is still the owner's credential epoch; `false` when
    /// a password change got there first. Must hold against a concurrent `change_password`
    /// (on PostgreSQL: wait on the credentials row, not just read it).
    async fn insert_session(
        &self,
        row: &SessionRow,
        token_hash: Option<&[u8]>,
    ) -> StoreResult<bool>;
    /// Deletes every session of `owner` but `keep`; returns how many.
    async fn delete_sessions_of(
        &self,
        owner: Principal,
        keep: Option<&SessionId>,
    ) -> StoreResult<u64>;
    /// Deletes one session; returns its owner if it existed.
    async fn delete_session(&self, id: &SessionId) -> StoreResult<Option<Principal>>;
    async fn sessions_of(&self, owner: Principal) -> StoreResult<Vec<SessionRow>>;
    /// A web session by its token hash, only while its epoch is the owner's current one.
    async fn web_session(&self, token_hash: &[u8]) -> StoreResult<Option<SessionRow>>;
    /// The ids of the sessions `node` holds that still have a row.
    async fn node_session_ids(&self, node: &NodeId) -> StoreResult<Vec<SessionId>>;
    async fn touch_sessions(&self, ids: &[SessionId], at: DateTime<Utc>) -> StoreResult<()>;
    /// Marks `node` alive at `at`.
    async fn node_heartbeat(&self, node: &NodeId, at: DateTime<Utc>) -> StoreResult<()>;
    /// Deletes the connection rows of nodes silent since `nodes_before` and web sessions idle
    /// since `web_before`; returns how many rows went.
    async fn reap_sessions(
        &self,
        nodes_before: DateTime<Utc>,
        web_before: DateTime<Utc>,
    ) -> StoreResult<u64>;
}
