//! Session rows and node heartbeats: what lets any node end a session held by another, and
//! what the reaper uses to clear rows of nodes that died.

use crate::error::{conflict, db_err};
use crate::rows;
use crate::sql_store::SqlStore;
use chrono::{DateTime, Utc};
use trekmail_core::clock::to_micros;
use trekmail_core::ids::{NodeId, Principal, SessionId};
use trekmail_core::store::{SessionRow, SessionStore, StoreResult};

/// Takes the credentials row's lock if the epoch still matches. On PostgreSQL a password
/// change in flight holds that lock; this waits for it, then sees the new epoch and matches
/// nothing. Without it, an insert could read the old epoch, commit after the change deleted
/// the owner's sessions, and survive it.
const LOCK_EPOCH: &str = "UPDATE credentials SET epoch = epoch \
     WHERE owner_kind = $1 AND owner_id = $2 AND epoch = $3";
const INSERT: &str = "INSERT INTO sessions (id, owner_kind, owner_id, channel, node_id, remote_ip, \
     started_at, last_seen_at, epoch, token_hash) \
     SELECT $4, $1, $2, $5, $6, $7, $8, $9, $3, $10 \
     WHERE EXISTS (SELECT 1 FROM credentials \
     WHERE owner_kind = $1 AND owner_id = $2 AND epoch = $3)";
/// Session ids are never empty, so `''` stands for "keep none".
const DELETE_OF: &str = "DELETE FROM sessions \
     WHERE owner_kind = $1 AND owner_id = $2 AND id <> COALESCE($3, '')";
const DELETE_ONE: &str = "DELETE FROM sessions WHERE id = $1 RETURNING owner_kind, owner_id";
const OF_OWNER: &str = "SELECT id, owner_kind, owner_id, channel, node_id, remote_ip, started_at, \
     last_seen_at, epoch FROM sessions WHERE owner_kind = $1 AND owner_id = $2 \
     ORDER BY started_at, id";
const WEB: &str = "SELECT s.id, s.owner_kind, s.owner_id, s.channel, s.node_id, s.remote_ip, \
     s.started_at, s.last_seen_at, s.epoch FROM sessions s \
     JOIN credentials c ON c.owner_kind = s.owner_kind AND c.owner_id = s.owner_id \
     WHERE s.token_hash = $1 AND s.epoch = c.epoch";
const OF_NODE: &str = "SELECT id FROM sessions WHERE node_id = $1 ORDER BY id";
const TOUCH: &str = "UPDATE sessions SET last_seen_at = $2 WHERE id = $1";
const HEARTBEAT: &str = "INSERT INTO nodes (id, last_seen_at) VALUES ($1, $2) \
     ON CONFLICT (id) DO UPDATE SET last_seen_at = excluded.last_seen_at";
const REAP_DEAD_NODES_SESSIONS: &str = "DELETE FROM sessions WHERE node_id IN \
     (SELECT id FROM nodes WHERE last_seen_at < $1)";
/// Connection rows of a node with no heartbeat row at all (it died before its first one, or
/// its row went), once they too are older than the cut-off.
const REAP_ORPHANS: &str = "DELETE FROM sessions WHERE node_id IS NOT NULL \
     AND last_seen_at < $1 AND node_id NOT IN (SELECT id FROM nodes)";
const REAP_DEAD_NODES: &str = "DELETE FROM nodes WHERE last_seen_at < $1";
const REAP_IDLE_WEB: &str = "DELETE FROM sessions WHERE node_id IS NULL AND last_seen_at < $1";

#[async_trait::async_trait]
impl SessionStore for SqlStore {
    /// A duplicate id or token hash is a `Conflict`.
    async fn insert_session(
        &self,
        row: &SessionRow,
        token_hash: Option<&[u8]>,
    ) -> StoreResult<bool> {
        let (kind, id) = row.owner.parts();
        let mut tx = self.write_tx().await?;
        let current = sqlx::query(LOCK_EPOCH)
            .bind(kind)
            .bind(id)
            .bind(row.epoch)
            .execute(&mut *tx)
            .await
            .map_err(db_err)?;
        if current.rows_affected() == 0 {
            tx.rollback().await.map_err(db_err)?;
            return Ok(false);
        }
        let done = sqlx::query(INSERT)
            .bind(kind)
            .bind(id)
            .bind(row.epoch)
            .bind(row.id.0.as_str())
            .bind(row.channel.as_str())
            .bind(row.node.as_ref().map(|n| n.0.as_str()))
            .bind(row.remote.map(|ip| ip.to_string()))
            .bind(to_micros(row.started_at))
            .bind(to_micros(row.last_seen_at))
            .bind(token_hash.map(<[u8]>::to_vec))
            .execute(&mut *tx)
            .await
            .map_err(conflict(|| format!("session {} exists already", row.id)))?;
        tx.commit().await.map_err(db_err)?;
        Ok(done.rows_affected() > 0)
    }

    async fn delete_sessions_of(
        &self,
        owner: Principal,
        keep: Option<&SessionId>,
    ) -> StoreResult<u64> {
        let (kind, id) = owner.parts();
        let done = sqlx::query(DELETE_OF)
            .bind(kind)
            .bind(id)
            .bind(keep.map(|s| s.0.as_str()))
            .execute(&self.write)
            .await
            .map_err(db_err)?;
        Ok(done.rows_affected())
    }

    async fn delete_session(&self, id: &SessionId) -> StoreResult<Option<Principal>> {
        let row = sqlx::query(DELETE_ONE)
            .bind(id.0.as_str())
            .fetch_optional(&self.write)
            .await
            .map_err(db_err)?;
        row.as_ref().map(rows::owner).transpose()
    }

    async fn sessions_of(&self, owner: Principal) -> StoreResult<Vec<SessionRow>> {
        let (kind, id) = owner.parts();
        let rows = sqlx::query(OF_OWNER)
            .bind(kind)
            .bind(id)
            .fetch_all(&self.read)
            .await
            .map_err(db_err)?;
        rows.iter().map(rows::session).collect()
    }

    async fn web_session(&self, token_hash: &[u8]) -> StoreResult<Option<SessionRow>> {
        let row = sqlx::query(WEB)
            .bind(token_hash.to_vec())
            .fetch_optional(&self.read)
            .await
            .map_err(db_err)?;
        row.as_ref().map(rows::session).transpose()
    }

    async fn node_session_ids(&self, node: &NodeId) -> StoreResult<Vec<SessionId>> {
        let rows = sqlx::query(OF_NODE)
            .bind(node.0.as_str())
            .fetch_all(&self.read)
            .await
            .map_err(db_err)?;
        rows.iter()
            .map(|r| rows::get(r, "id").map(SessionId))
            .collect()
    }

    /// One transaction, so a node's periodic touch costs one commit however many sessions.
    async fn touch_sessions(&self, ids: &[SessionId], at: DateTime<Utc>) -> StoreResult<()> {
        if ids.is_empty() {
            return Ok(());
        }
        let at = to_micros(at);
        let mut tx = self.write_tx().await?;
        for id in ids {
            sqlx::query(TOUCH)
                .bind(id.0.as_str())
                .bind(at)
                .execute(&mut *tx)
                .await
                .map_err(db_err)?;
        }
        tx.commit().await.map_err(db_err)
    }

    async fn node_heartbeat(&self, node: &NodeId, at: DateTime<Utc>) -> StoreResult<()> {
        sqlx::query(HEARTBEAT)
            .bind(node.0.as_str())
            .bind(to_micros(at))
            .execute(&self.write)
            .await
            .map_err(db_err)?;
        Ok(())
    }

    /// Counts session rows only, not the `nodes` rows of the dead nodes.
    async fn reap_sessions(
        &self,
        nodes_before: DateTime<Utc>,
        web_before: DateTime<Utc>,
    ) -> StoreResult<u64> {
        let nodes_before = to_micros(nodes_before);
        let mut tx = self.write_tx().await?;
        let mut reaped = 0;
        for sql in [REAP_DEAD_NODES_SESSIONS, REAP_ORPHANS] {
            reaped += sqlx::query(sql)
                .bind(nodes_before)
                .execute(&mut *tx)
                .await
                .map_err(db_err)?
                .rows_affected();
        }
        sqlx::query(REAP_DEAD_NODES)
            .bind(nodes_before)
            .execute(&mut *tx)
            .await
            .map_err(db_err)?;
        reaped += sqlx::query(REAP_IDLE_WEB)
            .bind(to_micros(web_before))
            .execute(&mut *tx)
            .await
            .map_err(db_err)?
            .rows_affected();
        tx.commit().await.map_err(db_err)?;
        Ok(reaped)
    }
}
