use crate::ids::DomainId;
use chrono::{DateTime, Utc};
pub use trekmail_mailauth::keys::DkimAlgorithm;

/// One of a domain's DKIM keys, as published: its private half stays sealed in the store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DkimKey {
    pub domain_id: DomainId,
    pub selector: String,
    pub algorithm: DkimAlgorithm,
    /// The public key as its TXT record carries it (before base64).
    pub public_key: Vec<u8>,
    /// Whether outgoing mail is signed with it; a rotated-out key stays published (so mail
    /// signed with it still verifies) until the operator retires it.
    pub signing: bool,
    pub created_at: DateTime<Utc>,
}

impl DkimKey {
    /// The name of its TXT record.
    pub fn record_name(&self, domain: &str) -> String {
        format!("{}._domainkey.{domain}", self.selector)
    }

    /// The TXT record's value.
    pub fn record_value(&self) -> String {
        trekmail_mailauth::keys::dns_record(self.algorithm, &self.public_key)
    }
}
