use super::StoreResult;
use crate::audit::AuditEvent;
use crate::domain::Brand;
use crate::ids::AccountId;

#[async_trait::async_trait]
pub trait BrandStore: Send + Sync {
    /// Sets (`Some`) or removes (`None`) the account's brand with its audit record, in one
    /// transaction. `Conflict` when another account has the host.
    async fn set_brand(
        &self,
        account: AccountId,
        brand: Option<&Brand>,
        audit: &AuditEvent,
    ) -> StoreResult<()>;
    async fn brand_of(&self, account: AccountId) -> StoreResult<Option<Brand>>;
    async fn brand_by_host(&self, host: &str) -> StoreResult<Option<Brand>>;
}
