//! Hosted domains: added within the plan's limit with their first DKIM keys, listed, found
//! by name, removed once no mailbox is on them.

use super::{Actor, Scope};
use crate::Core;
use crate::audit::AuditKind;
use crate::domain::{Domain, domain_name_is_valid};
use crate::error::CoreError;
use crate::ids::{AccountId, DomainId};

impl Core {
    /// Adds a domain within the plan's domain limit, with an RSA and an Ed25519 key to sign
    /// its outgoing mail.
    pub async fn add_domain(
        &self,
        scope: Scope,
        account: AccountId,
        name: &str,
        actor: &Actor,
    ) -> Result<Domain, CoreError> {
        let account = self.account(scope, account).await?;
        let name = domain_key(name);
        if !domain_name_is_valid(&name) {
            return Err(CoreError::Invalid(format!(
                "{name:?} is not a domain name such as example.com"
            )));
        }
        let limits = self.config.plans.limits(account.plan);
        let keys = self.new_dkim_keys(&name).await?;
        let audit = actor
            .event(self.clock.now(), AuditKind::DomainAdded)
            .account(account.id)
            .detail(name.clone());
        Ok(self
            .store
            .add_domain(account.id, &name, limits.max_domains, &keys, &audit)
            .await?)
    }

    /// Removes a domain with no mailbox left on it; its DKIM keys go with it.
    pub async fn remove_domain(
        &self,
        scope: Scope,
        id: DomainId,
        actor: &Actor,
    ) -> Result<(), CoreError> {
        let domain = self.domain_by_id(scope, id).await?;
        let audit = actor
            .event(self.clock.now(), AuditKind::DomainRemoved)
            .account(domain.account_id)
            .detail(domain.name.clone());
        Ok(self.store.remove_domain(domain.id, &audit).await?)
    }

    pub async fn domains(
        &self,
        scope: Scope,
        account: AccountId,
    ) -> Result<Vec<Domain>, CoreError> {
        let account = self.account(scope, account).await?;
        Ok(self.store.domains_of(account.id).await?)
    }

    /// The account's domains, each with the number of mailboxes on it: one read of each.
    pub async fn domains_with_mailbox_counts(
        &self,
        scope: Scope,
        account: AccountId,
    ) -> Result<Vec<(Domain, usize)>, CoreError> {
        let account = self.account(scope, account).await?;
        let mailboxes = self.store.mailboxes_of(account.id).await?;
        let domains = self.store.domains_of(account.id).await?;
        Ok(domains
            .into_iter()
            .map(|d| {
                let on = mailboxes.iter().filter(|m| m.domain_id == d.id).count();
                (d, on)
            })
            .collect())
    }

    /// Whether `name` is a domain hosted here: public knowledge (its MX says so), asked by
    /// the mail-app autoconfiguration before it names this server's hosts.
    pub async fn hosts_domain(&self, name: &str) -> Result<bool, CoreError> {
        Ok(self
            .store
            .domain_by_name(&domain_key(name))
            .await?
            .is_some())
    }

    /// A hosted domain by name, if `scope` may see it.
    pub async fn domain(&self, scope: Scope, name: &str) -> Result<Domain, CoreError> {
        match self.store.domain_by_name(&domain_key(name)).await? {
            Some(d) if scope.covers(d.account_id) => Ok(d),
            _ => Err(CoreError::NotFound),
        }
    }

    /// A hosted domain by id, if `scope` may see it; another account's answers as missing.
    pub async fn domain_by_id(&self, scope: Scope, id: DomainId) -> Result<Domain, CoreError> {
        match self.store.domain(id).await? {
            Some(d) if scope.covers(d.account_id) => Ok(d),
            _ => Err(CoreError::NotFound),
        }
    }
}

/// A domain name as stored and compared: trimmed, without the root's dot, lower-case.
fn domain_key(name: &str) -> String {
    name.trim().trim_end_matches('.').to_ascii_lowercase()
}
