//! One order: a certificate for a set of names, each validated by the chosen challenge while
//! the listeners answer it, then finalized with a fresh key of our own.

use crate::challenge_certificate::challenge_certificate;
use crate::{AcmeAccount, AcmeError, Challenge};
use instant_acme::{
    AuthorizationStatus, ChallengeType, Identifier, NewOrder, OrderStatus, RetryPolicy,
};
use rcgen::{CertificateParams, DistinguishedName, KeyPair};
use std::time::Duration;
use trekmail_net::{Certificates, ChallengeTokens};

/// How long the CA may take to validate, and then to issue.
const VALIDATION_TIMEOUT: Duration = Duration::from_secs(120);

/// A certificate the CA issued, with its key, both PEM.
#[derive(Debug, Clone)]
pub struct Issued {
    pub chain_pem: String,
    pub key_pem: String,
}

/// The answers put up for an order; taken down when it ends, however it ends.
struct Answers<'a> {
    tokens: &'a ChallengeTokens,
    certificates: &'a Certificates,
    token_list: Vec<String>,
    names: Vec<String>,
}

impl Drop for Answers<'_> {
    fn drop(&mut self) {
        for token in &self.token_list {
            self.tokens.remove(token);
        }
        for name in &self.names {
            self.certificates.remove_challenge(name);
        }
    }
}

impl AcmeAccount {
    /// Orders one certificate for `names` (the first is its subject), answering by
    /// `challenge` through `tokens` (HTTP-01) or `certificates` (TLS-ALPN-01).
    pub async fn order(
        &self,
        names: &[String],
        challenge: Challenge,
        tokens: &ChallengeTokens,
        certificates: &Certificates,
    ) -> Result<Issued, AcmeError> {
        let identifiers: Vec<Identifier> =
            names.iter().map(|n| Identifier::Dns(n.clone())).collect();
        let mut order = self.account.new_order(&NewOrder::new(&identifiers)).await?;
        let mut answers = Answers {
            tokens,
            certificates,
            token_list: Vec::new(),
            names: Vec::new(),
        };
        let (kind, label) = match challenge {
            Challenge::Http01 => (ChallengeType::Http01, "http-01"),
            Challenge::TlsAlpn01 => (ChallengeType::TlsAlpn01, "tls-alpn-01"),
        };
        let mut authorizations = order.authorizations();
        while let Some(authorization) = authorizations.next().await {
            let mut authorization = authorization?;
            match authorization.status {
                AuthorizationStatus::Pending => {}
                AuthorizationStatus::Valid => continue,
                status => {
                    return Err(AcmeError::Invalid(format!(
                        "{}: the authorization is {status:?}",
                        authorization.identifier()
                    )));
                }
            }
            let name = authorization.identifier().to_string();
            let mut handle = authorization
                .challenge(kind.clone())
                .ok_or_else(|| AcmeError::NoChallenge(label, name.clone()))?;
            let key_authorization = handle.key_authorization();
            match challenge {
                Challenge::Http01 => {
                    tokens.insert(&handle.token, key_authorization.as_str());
                    answers.token_list.push(handle.token.clone());
                }
                Challenge::TlsAlpn01 => {
                    let answer = challenge_certificate(&name, key_authorization.digest().as_ref())?;
                    certificates.set_challenge(&name, answer);
                    answers.names.push(name.clone());
                }
            }
            handle.set_ready().await?;
        }
        let retries = RetryPolicy::new()
            .initial_delay(Duration::from_millis(250))
            .backoff(1.5)
            .timeout(VALIDATION_TIMEOUT);
        let status = order.poll_ready(&retries).await?;
        if status != OrderStatus::Ready {
            return Err(AcmeError::Invalid(refusal(&mut order).await));
        }
        drop(answers);
        let key = KeyPair::generate()?;
        let mut params = CertificateParams::new(names.to_vec())?;
        params.distinguished_name = DistinguishedName::new();
        let csr = params.serialize_request(&key)?;
        order.finalize_csr(csr.der()).await?;
        let chain_pem = order.poll_certificate(&retries).await?;
        Ok(Issued {
            chain_pem,
            key_pem: key.serialize_pem(),
        })
    }
}

/// What the CA said about the names it did not validate.
async fn refusal(order: &mut instant_acme::Order) -> String {
    let mut said = Vec::new();
    let mut authorizations = order.authorizations();
    while let Some(Ok(authorization)) = authorizations.next().await {
        let name = authorization.identifier().to_string();
        for challenge in &authorization.challenges {
            if let Some(problem) = &challenge.error {
                said.push(format!(
                    "{name}: {}",
                    problem.detail.as_deref().unwrap_or("refused")
                ));
            }
        }
    }
    match said.is_empty() {
        true => "the order became invalid".to_owned(),
        false => said.join("; "),
    }
}
