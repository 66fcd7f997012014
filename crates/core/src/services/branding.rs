use super::{Actor, Scope};
use crate::Core;
use crate::audit::AuditKind;
use crate::domain::{Brand, colour_is_valid, domain_name_is_valid, host_key};
use crate::error::CoreError;
use crate::ids::AccountId;

/// The longest brand name a page header shows.
const MAX_NAME_CHARS: usize = 60;

impl Core {
    /// Brands the account's webmail: reached at `host`, titled `name`, in `colour`
    /// (`#rrggbb`). Only on a plan that includes branding.
    pub async fn set_brand(
        &self,
        scope: Scope,
        account: AccountId,
        host: &str,
        name: &str,
        colour: &str,
        actor: &Actor,
    ) -> Result<Brand, CoreError> {
        let account = self.account(scope, account).await?;
        if !self.config.plans.limits(account.plan).branding {
            return Err(CoreError::LimitReached(format!(
                "the {} plan does not include webmail branding",
                account.plan
            )));
        }
        let host = host_key(host);
        if !domain_name_is_valid(&host) {
            return Err(CoreError::Invalid(format!(
                "{host:?} is not a host name such as mail.example.com"
            )));
        }
        if self.host_is_reserved(&host) {
            return Err(CoreError::Conflict(format!(
                "{host} is one of this server's own host names; brand a host of your own domain"
            )));
        }
        let name = name.trim();
        if name.is_empty()
            || name.chars().count() > MAX_NAME_CHARS
            || name.chars().any(char::is_control)
        {
            return Err(CoreError::Invalid(format!(
                "a brand name is 1 to {MAX_NAME_CHARS} characters, without control characters"
            )));
        }
        let colour = colour.trim().to_ascii_lowercase();
        if !colour_is_valid(&colour) {
            return Err(CoreError::Invalid(
                "a colour is # and six hex digits, such as #2f5bd3".into(),
            ));
        }
        let brand = Brand {
            account_id: account.id,
            host,
            name: name.to_owned(),
            colour,
            updated_at: self.clock.now(),
        };
        let audit = actor
            .event(brand.updated_at, AuditKind::BrandingChanged)
            .account(account.id)
            .detail(format!(
                "{} as {:?} in {}",
                brand.host, brand.name, brand.colour
            ));
        self.store
            .set_brand(account.id, Some(&brand), &audit)
            .await?;
        Ok(brand)
    }

    /// Back to the default TrekMail webmail.
    pub async fn clear_brand(
        &self,
        scope: Scope,
        account: AccountId,
        actor: &Actor,
    ) -> Result<(), CoreError> {
        let account = self.account(scope, account).await?;
        let audit = actor
            .event(self.clock.now(), AuditKind::BrandingChanged)
            .account(account.id)
            .detail("cleared");
        Ok(self.store.set_brand(account.id, None, &audit).await?)
    }

    pub async fn brand(
        &self,
        scope: Scope,
        account: AccountId,
    ) -> Result<Option<Brand>, CoreError> {
        let account = self.account(scope, account).await?;
        Ok(self.store.brand_of(account.id).await?)
    }

    /// The brand whose host `host` is, while its account's plan still includes branding. The
    /// server's own hosts are nobody's, even if a brand took one before it was reserved.
    pub async fn brand_by_host(&self, host: &str) -> Result<Option<Brand>, CoreError> {
        let host = host_key(host);
        if self.host_is_reserved(&host) {
            return Ok(None);
        }
        let Some(brand) = self.store.brand_by_host(&host).await? else {
            return Ok(None);
        };
        let account = self.account(Scope::OPERATOR, brand.account_id).await?;
        Ok(self
            .config
            .plans
            .limits(account.plan)
            .branding
            .then_some(brand))
    }

    /// The branded webmail hosts of the accounts in `scope` whose plan includes branding, for
    /// the certificates ordered for them.
    pub async fn branded_hosts(&self, scope: Scope) -> Result<Vec<String>, CoreError> {
        let mut hosts = Vec::new();
        for account in self.accounts().await? {
            if !scope.covers(account.id) || !self.config.plans.limits(account.plan).branding {
                continue;
            }
            if let Some(brand) = self.store.brand_of(account.id).await?
                && !self.host_is_reserved(&brand.host)
            {
                hosts.push(brand.host);
            }
        }
        Ok(hosts)
    }

    /// Whether `host` (a [`host_key`]) is the operator's: the shared webmail's, the dashboard's.
    fn host_is_reserved(&self, host: &str) -> bool {
        self.config
            .reserved_hosts
            .iter()
            .any(|r| host_key(r) == host)
    }
}
