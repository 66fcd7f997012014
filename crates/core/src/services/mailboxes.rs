use super::accounts::check_policy;
use super::{Actor, Scope};
use crate::Core;
use crate::audit::AuditKind;
use crate::domain::{EmailAddress, Mailbox};
use crate::error::CoreError;
use crate::events::{DomainEvent, EventKind};
use crate::ids::{AccountId, MailboxId, Principal};
use crate::store::NewMailbox;

/// What creating a mailbox needs.
#[derive(Debug, Clone)]
pub struct NewMailboxRequest<'a> {
    pub account: AccountId,
    pub address: &'a str,
    pub display_name: &'a str,
    pub quota_mb: u64,
    pub password: &'a str,
}

/// A mailbox as the Mailboxes page lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MailboxOverview {
    pub mailbox: Mailbox,
    pub two_factor_on: bool,
}

impl Core {
    /// Creates a mailbox at one of the account's domains, within the plan's limits.
    pub async fn create_mailbox(
        &self,
        scope: Scope,
        request: &NewMailboxRequest<'_>,
        actor: &Actor,
    ) -> Result<Mailbox, CoreError> {
        let account = self.account(scope, request.account).await?;
        let address =
            EmailAddress::parse(request.address).map_err(|e| CoreError::Invalid(e.to_string()))?;
        let domain = self
            .store
            .domain_by_name(address.domain())
            .await?
            .filter(|d| d.account_id == account.id)
            .ok_or_else(|| {
                CoreError::Invalid(format!(
                    "{} is not one of this account's domains",
                    address.domain()
                ))
            })?;
        let display_name = request.display_name.trim();
        if display_name.chars().count() > 200 || display_name.chars().any(char::is_control) {
            return Err(CoreError::Invalid(
                "a display name is at most 200 characters, without control characters".into(),
            ));
        }
        check_policy(request.password)?;
        let new = NewMailbox {
            account_id: account.id,
            domain_id: domain.id,
            address: address.clone(),
            display_name: display_name.to_owned(),
            quota_bytes: quota_bytes(request.quota_mb)?,
            password_hash: self.hasher.hash(request.password).await?,
            created_at: self.clock.now(),
        };
        let audit = actor
            .event(self.clock.now(), AuditKind::MailboxCreated)
            .account(account.id)
            .detail(address.to_string());
        let limits = self.config.plans.limits(account.plan);
        let mailbox = self.store.create_mailbox(&new, &limits, &audit).await?;
        self.publish(DomainEvent {
            account_id: account.id,
            mailbox_id: Some(mailbox.id),
            kind: EventKind::MailboxCreated,
        })
        .await;
        Ok(mailbox)
    }

    /// A mailbox, if `scope` may see it; another tenant's answers `NotFound`.
    pub async fn mailbox(&self, scope: Scope, id: MailboxId) -> Result<Mailbox, CoreError> {
        match self.store.mailbox(id).await? {
            Some(m) if scope.covers(m.account_id) => Ok(m),
            _ => Err(CoreError::NotFound),
        }
    }

    pub async fn mailbox_by_address(
        &self,
        scope: Scope,
        address: &str,
    ) -> Result<Mailbox, CoreError> {
        let address = EmailAddress::parse(address).map_err(|_| CoreError::NotFound)?;
        match self.store.mailbox_by_address(&address).await? {
            Some(m) if scope.covers(m.account_id) => Ok(m),
            _ => Err(CoreError::NotFound),
        }
    }

    /// The account's mailboxes with their 2FA state.
    pub async fn mailboxes(
        &self,
        scope: Scope,
        account: AccountId,
    ) -> Result<Vec<MailboxOverview>, CoreError> {
        let account = self.account(scope, account).await?;
        let mut out = Vec::new();
        for mailbox in self.store.mailboxes_of(account.id).await? {
            let two_factor_on = self.has_two_factor(Principal::Mailbox(mailbox.id)).await?;
            out.push(MailboxOverview {
                mailbox,
                two_factor_on,
            });
        }
        Ok(out)
    }

    /// "Edit storage": a new quota within the plan's storage.
    pub async fn set_quota(
        &self,
        scope: Scope,
        id: MailboxId,
        quota_mb: u64,
        actor: &Actor,
    ) -> Result<Mailbox, CoreError> {
        let mailbox = self.mailbox(scope, id).await?;
        let account = self.account(Scope::OPERATOR, mailbox.account_id).await?;
        let limits = self.config.plans.limits(account.plan);
        let audit = actor
            .event(self.clock.now(), AuditKind::MailboxChanged)
            .account(account.id)
            .principal(Principal::Mailbox(id))
            .detail(format!("quota {quota_mb} MB"));
        let updated = self
            .store
            .set_quota(id, quota_bytes(quota_mb)?, &limits, &audit)
            .await?;
        self.publish(DomainEvent {
            account_id: account.id,
            mailbox_id: Some(id),
            kind: EventKind::MailboxChanged,
        })
        .await;
        Ok(updated)
    }

    /// Deletes the mailbox with its credentials; every session ends. Returns how many.
    pub async fn delete_mailbox(
        &self,
        scope: Scope,
        id: MailboxId,
        actor: &Actor,
    ) -> Result<u64, CoreError> {
        let mailbox = self.mailbox(scope, id).await?;
        let owner = Principal::Mailbox(id);
        let audit = actor
            .event(self.clock.now(), AuditKind::MailboxDeleted)
            .account(mailbox.account_id)
            .principal(owner)
            .detail(mailbox.address.to_string());
        let (ended, orphans) = self.store.delete_mailbox(id, &audit).await?;
        self.forget_blobs(&orphans).await;
        self.registry().rows_deleted(owner, None).await;
        self.publish(DomainEvent {
            account_id: mailbox.account_id,
            mailbox_id: Some(id),
            kind: EventKind::MailboxDeleted,
        })
        .await;
        Ok(ended)
    }
}

fn quota_bytes(mb: u64) -> Result<i64, CoreError> {
    if mb == 0 {
        return Err(CoreError::Invalid("storage must be at least 1 MB".into()));
    }
    mb.checked_mul(1024 * 1024)
        .and_then(|b| i64::try_from(b).ok())
        .ok_or_else(|| CoreError::Invalid("storage is too large".into()))
}

impl Core {
    /// Deletes bodies no message refers to any more, re-checked under the in-flight lock so a
    /// body an append is reusing stays. A failure only leaves files behind.
    pub(crate) async fn forget_blobs(&self, candidates: &[crate::mail::BlobId]) {
        if candidates.is_empty() {
            return;
        }
        let in_flight = self.bodies_in_flight.lock().await;
        let result = match self.store.unreferenced_blobs(candidates).await {
            Ok(orphans) => {
                let orphans: Vec<_> = orphans
                    .into_iter()
                    .filter(|b| !in_flight.contains_key(b))
                    .collect();
                self.blobs.delete(&orphans).await
            }
            Err(e) => Err(e),
        };
        if let Err(e) = result {
            tracing::warn!(error = %e, count = candidates.len(), "unreferenced message bodies not deleted");
        }
    }
}
