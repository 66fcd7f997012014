//! The Filters tab: a mailbox's allowed and blocked senders, managed by an admin or by the
//! mailbox's owner in webmail.

use super::routing::input_error;
use super::{Actor, Manager};
use crate::Core;
use crate::audit::AuditKind;
use crate::error::CoreError;
use crate::ids::SenderFilterId;
use crate::routing::{FilterList, SenderFilter, SenderPattern};
use crate::store::NewSenderFilter;

/// Entries per mailbox, both lists together: enough for any person's lists, and a bound on
/// what one page shows.
pub const MAX_SENDER_FILTERS: u32 = 5_000;

impl Core {
    pub async fn sender_filters(
        &self,
        manager: Manager<'_>,
    ) -> Result<Vec<SenderFilter>, CoreError> {
        let mailbox = self.managed_mailbox(manager).await?;
        Ok(self.store.sender_filters(mailbox.id).await?)
    }

    /// Puts an address or `@domain` on one list; a pattern is on at most one of them.
    pub async fn add_sender_filter(
        &self,
        manager: Manager<'_>,
        list: FilterList,
        pattern: &str,
        actor: &Actor,
    ) -> Result<SenderFilter, CoreError> {
        let mailbox = self.managed_mailbox(manager).await?;
        let pattern = SenderPattern::parse(pattern).map_err(CoreError::Invalid)?;
        let detail = format!("{} {pattern}", list.as_str());
        let audit = self.routing_event(actor, AuditKind::SenderFilterAdded, &mailbox, detail);
        let new = NewSenderFilter {
            mailbox_id: mailbox.id,
            list,
            pattern,
            created_at: self.clock.now(),
        };
        let added = self
            .store
            .add_sender_filter(&new, MAX_SENDER_FILTERS, &audit)
            .await
            .map_err(input_error)?;
        self.publish_routing(&mailbox).await;
        Ok(added)
    }

    pub async fn remove_sender_filter(
        &self,
        manager: Manager<'_>,
        id: SenderFilterId,
        actor: &Actor,
    ) -> Result<SenderFilter, CoreError> {
        let mailbox = self.managed_mailbox(manager).await?;
        let known = self.store.sender_filters(mailbox.id).await?;
        let entry = known
            .iter()
            .find(|f| f.id == id)
            .ok_or(CoreError::NotFound)?;
        let detail = format!("{} {}", entry.list.as_str(), entry.pattern);
        let audit = self.routing_event(actor, AuditKind::SenderFilterRemoved, &mailbox, detail);
        let removed = self
            .store
            .remove_sender_filter(mailbox.id, id, &audit)
            .await?;
        self.publish_routing(&mailbox).await;
        Ok(removed)
    }
}
