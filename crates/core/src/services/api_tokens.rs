use super::{Actor, Scope};
use crate::Core;
use crate::audit::AuditKind;
use crate::error::CoreError;
use crate::ids::{AccountId, Principal};
use crate::security::random;
use crate::store::ApiToken;
use sha2::{Digest, Sha256};
use zeroize::Zeroizing;

/// Every token starts so, which lets secret scanners and people recognise one.
const PREFIX: &str = "tmk_";

/// A token's last use is written at most this often, so API traffic does not write a row
/// on every request.
const TOUCH_EVERY_SECS: i64 = 60;

/// How long a new token works, chosen when it is made.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenLifetime {
    Days30,
    Days90,
    Days365,
    Never,
}

impl TokenLifetime {
    pub const ALL: [TokenLifetime; 4] = [
        TokenLifetime::Days30,
        TokenLifetime::Days90,
        TokenLifetime::Days365,
        TokenLifetime::Never,
    ];

    /// The name forms use: `30`, `90`, `365` or `never`.
    pub fn as_str(self) -> &'static str {
        match self {
            TokenLifetime::Days30 => "30",
            TokenLifetime::Days90 => "90",
            TokenLifetime::Days365 => "365",
            TokenLifetime::Never => "never",
        }
    }

    pub fn parse(name: &str) -> Option<TokenLifetime> {
        TokenLifetime::ALL
            .into_iter()
            .find(|l| l.as_str() == name.trim())
    }

    fn days(self) -> Option<i64> {
        match self {
            TokenLifetime::Days30 => Some(30),
            TokenLifetime::Days90 => Some(90),
            TokenLifetime::Days365 => Some(365),
            TokenLifetime::Never => None,
        }
    }
}

/// What a new token is to be.
pub struct NewApiToken<'a> {
    pub name: &'a str,
    pub lifetime: TokenLifetime,
    /// The account owner's password, asked again: a stolen dashboard session alone makes no
    /// token that outlives it. Needed from the owner (an account's scope), not the operator.
    pub password: Option<&'a str>,
}

impl Core {
    /// A new API token for the account; its value is returned once and only its hash kept.
    pub async fn create_api_token(
        &self,
        scope: Scope,
        account: AccountId,
        new: &NewApiToken<'_>,
        actor: &Actor,
    ) -> Result<(ApiToken, Zeroizing<String>), CoreError> {
        let account = self.account(scope, account).await?;
        let name = new.name.trim();
        if name.is_empty() || name.chars().count() > 100 || name.chars().any(char::is_control) {
            return Err(CoreError::Invalid(
                "a token name is 1 to 100 characters, without control characters".into(),
            ));
        }
        match (scope.account_id(), new.password) {
            (_, Some(password)) => {
                let why = "API token not made: wrong password";
                self.confirm_password(
                    Principal::Account(account.id),
                    account.id,
                    password,
                    actor,
                    why,
                )
                .await?;
            }
            (Some(_), None) => {
                return Err(CoreError::Invalid("a new token needs your password".into()));
            }
            (None, None) => {}
        }
        let value = Zeroizing::new(format!(
            "{PREFIX}{}",
            data_encoding::BASE32_NOPAD
                .encode(&random::bytes::<20>()?)
                .to_ascii_lowercase()
        ));
        let now = self.clock.now();
        let expires_at = new.lifetime.days().map(|d| now + chrono::Duration::days(d));
        let audit = actor
            .event(now, AuditKind::ApiTokenCreated)
            .account(account.id)
            .detail(match new.lifetime.days() {
                Some(days) => format!("{name}, for {days} days"),
                None => format!("{name}, without expiry"),
            });
        let token = self
            .store
            .insert_api_token(account.id, name, &token_hash(&value), expires_at, &audit)
            .await?;
        Ok((token, value))
    }

    pub async fn api_tokens(
        &self,
        scope: Scope,
        account: AccountId,
    ) -> Result<Vec<ApiToken>, CoreError> {
        let account = self.account(scope, account).await?;
        Ok(self.store.api_tokens_of(account.id).await?)
    }

    /// Revokes one of the account's tokens; another account's answers `NotFound`.
    pub async fn revoke_api_token(
        &self,
        scope: Scope,
        account: AccountId,
        id: i64,
        actor: &Actor,
    ) -> Result<(), CoreError> {
        let account = self.account(scope, account).await?;
        let audit = actor
            .event(self.clock.now(), AuditKind::ApiTokenRevoked)
            .account(account.id)
            .detail(format!("token {id}"));
        match self.store.revoke_api_token(account.id, id, &audit).await? {
            true => Ok(()),
            false => Err(CoreError::NotFound),
        }
    }

    /// The token presented and its account's scope; `Denied` for anything else alike, an
    /// expired token too.
    pub async fn authenticate_api_token(
        &self,
        presented: &str,
    ) -> Result<(ApiToken, Scope), CoreError> {
        if !presented.starts_with(PREFIX) || presented.len() > 100 {
            return Err(CoreError::Denied);
        }
        let now = self.clock.now();
        let token = self
            .store
            .api_token_by_hash(&token_hash(presented), now)
            .await?
            .ok_or(CoreError::Denied)?;
        let since = now - chrono::Duration::seconds(TOUCH_EVERY_SECS);
        if token.last_used_at.is_none_or(|at| at < since) {
            self.store.touch_api_token(token.id, now, since).await?;
        }
        let scope = Scope::account(token.account_id);
        Ok((token, scope))
    }
}

/// Tokens carry 160 random bits, so a plain SHA-256 is enough to keep them unusable from a
/// stolen database; the lookup is by hash, never by comparing values.
fn token_hash(token: &str) -> Vec<u8> {
    Sha256::digest(token.as_bytes()).to_vec()
}
