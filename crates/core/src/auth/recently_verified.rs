//! Passwords the door verified moments ago. A mail app opens several IMAP connections at once
//! with one password: each attempt is still counted by the throttle first, but once one was
//! hashed, the others (the same secret for the same credential) need no hash of their own, so
//! they give their counts back at once and the ones waiting behind them go. The cache is only
//! asked after the throttle let an attempt through, so it is no oracle for a guesser the
//! throttle holds. Entries are keyed digests (a random per-process key, never
//! stored) of the credential as it is now: a new password or epoch misses at once. They live
//! [`LIFETIME`], and at most [`MAX_ENTRIES`] are kept.

use crate::error::CoreError;
use crate::ids::Principal;
use crate::security::random;
use crate::store::Credentials;
use chrono::{DateTime, Utc};
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::sync::Mutex;

/// How long a verified password passes on sight.
pub(crate) const LIFETIME: chrono::TimeDelta = chrono::TimeDelta::seconds(60);
const MAX_ENTRIES: usize = 10_000;

/// One (credential, secret) pair, as the cache knows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) struct VerifiedKey([u8; 32]);

pub(crate) struct RecentlyVerified {
    key: [u8; 32],
    seen: Mutex<HashMap<VerifiedKey, DateTime<Utc>>>,
}

impl RecentlyVerified {
    pub(crate) fn new() -> Result<RecentlyVerified, CoreError> {
        Ok(RecentlyVerified {
            key: random::bytes()?,
            seen: Mutex::new(HashMap::new()),
        })
    }

    /// The cache's name for `secret` tried against `who`'s current credential.
    pub(crate) fn key(&self, who: Principal, creds: &Credentials, secret: &str) -> VerifiedKey {
        let mut digest = Sha256::new();
        digest.update(self.key);
        for part in [
            format!("{who:?}").as_bytes(),
            &creds.epoch.to_be_bytes(),
            creds.password_hash.as_bytes(),
            secret.as_bytes(),
        ] {
            digest.update((part.len() as u64).to_be_bytes());
            digest.update(part);
        }
        VerifiedKey(digest.finalize().into())
    }

    /// A password just verified by its hash.
    pub(crate) fn remember(&self, key: VerifiedKey, now: DateTime<Utc>) {
        let mut seen = self.lock();
        if seen.len() >= MAX_ENTRIES {
            seen.retain(|_, at| now - *at < LIFETIME);
        }
        if seen.len() < MAX_ENTRIES {
            seen.insert(key, now);
        }
    }

    /// Whether the pair was verified less than [`LIFETIME`] ago.
    pub(crate) fn knows(&self, key: &VerifiedKey, now: DateTime<Utc>) -> bool {
        self.lock().get(key).is_some_and(|at| now - *at < LIFETIME)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<VerifiedKey, DateTime<Utc>>> {
        self.seen.lock().unwrap_or_else(|p| p.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ids::MailboxId;

    fn creds(hash: &str, epoch: i64) -> Credentials {
        Credentials {
            password_hash: hash.to_owned(),
            epoch,
            totp_sealed: None,
            totp_last_step: None,
        }
    }

    #[test]
    fn only_the_same_secret_for_the_same_credential_passes_and_not_for_long() {
        let cache = RecentlyVerified::new().unwrap();
        let who = Principal::Mailbox(MailboxId(1));
        let now = chrono::Utc::now();
        let key = cache.key(who, &creds("$argon2id$a", 1), "right");
        cache.remember(key, now);
        assert!(cache.knows(&key, now + chrono::TimeDelta::seconds(59)));
        assert!(!cache.knows(&key, now + LIFETIME));
        for other in [
            cache.key(who, &creds("$argon2id$a", 1), "wrong"),
            cache.key(who, &creds("$argon2id$b", 1), "right"),
            cache.key(who, &creds("$argon2id$a", 2), "right"),
            cache.key(
                Principal::Mailbox(MailboxId(2)),
                &creds("$argon2id$a", 1),
                "right",
            ),
        ] {
            assert!(!cache.knows(&other, now));
        }
    }
}
