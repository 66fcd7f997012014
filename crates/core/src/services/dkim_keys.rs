//! Each hosted domain's DKIM keys: made when the domain is added (RSA-2048 and Ed25519),
//! sealed with the server key, rotated to new selectors with the old ones kept published
//! until the operator retires them, and used to sign every message queued for other servers.

use super::{Actor, Scope};
use crate::Core;
use crate::access::Operator;
use crate::audit::AuditKind;
use crate::domain::{DkimAlgorithm, DkimKey, Domain};
use crate::error::CoreError;
use crate::ids::DomainId;
use crate::routing::header::addresses;
use crate::security::random;
use crate::store::{NewDkimKey, SealedDkimKey};
use mail_parser::HeaderName;
use std::sync::Arc;
use trekmail_mailauth::keys;
use trekmail_mailauth::signing::{Signer, SigningKey};

impl Core {
    /// A domain's keys, signing ones first.
    pub async fn dkim_keys(
        &self,
        scope: Scope,
        domain: DomainId,
    ) -> Result<Vec<DkimKey>, CoreError> {
        let domain = self.domain_by_id(scope, domain).await?;
        let stored = self.store.dkim_keys(domain.id).await?;
        Ok(stored.into_iter().map(|s| s.key).collect())
    }

    /// Makes new keys the domain signs with from now on; the ones they replace stay
    /// published, so mail already signed with them still verifies, until retired.
    pub async fn rotate_dkim_keys(
        &self,
        scope: Scope,
        domain: DomainId,
        actor: &Actor,
    ) -> Result<(), CoreError> {
        let domain = self.domain_by_id(scope, domain).await?;
        let keys = self.new_dkim_keys(&domain.name).await?;
        let selectors: Vec<&str> = keys.iter().map(|k| k.selector.as_str()).collect();
        let audit = actor
            .event(self.clock.now(), AuditKind::DkimKeysRotated)
            .account(domain.account_id)
            .detail(format!("{}: {}", domain.name, selectors.join(", ")));
        Ok(self
            .store
            .rotate_dkim_keys(domain.id, &keys, &audit)
            .await?)
    }

    /// Stops publishing a key that no longer signs.
    pub async fn retire_dkim_key(
        &self,
        scope: Scope,
        domain: DomainId,
        selector: &str,
        actor: &Actor,
    ) -> Result<(), CoreError> {
        let domain = self.domain_by_id(scope, domain).await?;
        let audit = actor
            .event(self.clock.now(), AuditKind::DkimKeyRetired)
            .account(domain.account_id)
            .detail(format!("{}: {selector}", domain.name));
        Ok(self
            .store
            .retire_dkim_key(domain.id, selector, &audit)
            .await?)
    }

    /// Gives each domain that signs with no key its first pair: domains added before this
    /// server signed mail. Run by `serve` at start; returns how many got keys.
    pub async fn add_missing_dkim_keys(&self, _operator: &Operator) -> Result<usize, CoreError> {
        let mut made = 0;
        for account in self.store.accounts().await? {
            for domain in self.store.domains_of(account.id).await? {
                let keys = self.store.dkim_keys(domain.id).await?;
                if keys.iter().any(|k| k.key.signing) {
                    continue;
                }
                let new = self.new_dkim_keys(&domain.name).await?;
                let audit = Actor::operator()
                    .event(self.clock.now(), AuditKind::DkimKeysRotated)
                    .account(domain.account_id)
                    .detail(format!("{}: its first keys", domain.name));
                self.store.rotate_dkim_keys(domain.id, &new, &audit).await?;
                made += 1;
            }
        }
        Ok(made)
    }

    /// One new key of each algorithm, sealed, with selectors named for when they were made
    /// (and a random tail, so two rotations in one second differ too).
    pub(crate) async fn new_dkim_keys(&self, domain: &str) -> Result<Vec<NewDkimKey>, CoreError> {
        let tail = random::hex_token()?;
        let stamp = format!(
            "{}{}",
            self.clock.now().format("%Y%m%d%H%M%S"),
            &tail[..4.min(tail.len())]
        );
        // RSA key generation takes a fair share of a second of CPU: off the async workers.
        let generated = tokio::task::spawn_blocking(|| {
            DkimAlgorithm::ALL.map(|algorithm| (algorithm, keys::generate(algorithm)))
        })
        .await
        .map_err(|e| CoreError::Internal(e.to_string()))?;
        let mut made = Vec::with_capacity(generated.len());
        for (algorithm, key) in generated {
            let key = key.map_err(|e| CoreError::Internal(e.to_string()))?;
            let selector = format!("{}{stamp}", selector_prefix(algorithm));
            made.push(NewDkimKey {
                sealed_private: self
                    .secrets
                    .seal(&seal_context(domain, &selector), &key.private_der)?,
                selector,
                algorithm,
                public_key: key.public_key,
            });
        }
        Ok(made)
    }

    /// `message` with DKIM signatures of the hosted domain it leaves from: its `From:`
    /// domain (or the hosted domain above it), else its envelope sender's; unchanged when
    /// neither is hosted here. A key that cannot be used is logged and the message goes
    /// unsigned rather than not at all.
    pub(crate) async fn dkim_signed(&self, envelope_sender: &str, message: &[u8]) -> Vec<u8> {
        let domain = match self.signing_domain(envelope_sender, message).await {
            Ok(Some(domain)) => domain,
            Ok(None) => return message.to_vec(),
            Err(e) => {
                tracing::error!(error = %e, "cannot look up the signing domain: sent unsigned");
                return message.to_vec();
            }
        };
        match self.sign_as(&domain, message).await {
            Ok(headers) => {
                let mut signed = Vec::with_capacity(headers.len() + message.len());
                signed.extend_from_slice(headers.as_bytes());
                signed.extend_from_slice(message);
                signed
            }
            Err(e) => {
                tracing::error!(domain = %domain.name, error = %e, "cannot DKIM-sign: sent unsigned");
                message.to_vec()
            }
        }
    }

    /// The hosted domain a message is signed for.
    async fn signing_domain(
        &self,
        envelope_sender: &str,
        message: &[u8],
    ) -> Result<Option<Domain>, CoreError> {
        let from = addresses(message, &[HeaderName::From]);
        let candidates = from.iter().map(String::as_str).chain([envelope_sender]);
        for address in candidates {
            let Some((_, domain)) = address.rsplit_once('@') else {
                continue;
            };
            // A host under a hosted domain (a bounce's MAILER-DAEMON@mx.example.com) signs
            // as that domain: DMARC's relaxed alignment accepts it.
            let domain = domain.to_ascii_lowercase();
            let mut name = domain.as_str();
            while name.contains('.') {
                if let Some(found) = self.store.domain_by_name(name).await? {
                    return Ok(Some(found));
                }
                name = name.split_once('.').map_or("", |(_, parent)| parent);
            }
        }
        Ok(None)
    }

    /// The `DKIM-Signature` fields of `domain`'s signing keys for `message`.
    async fn sign_as(&self, domain: &Domain, message: &[u8]) -> Result<String, CoreError> {
        let stored: Vec<SealedDkimKey> = self
            .store
            .dkim_keys(domain.id)
            .await?
            .into_iter()
            .filter(|s| s.key.signing)
            .collect();
        let selectors: Vec<&str> = stored.iter().map(|s| s.key.selector.as_str()).collect();
        let signer = match self.dkim_signers.get(domain.id, &selectors) {
            Some(signer) => signer,
            None => {
                let keys: Vec<SigningKey> = stored
                    .iter()
                    .map(|s| self.open_key(&domain.name, s))
                    .collect::<Result<_, _>>()?;
                let signer = Arc::new(
                    Signer::new(&domain.name, &keys)
                        .map_err(|e| CoreError::Internal(e.to_string()))?,
                );
                self.dkim_signers.keep(domain.id, signer.clone());
                signer
            }
        };
        signer
            .sign(message)
            .map_err(|e| CoreError::Internal(e.to_string()))
    }

    fn open_key(&self, domain: &str, stored: &SealedDkimKey) -> Result<SigningKey, CoreError> {
        let private_der = self
            .secrets
            .open(
                &seal_context(domain, &stored.key.selector),
                &stored.sealed_private,
            )
            .ok_or_else(|| {
                CoreError::Internal(format!(
                    "DKIM key {} does not open with this server key",
                    stored.key.selector
                ))
            })?;
        Ok(SigningKey {
            algorithm: stored.key.algorithm,
            selector: stored.key.selector.clone(),
            private_der,
        })
    }
}

/// The first letters of a selector, naming its algorithm for whoever reads the DNS zone.
fn selector_prefix(algorithm: DkimAlgorithm) -> &'static str {
    match algorithm {
        DkimAlgorithm::Rsa => "rsa",
        DkimAlgorithm::Ed25519 => "ed",
    }
}

/// Binds a sealed private key to its domain and selector, so a row copied onto another
/// does not open.
fn seal_context(domain: &str, selector: &str) -> String {
    format!("dkim-key:{domain}:{selector}")
}
