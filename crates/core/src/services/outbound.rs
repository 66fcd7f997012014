use crate::Core;
use crate::domain::EmailAddress;
use crate::error::CoreError;
use crate::store::{NewOutbound, QueuedMessage};
use chrono::{DateTime, Utc};

/// The outbound queue, for SMTP's delivery worker and the operator's `queue list`.
impl Core {
    /// Queues a message for other servers, DKIM-signed when it leaves from a hosted domain;
    /// durable when this returns, and this node's queue worker is woken for it.
    pub async fn enqueue_outbound(&self, message: &NewOutbound) -> Result<(), CoreError> {
        let signed = NewOutbound {
            body: self.dkim_signed(&message.sender, &message.body).await,
            sender: message.sender.clone(),
            recipients: message.recipients.clone(),
            charge: message.charge,
            created_at: message.created_at,
        };
        self.store.enqueue(&signed).await?;
        self.outbound_queued.notify_one();
        Ok(())
    }

    /// Returns when a message was queued on this node since the last call.
    pub async fn outbound_queued(&self) {
        self.outbound_queued.notified().await;
    }

    /// Messages due for an attempt.
    pub async fn due_outbound(
        &self,
        now: DateTime<Utc>,
        limit: u32,
    ) -> Result<Vec<QueuedMessage>, CoreError> {
        Ok(self.store.due(now, limit).await?)
    }

    /// Takes a due message for one attempt until `lease_until`; false if another node has it.
    pub async fn claim_outbound(
        &self,
        seen: &QueuedMessage,
        lease_until: DateTime<Utc>,
    ) -> Result<bool, CoreError> {
        Ok(self.store.claim(seen, lease_until).await?)
    }

    pub async fn outbound_body(&self, id: i64) -> Result<Vec<u8>, CoreError> {
        self.store.queued_body(id).await?.ok_or(CoreError::NotFound)
    }

    /// Records a failed attempt; the message is tried again at `next`.
    pub async fn retry_outbound(
        &self,
        id: i64,
        next: DateTime<Utc>,
        error: &str,
    ) -> Result<(), CoreError> {
        Ok(self.store.retry_later(id, next, error).await?)
    }

    /// Removes a delivered or bounced message.
    pub async fn dequeue_outbound(&self, id: i64) -> Result<(), CoreError> {
        Ok(self.store.dequeue(id).await?)
    }

    /// Whether one more bounce may go to `sender` this hour (and counts it if so): at most
    /// `per_hour`, counted in the database so every node keeps one bound.
    pub async fn may_bounce(
        &self,
        sender: &EmailAddress,
        per_hour: u32,
    ) -> Result<bool, CoreError> {
        let now = self.clock.now();
        let window_from = now - chrono::Duration::hours(1);
        let count = self
            .store
            .count_bounce(sender.as_str(), now, window_from)
            .await?;
        Ok(count <= per_hour)
    }

    /// Everything queued, oldest first.
    pub async fn outbound_queue(&self) -> Result<Vec<QueuedMessage>, CoreError> {
        Ok(self.store.queued().await?)
    }
}
