use super::StoreResult;
use crate::audit::AuditEvent;
use crate::domain::{DkimAlgorithm, DkimKey};
use crate::ids::DomainId;

/// A key to store: its private half sealed with the server key before it reaches the store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewDkimKey {
    pub selector: String,
    pub algorithm: DkimAlgorithm,
    pub public_key: Vec<u8>,
    pub sealed_private: Vec<u8>,
}

/// A stored key with its sealed private half, for the signer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SealedDkimKey {
    pub key: DkimKey,
    pub sealed_private: Vec<u8>,
}

/// The DKIM keys of hosted domains. A domain's first keys come with it
/// ([`super::AccountStore::add_domain`]).
#[async_trait::async_trait]
pub trait DkimKeyStore: Send + Sync {
    /// The domain's keys, signing ones first, newest first within each.
    async fn dkim_keys(&self, domain: DomainId) -> StoreResult<Vec<SealedDkimKey>>;
    /// Makes `keys` the domain's signing keys and stops the ones signing until now (they stay
    /// published), in one transaction with the audit record. `Conflict` for a selector the
    /// domain has already.
    async fn rotate_dkim_keys(
        &self,
        domain: DomainId,
        keys: &[NewDkimKey],
        audit: &AuditEvent,
    ) -> StoreResult<()>;
    /// Removes a key that no longer signs. `NotFound` for no such selector, `Conflict` for a
    /// key still signing.
    async fn retire_dkim_key(
        &self,
        domain: DomainId,
        selector: &str,
        audit: &AuditEvent,
    ) -> StoreResult<()>;
}
