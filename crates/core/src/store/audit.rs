use super::StoreResult;
use crate::audit::AuditEvent;
use crate::ids::Principal;

/// A stored audit event with its sequence number.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditRecord {
    pub id: i64,
    pub event: AuditEvent,
}

#[async_trait::async_trait]
pub trait AuditStore: Send + Sync {
    async fn append_audit(&self, event: &AuditEvent) -> StoreResult<()>;
    /// The newest `limit` events about `who`, newest first.
    async fn audit_of(&self, who: Principal, limit: u32) -> StoreResult<Vec<AuditRecord>>;
}
