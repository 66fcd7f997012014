//! Bodies being appended on this node. Equal bodies share one blob, so an append may reuse a
//! blob that an expunge is about to find unreferenced; the deleter holds this lock, re-checks
//! references and skips bodies in flight, so no message ever points at a deleted body.

use super::BlobId;
use std::collections::HashMap;
use tokio::sync::{Mutex, MutexGuard};

#[derive(Default)]
pub struct BodiesInFlight(Mutex<HashMap<BlobId, usize>>);

impl BodiesInFlight {
    pub async fn enter(&self, id: &BlobId) {
        *self.0.lock().await.entry(id.clone()).or_default() += 1;
    }

    pub async fn leave(&self, id: &BlobId) {
        let mut map = self.0.lock().await;
        if let Some(count) = map.get_mut(id) {
            *count -= 1;
            if *count == 0 {
                map.remove(id);
            }
        }
    }

    /// Held while deleting: no append can start reusing a body meanwhile.
    pub async fn lock(&self) -> MutexGuard<'_, HashMap<BlobId, usize>> {
        self.0.lock().await
    }
}
