//! The audit log: appended inside the transaction of the change it records, read newest first.

use crate::error::db_err;
use crate::rows;
use crate::sql_store::SqlStore;
use sqlx::AnyConnection;
use trekmail_core::audit::AuditEvent;
use trekmail_core::clock::to_micros;
use trekmail_core::ids::Principal;
use trekmail_core::store::{AuditRecord, AuditStore, StoreResult};

const INSERT: &str = "INSERT INTO audit_events \
     (at, kind, account_id, owner_kind, owner_id, subject, channel, remote_ip, detail) \
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)";

const OF_OWNER: &str = "SELECT id, at, kind, account_id, owner_kind, owner_id, subject, channel, \
     remote_ip, detail FROM audit_events WHERE owner_kind = $1 AND owner_id = $2 \
     ORDER BY id DESC LIMIT $3";

/// Writes `event` on `conn`, usually a transaction's connection so the record commits (or
/// not) with the change.
pub(crate) async fn insert(conn: &mut AnyConnection, event: &AuditEvent) -> StoreResult<()> {
    let (owner_kind, owner_id) = match event.principal.map(Principal::parts) {
        Some((kind, id)) => (Some(kind), Some(id)),
        None => (None, None),
    };
    sqlx::query(INSERT)
        .bind(to_micros(event.at))
        .bind(event.kind.as_str())
        .bind(event.account_id.map(|a| a.0))
        .bind(owner_kind)
        .bind(owner_id)
        .bind(event.subject.as_str())
        .bind(event.channel.as_str())
        .bind(event.remote.map(|ip| ip.to_string()))
        .bind(event.detail.as_str())
        .execute(conn)
        .await
        .map_err(db_err)?;
    Ok(())
}

#[async_trait::async_trait]
impl AuditStore for SqlStore {
    async fn append_audit(&self, event: &AuditEvent) -> StoreResult<()> {
        let mut conn = self.write.acquire().await.map_err(db_err)?;
        insert(&mut conn, event).await
    }

    async fn audit_of(&self, who: Principal, limit: u32) -> StoreResult<Vec<AuditRecord>> {
        let (kind, id) = who.parts();
        let rows = sqlx::query(OF_OWNER)
            .bind(kind)
            .bind(id)
            .bind(i64::from(limit))
            .fetch_all(&self.read)
            .await
            .map_err(db_err)?;
        rows.iter().map(rows::audit_record).collect()
    }
}
