//! The Forwarding tab: where a mailbox's mail also goes, hosted or external, and whether the
//! mailbox keeps a copy. The admin changes it; the owner sees it in webmail.

use super::routing::input_error;
use super::{Actor, Manager, Scope};
use crate::Core;
use crate::audit::AuditKind;
use crate::domain::EmailAddress;
use crate::error::CoreError;
use crate::ids::{ForwardId, MailboxId};
use crate::routing::Forward;

/// Destinations per mailbox: a forward is a copy of every message, so a few is plenty.
pub const MAX_FORWARDS: u32 = 10;

impl Core {
    pub async fn forwards(&self, manager: Manager<'_>) -> Result<Vec<Forward>, CoreError> {
        let mailbox = self.managed_mailbox(manager).await?;
        Ok(self.store.forwards_of(mailbox.id).await?)
    }

    /// Adds a destination: any address but the mailbox's own ones, which would only loop.
    pub async fn add_forward(
        &self,
        scope: Scope,
        id: MailboxId,
        destination: &str,
        actor: &Actor,
    ) -> Result<Forward, CoreError> {
        let mailbox = self.mailbox(scope, id).await?;
        let destination = EmailAddress::parse(destination)
            .map_err(|e| CoreError::Invalid(format!("the destination: {e}")))?;
        if self.sends_as(&mailbox, destination.as_str()).await? {
            return Err(CoreError::Invalid(format!(
                "{destination} is this mailbox's own address: forwarding there would loop"
            )));
        }
        let detail = destination.to_string();
        let audit = self.routing_event(actor, AuditKind::ForwardAdded, &mailbox, detail);
        let added = self
            .store
            .add_forward(id, &destination, self.clock.now(), MAX_FORWARDS, &audit)
            .await
            .map_err(input_error)?;
        self.publish_routing(&mailbox).await;
        Ok(added)
    }

    pub async fn remove_forward(
        &self,
        scope: Scope,
        id: MailboxId,
        forward: ForwardId,
        actor: &Actor,
    ) -> Result<Forward, CoreError> {
        let mailbox = self.mailbox(scope, id).await?;
        let known = self.store.forwards_of(id).await?;
        let detail = known
            .iter()
            .find(|f| f.id == forward)
            .ok_or(CoreError::NotFound)?
            .destination
            .to_string();
        let audit = self.routing_event(actor, AuditKind::ForwardRemoved, &mailbox, detail);
        let removed = self.store.remove_forward(id, forward, &audit).await?;
        self.publish_routing(&mailbox).await;
        Ok(removed)
    }

    /// "Keep a copy": whether forwarded mail also stays in the mailbox (on by default).
    pub async fn set_keep_copy(
        &self,
        scope: Scope,
        id: MailboxId,
        keep_copy: bool,
        actor: &Actor,
    ) -> Result<(), CoreError> {
        let mailbox = self.mailbox(scope, id).await?;
        let detail = format!("keep a copy {}", if keep_copy { "on" } else { "off" });
        let audit = self.routing_event(actor, AuditKind::RoutingChanged, &mailbox, detail);
        self.store.set_keep_copy(id, keep_copy, &audit).await?;
        self.publish_routing(&mailbox).await;
        Ok(())
    }
}
