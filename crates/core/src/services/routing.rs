//! The Aliases tab and the settings of what comes in: aliases, the domain's catch-all,
//! sub-addressing and what happens to blocked mail. An admin acts through the account's scope,
//! the mailbox's owner through their own signed-in access; both reach the same code.

use super::{Actor, Scope};
use crate::Core;
use crate::access::MailboxAccess;
use crate::audit::{AuditEvent, AuditKind};
use crate::domain::{EmailAddress, Mailbox};
use crate::error::CoreError;
use crate::events::{DomainEvent, EventKind};
use crate::ids::{AliasId, DomainId, MailboxId, Principal};
use crate::routing::{Alias, BlockedMail, DELIMITER, MailboxRouting, Subaddressing};
use crate::store::{NewAlias, StoreError};

/// An address or pattern in use is the person's to change, like any other input mistake.
pub(crate) fn input_error(e: StoreError) -> CoreError {
    match e {
        StoreError::Conflict(message) => CoreError::Invalid(message),
        other => other.into(),
    }
}

/// Who acts on a mailbox's routing: an admin of its account, or its signed-in owner.
#[derive(Debug, Clone, Copy)]
pub enum Manager<'a> {
    Admin(Scope, MailboxId),
    Owner(&'a MailboxAccess),
}

impl Core {
    /// The mailbox a manager names, if they may act on it; another tenant's is `NotFound`.
    pub(crate) async fn managed_mailbox(&self, manager: Manager<'_>) -> Result<Mailbox, CoreError> {
        match manager {
            Manager::Admin(scope, id) => self.mailbox(scope, id).await,
            Manager::Owner(access) => self.own_mailbox(access).await,
        }
    }

    /// An audit event about `mailbox`, by `actor`.
    pub(crate) fn routing_event(
        &self,
        actor: &Actor,
        kind: AuditKind,
        mailbox: &Mailbox,
        detail: String,
    ) -> AuditEvent {
        actor
            .event(self.clock.now(), kind)
            .account(mailbox.account_id)
            .principal(Principal::Mailbox(mailbox.id))
            .detail(detail)
    }

    /// Tells live pages that the mailbox's routing changed.
    pub(crate) async fn publish_routing(&self, mailbox: &Mailbox) {
        self.publish(DomainEvent {
            account_id: mailbox.account_id,
            mailbox_id: Some(mailbox.id),
            kind: EventKind::MailboxChanged,
        })
        .await;
    }

    pub async fn aliases(&self, manager: Manager<'_>) -> Result<Vec<Alias>, CoreError> {
        let mailbox = self.managed_mailbox(manager).await?;
        Ok(self.store.aliases_of(mailbox.id).await?)
    }

    /// Adds an alias at one of the account's domains, within the plan's count; an address
    /// that is any mailbox's or alias, of any account, is refused.
    pub async fn add_alias(
        &self,
        manager: Manager<'_>,
        address: &str,
        actor: &Actor,
    ) -> Result<Alias, CoreError> {
        let mailbox = self.managed_mailbox(manager).await?;
        let address =
            EmailAddress::parse(address).map_err(|e| CoreError::Invalid(e.to_string()))?;
        if address.local_part().contains(DELIMITER) {
            return Err(CoreError::Invalid(format!(
                "an alias cannot hold {DELIMITER}: it starts a sub-address (user{DELIMITER}tag@)"
            )));
        }
        let domain = self
            .store
            .domain_by_name(address.domain())
            .await?
            .filter(|d| d.account_id == mailbox.account_id)
            .ok_or_else(|| {
                CoreError::Invalid(format!(
                    "{} is not one of this account's domains",
                    address.domain()
                ))
            })?;
        let account = self.account(Scope::OPERATOR, mailbox.account_id).await?;
        let limits = self.config.plans.limits(account.plan);
        let new = NewAlias {
            account_id: mailbox.account_id,
            domain_id: domain.id,
            mailbox_id: mailbox.id,
            address: address.clone(),
            created_at: self.clock.now(),
        };
        let audit = self.routing_event(actor, AuditKind::AliasAdded, &mailbox, address.to_string());
        let alias = self
            .store
            .add_alias(&new, &limits, &audit)
            .await
            .map_err(input_error)?;
        self.publish_routing(&mailbox).await;
        Ok(alias)
    }

    pub async fn remove_alias(
        &self,
        manager: Manager<'_>,
        alias: AliasId,
        actor: &Actor,
    ) -> Result<Alias, CoreError> {
        let mailbox = self.managed_mailbox(manager).await?;
        let known = self.store.aliases_of(mailbox.id).await?;
        let address = known
            .iter()
            .find(|a| a.id == alias)
            .ok_or(CoreError::NotFound)?
            .address
            .to_string();
        let audit = self.routing_event(actor, AuditKind::AliasRemoved, &mailbox, address);
        let removed = self.store.remove_alias(mailbox.id, alias, &audit).await?;
        self.publish_routing(&mailbox).await;
        Ok(removed)
    }

    /// The mailbox's routing settings.
    pub async fn routing(&self, manager: Manager<'_>) -> Result<MailboxRouting, CoreError> {
        let mailbox = self.managed_mailbox(manager).await?;
        Ok(self.store.routing(mailbox.id).await?)
    }

    pub async fn set_subaddressing(
        &self,
        manager: Manager<'_>,
        subaddressing: Subaddressing,
        actor: &Actor,
    ) -> Result<(), CoreError> {
        let mailbox = self.managed_mailbox(manager).await?;
        let detail = format!("sub-addressing {subaddressing}");
        let audit = self.routing_event(actor, AuditKind::RoutingChanged, &mailbox, detail);
        self.store
            .set_subaddressing(mailbox.id, subaddressing, &audit)
            .await?;
        self.publish_routing(&mailbox).await;
        Ok(())
    }

    /// Refuse blocked senders at SMTP time, or file their mail into Junk: the admin's choice.
    pub async fn set_blocked_mail(
        &self,
        scope: Scope,
        id: MailboxId,
        blocked: BlockedMail,
        actor: &Actor,
    ) -> Result<(), CoreError> {
        let mailbox = self.mailbox(scope, id).await?;
        let detail = format!("blocked mail {blocked}");
        let audit = self.routing_event(actor, AuditKind::RoutingChanged, &mailbox, detail);
        self.store.set_blocked_mail(id, blocked, &audit).await?;
        self.publish_routing(&mailbox).await;
        Ok(())
    }

    /// Makes the mailbox the catch-all of one of its account's domains (`on`), or takes the
    /// catch-all away from it; a domain has at most one.
    pub async fn set_catch_all(
        &self,
        scope: Scope,
        id: MailboxId,
        domain: DomainId,
        on: bool,
        actor: &Actor,
    ) -> Result<(), CoreError> {
        let mailbox = self.mailbox(scope, id).await?;
        let domain = self
            .store
            .domains_of(mailbox.account_id)
            .await?
            .into_iter()
            .find(|d| d.id == domain)
            .ok_or(CoreError::NotFound)?;
        let target = match on {
            true => Some(mailbox.id),
            // Only this mailbox's catch-all is its to take away.
            false if domain.catch_all == Some(mailbox.id) => None,
            false => return Ok(()),
        };
        let detail = format!(
            "catch-all of {} {}",
            domain.name,
            if on { "on" } else { "off" }
        );
        let audit = self.routing_event(actor, AuditKind::RoutingChanged, &mailbox, detail);
        self.store.set_catch_all(domain.id, target, &audit).await?;
        self.publish_routing(&mailbox).await;
        Ok(())
    }
}
