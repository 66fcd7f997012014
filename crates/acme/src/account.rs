//! The ACME account: made once at the CA and kept by the caller (its key signs every request),
//! and made again when the configured directory changes.

use crate::AcmeError;
use instant_acme::{Account, AccountCredentials, NewAccount};
use serde::{Deserialize, Serialize};
use std::path::Path;

/// An account at one CA's directory.
#[derive(Clone)]
pub struct AcmeAccount {
    pub(crate) account: Account,
}

/// The account, and its saved form when it was made just now (for the caller to keep).
pub struct Opened {
    pub account: AcmeAccount,
    pub new_saved: Option<String>,
}

/// What is kept: the credentials, and the directory they belong to.
#[derive(Serialize, Deserialize)]
struct Saved {
    directory_url: String,
    credentials: AccountCredentials,
}

impl AcmeAccount {
    /// The account `saved` holds, if it is one at `directory_url`; else a new one, registered
    /// with `contact` (an email address). `ca_root` (PEM) is the only root trusted for the
    /// directory's HTTPS when given (a private CA); else the system's.
    pub async fn open(
        directory_url: &str,
        contact: Option<&str>,
        ca_root: Option<&Path>,
        saved: Option<&str>,
    ) -> Result<Opened, AcmeError> {
        let builder = || match ca_root {
            Some(root) => Account::builder_with_root(root),
            None => Account::builder(),
        };
        if let Some(saved) = saved {
            let saved: Saved = serde_json::from_str(saved)?;
            if saved.directory_url == directory_url {
                let account = builder()?.from_credentials(saved.credentials).await?;
                return Ok(Opened {
                    account: AcmeAccount { account },
                    new_saved: None,
                });
            }
            tracing::info!(directory_url, "a new ACME account for the new directory");
        }
        let mailto = contact.map(|email| format!("mailto:{email}"));
        let contacts: Vec<&str> = mailto.iter().map(String::as_str).collect();
        let new = NewAccount {
            contact: &contacts,
            terms_of_service_agreed: true,
            only_return_existing: false,
        };
        let (account, credentials) = builder()?
            .create(&new, directory_url.to_owned(), None)
            .await?;
        let saved = serde_json::to_string(&Saved {
            directory_url: directory_url.to_owned(),
            credentials,
        })?;
        tracing::info!(id = account.id(), "ACME account registered");
        Ok(Opened {
            account: AcmeAccount { account },
            new_saved: Some(saved),
        })
    }
}
