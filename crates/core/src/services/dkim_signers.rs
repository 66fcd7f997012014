//! Each domain's DKIM signer, its keys opened and read once per node rather than once per
//! message (reading an RSA key costs about as much as a signature). A signer is used only
//! while the domain's signing selectors are still the ones it was made with, so a rotation on
//! any node takes effect with the next message. Bounded: when full, it starts over.

use crate::ids::DomainId;
use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use trekmail_mailauth::signing::Signer;

/// Domains whose signers are kept at once.
const MAX_SIGNERS: usize = 4096;

#[derive(Default)]
pub(crate) struct DkimSigners(Mutex<HashMap<DomainId, Arc<Signer>>>);

impl DkimSigners {
    /// The kept signer of `domain`, if it signs with exactly `selectors`.
    pub(crate) fn get(&self, domain: DomainId, selectors: &[&str]) -> Option<Arc<Signer>> {
        let signers = self.lock();
        let signer = signers.get(&domain)?;
        let same = signer
            .selectors()
            .iter()
            .map(String::as_str)
            .eq(selectors.iter().copied());
        same.then(|| signer.clone())
    }

    pub(crate) fn keep(&self, domain: DomainId, signer: Arc<Signer>) {
        let mut signers = self.lock();
        if signers.len() >= MAX_SIGNERS {
            signers.clear();
        }
        signers.insert(domain, signer);
    }

    /// The map, even if a thread panicked holding it: it holds only finished signers.
    fn lock(&self) -> MutexGuard<'_, HashMap<DomainId, Arc<Signer>>> {
        self.0.lock().unwrap_or_else(PoisonError::into_inner)
    }
}
