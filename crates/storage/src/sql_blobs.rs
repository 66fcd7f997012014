//! Message bodies in the database (`blobs`), for several nodes sharing one PostgreSQL and no
//! file system. A commit is durable, as `BlobStore::put` requires.

use crate::blob_ids;
use crate::error::db_err;
use crate::rows;
use crate::sql_store::SqlStore;
use trekmail_core::mail::BlobId;
use trekmail_core::store::{BlobStore, StoreResult};

/// Equal bytes have the same id: the row there already is the same body.
const PUT: &str = "INSERT INTO blobs (id, bytes) VALUES ($1, $2) ON CONFLICT (id) DO NOTHING";
const GET: &str = "SELECT bytes FROM blobs WHERE id = $1";
const HEAD: &str = "SELECT substr(bytes, 1, CAST($2 AS INTEGER)) AS bytes FROM blobs WHERE id = $1";
/// Leaves a body some message still refers to (one appended or copied since the caller
/// learnt it was unreferenced): better a body kept too long than a message without one.
const DELETE: &str = "DELETE FROM blobs WHERE id = $1 \
     AND NOT EXISTS (SELECT 1 FROM messages WHERE blob_id = $1)";

#[async_trait::async_trait]
impl BlobStore for SqlStore {
    async fn put(&self, bytes: &[u8]) -> StoreResult<BlobId> {
        let (id, bytes) = blob_ids::hash(bytes.to_vec()).await?;
        sqlx::query(PUT)
            .bind(id.0.as_str())
            .bind(bytes)
            .execute(&self.write)
            .await
            .map_err(db_err)?;
        Ok(id)
    }

    async fn get(&self, id: &BlobId) -> StoreResult<Option<Vec<u8>>> {
        let id = blob_ids::checked(id)?;
        let row = sqlx::query(GET)
            .bind(id)
            .fetch_optional(&self.read)
            .await
            .map_err(db_err)?;
        row.as_ref().map(|r| rows::get(r, "bytes")).transpose()
    }

    async fn head(&self, id: &BlobId, max: usize) -> StoreResult<Option<Vec<u8>>> {
        let id = blob_ids::checked(id)?;
        let row = sqlx::query(HEAD)
            .bind(id)
            .bind(i64::try_from(max).unwrap_or(i64::from(i32::MAX)))
            .fetch_optional(&self.read)
            .await
            .map_err(db_err)?;
        row.as_ref().map(|r| rows::get(r, "bytes")).transpose()
    }

    async fn delete(&self, ids: &[BlobId]) -> StoreResult<()> {
        let ids = ids
            .iter()
            .map(blob_ids::checked)
            .collect::<StoreResult<Vec<_>>>()?;
        if ids.is_empty() {
            return Ok(());
        }
        let mut tx = self.write_tx().await?;
        for id in ids {
            sqlx::query(DELETE)
                .bind(id)
                .execute(&mut *tx)
                .await
                .map_err(db_err)?;
        }
        tx.commit().await.map_err(db_err)
    }
}
