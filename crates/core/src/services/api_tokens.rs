use super::{Actor, Scope};
use crate::Core;
use crate::audit::AuditKind;
use crate::error::CoreError;
use crate::ids::AccountId;
use crate::security::random;
use crate::store::ApiToken;
use sha2::{Digest, Sha256};
use zeroize::Zeroizing;

/// Every token starts so, which lets secret scanners and people recognise one.
const PREFIX: &str = "tmk_";

impl Core {
    /// A new API token for the account; its value is returned once and only its hash kept.
    pub async fn create_api_token(
        &self,
        scope: Scope,
        account: AccountId,
        name: &str,
        actor: &Actor,
    ) -> Result<(ApiToken, Zeroizing<String>), CoreError> {
        let account = self.account(scope, account).await?;
        let name = name.trim();
        if name.is_empty() || name.chars().count() > 100 || name.chars().any(char::is_control) {
            return Err(CoreError::Invalid(
                "a token name is 1 to 100 characters, without control characters".into(),
            ));
        }
        let value = Zeroizing::new(format!(
            "{PREFIX}{}",
            data_encoding::BASE32_NOPAD
                .encode(&random::bytes::<20>()?)
                .to_ascii_lowercase()
        ));
        let audit = actor
            .event(self.clock.now(), AuditKind::ApiTokenCreated)
            .account(account.id)
            .detail(name.to_owned());
        let token = self
            .store
            .insert_api_token(account.id, name, &token_hash(&value), &audit)
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

    /// The account a presented token acts for; `Denied` for anything else, alike.
    pub async fn authenticate_api_token(&self, presented: &str) -> Result<ApiToken, CoreError> {
        if !presented.starts_with(PREFIX) || presented.len() > 100 {
            return Err(CoreError::Denied);
        }
        self.store
            .use_api_token(&token_hash(presented), self.clock.now())
            .await?
            .ok_or(CoreError::Denied)
    }
}

/// Tokens carry 160 random bits, so a plain SHA-256 is enough to keep them unusable from a
/// stolen database; the lookup is by hash, never by comparing values.
fn token_hash(token: &str) -> Vec<u8> {
    Sha256::digest(token.as_bytes()).to_vec()
}
