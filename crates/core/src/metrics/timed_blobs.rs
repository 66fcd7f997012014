//! The message body store, timed: every call's time goes to the `blob_store_call_seconds`
//! histogram, by operation.

use super::{BlobOperation, Metrics};
use crate::mail::BlobId;
use crate::store::{BlobStore, StoreResult};
use std::future::Future;
use std::sync::Arc;
use std::time::Instant;

pub struct TimedBlobs {
    inner: Arc<dyn BlobStore>,
    metrics: Metrics,
}

impl TimedBlobs {
    /// `inner` itself when the metrics are off.
    pub fn wrap(inner: Arc<dyn BlobStore>, metrics: &Metrics) -> Arc<dyn BlobStore> {
        match metrics.enabled() {
            true => Arc::new(TimedBlobs {
                inner,
                metrics: metrics.clone(),
            }),
            false => inner,
        }
    }

    async fn timed<T>(&self, operation: BlobOperation, call: impl Future<Output = T>) -> T {
        let started = Instant::now();
        let out = call.await;
        self.metrics.blob_call(operation, started.elapsed());
        out
    }
}

#[async_trait::async_trait]
impl BlobStore for TimedBlobs {
    async fn put(&self, bytes: &[u8]) -> StoreResult<BlobId> {
        self.timed(BlobOperation::Put, self.inner.put(bytes)).await
    }

    async fn get(&self, id: &BlobId) -> StoreResult<Option<Vec<u8>>> {
        self.timed(BlobOperation::Get, self.inner.get(id)).await
    }

    async fn head(&self, id: &BlobId, max: usize) -> StoreResult<Option<Vec<u8>>> {
        self.timed(BlobOperation::Head, self.inner.head(id, max))
            .await
    }

    async fn delete(&self, ids: &[BlobId]) -> StoreResult<()> {
        self.timed(BlobOperation::Delete, self.inner.delete(ids))
            .await
    }
}
