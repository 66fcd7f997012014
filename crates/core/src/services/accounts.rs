use super::{Actor, Scope};
use crate::Core;
use crate::audit::AuditKind;
use crate::domain::{Account, EmailAddress, Plan};
use crate::error::CoreError;
use crate::ids::AccountId;
use crate::security::password_policy::unmet_rules;
use crate::store::NewAccount;

impl Core {
    /// Creates an account whose owner signs in to the dashboard with `owner_email`.
    pub async fn create_account(
        &self,
        owner_email: &str,
        plan: Plan,
        password: &str,
        actor: &Actor,
    ) -> Result<Account, CoreError> {
        let owner_email =
            EmailAddress::parse(owner_email).map_err(|e| CoreError::Invalid(e.to_string()))?;
        check_policy(password)?;
        let new = NewAccount {
            owner_email: owner_email.clone(),
            plan,
            password_hash: self.hasher.hash(password).await?,
            created_at: self.clock.now(),
        };
        let audit = actor
            .event(self.clock.now(), AuditKind::AccountCreated)
            .detail(format!("{owner_email} on {plan}"));
        Ok(self.store.create_account(&new, &audit).await?)
    }

    pub async fn account(&self, scope: Scope, id: AccountId) -> Result<Account, CoreError> {
        match self.store.account(id).await? {
            Some(a) if scope.covers(a.id) => Ok(a),
            _ => Err(CoreError::NotFound),
        }
    }

    pub async fn account_by_email(&self, email: &str) -> Result<Account, CoreError> {
        let email = EmailAddress::parse(email).map_err(|_| CoreError::NotFound)?;
        self.store
            .account_by_email(&email)
            .await?
            .ok_or(CoreError::NotFound)
    }

    pub async fn accounts(&self) -> Result<Vec<Account>, CoreError> {
        Ok(self.store.accounts().await?)
    }
}

/// The policy's verdict as an error naming each unmet rule.
pub(crate) fn check_policy(password: &str) -> Result<(), CoreError> {
    if password.len() > crate::security::password_policy::MAX_PASSWORD_LEN {
        return Err(CoreError::Invalid(format!(
            "a password is at most {} characters",
            crate::security::password_policy::MAX_PASSWORD_LEN
        )));
    }
    let unmet = unmet_rules(password);
    if unmet.is_empty() {
        Ok(())
    } else {
        Err(CoreError::WeakPassword(
            unmet.iter().map(|r| r.label).collect(),
        ))
    }
}
