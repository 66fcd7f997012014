//! Argon2id hashing on a bounded blocking pool: at most one hash per core runs at a time, and
//! none on the async reactor, so a burst of sign-ins queues instead of stalling every connection.

use crate::error::CoreError;
use argon2::password_hash::phc::PasswordHash;
use argon2::password_hash::{PasswordHasher as _, PasswordVerifier as _};
use argon2::{Algorithm, Argon2, Params, Version};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use tokio::sync::Semaphore;
use zeroize::Zeroizing;

/// Argon2id cost; the default is OWASP's (19 MiB, 2 passes, 1 lane).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HashCost {
    pub memory_kib: u32,
    pub passes: u32,
    pub lanes: u32,
}

impl Default for HashCost {
    fn default() -> HashCost {
        HashCost {
            memory_kib: 19 * 1024,
            passes: 2,
            lanes: 1,
        }
    }
}

/// Whether a password matched a stored hash, and whether that hash should be made anew.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Verdict {
    pub matches: bool,
    pub needs_rehash: bool,
}

/// Hashes and verifies passwords; cheap to clone.
#[derive(Clone)]
pub struct PasswordHasher {
    cost: HashCost,
    permits: Arc<Semaphore>,
    verifications: Arc<AtomicU64>,
}

impl std::fmt::Debug for PasswordHasher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PasswordHasher")
            .field("cost", &self.cost)
            .finish()
    }
}

impl PasswordHasher {
    /// `parallel` hashes at most at once; usually the number of cores.
    pub fn new(cost: HashCost, parallel: usize) -> PasswordHasher {
        PasswordHasher {
            cost,
            permits: Arc::new(Semaphore::new(parallel.max(1))),
            verifications: Arc::new(AtomicU64::new(0)),
        }
    }

    /// One hasher a core, at the default cost.
    pub fn for_this_machine() -> PasswordHasher {
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        PasswordHasher::new(HashCost::default(), cores)
    }

    pub fn cost(&self) -> HashCost {
        self.cost
    }

    /// Verifications run so far by this hasher and its clones: the work a refused sign-in cost,
    /// which must not depend on whether the login exists.
    pub fn verifications(&self) -> u64 {
        self.verifications.load(Ordering::Relaxed)
    }

    /// A PHC string for `password` with a fresh random salt.
    pub async fn hash(&self, password: &str) -> Result<String, CoreError> {
        let password = Zeroizing::new(password.to_owned());
        let cost = self.cost;
        self.run(move || hash_now(cost, &password)).await?
    }

    /// Checks `password` against a stored PHC string. A string that does not parse counts as a
    /// mismatch, never as an error a caller could tell apart.
    pub async fn verify(&self, password: &str, phc: &str) -> Result<Verdict, CoreError> {
        let password = Zeroizing::new(password.to_owned());
        let phc = phc.to_owned();
        let cost = self.cost;
        let verdict = self.run(move || verify_now(cost, &password, &phc)).await;
        self.verifications.fetch_add(1, Ordering::Relaxed);
        verdict
    }

    async fn run<T: Send + 'static>(
        &self,
        work: impl FnOnce() -> T + Send + 'static,
    ) -> Result<T, CoreError> {
        let _permit = self
            .permits
            .acquire()
            .await
            .map_err(|_| CoreError::Internal("password hasher closed".into()))?;
        tokio::task::spawn_blocking(work)
            .await
            .map_err(|e| CoreError::Internal(format!("password hashing task failed: {e}")))
    }
}

fn argon2_for(cost: HashCost) -> Result<Argon2<'static>, CoreError> {
    let params = Params::new(cost.memory_kib, cost.passes, cost.lanes, None)
        .map_err(|e| CoreError::Internal(format!("bad Argon2 parameters: {e}")))?;
    Ok(Argon2::new(Algorithm::Argon2id, Version::V0x13, params))
}

fn hash_now(cost: HashCost, password: &str) -> Result<String, CoreError> {
    let salt = super::random::bytes::<16>()?;
    argon2_for(cost)?
        .hash_password_with_salt(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| CoreError::Internal(format!("hashing failed: {e}")))
}

fn verify_now(cost: HashCost, password: &str, phc: &str) -> Verdict {
    let Ok(parsed) = PasswordHash::new(phc) else {
        return Verdict {
            matches: false,
            needs_rehash: false,
        };
    };
    let Ok(argon2) = argon2_for(cost) else {
        return Verdict {
            matches: false,
            needs_rehash: false,
        };
    };
    let matches = argon2.verify_password(password.as_bytes(), &parsed).is_ok();
    Verdict {
        matches,
        needs_rehash: matches && !has_cost(&parsed, cost),
    }
}

fn has_cost(parsed: &PasswordHash, cost: HashCost) -> bool {
    let is_argon2id = parsed.algorithm.as_str() == "argon2id";
    is_argon2id
        && Params::try_from(parsed).is_ok_and(|p| {
            p.m_cost() == cost.memory_kib && p.t_cost() == cost.passes && p.p_cost() == cost.lanes
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn hashes_are_argon2id_phc_with_owasp_cost() {
        let hasher = PasswordHasher::new(HashCost::default(), 2);
        let phc = hasher.hash("Correct horse 1").await.unwrap();
        assert!(phc.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{phc}");
        let v = hasher.verify("Correct horse 1", &phc).await.unwrap();
        assert_eq!(
            v,
            Verdict {
                matches: true,
                needs_rehash: false
            }
        );
        assert!(
            !hasher
                .verify("Correct horse 2", &phc)
                .await
                .unwrap()
                .matches
        );
    }

    #[tokio::test]
    async fn old_cost_asks_for_a_rehash_only_when_it_matches() {
        let old = PasswordHasher::new(
            HashCost {
                memory_kib: 8 * 1024,
                passes: 1,
                lanes: 1,
            },
            1,
        );
        let phc = old.hash("Old params pass 1").await.unwrap();
        let current = PasswordHasher::new(HashCost::default(), 1);
        let right = current.verify("Old params pass 1", &phc).await.unwrap();
        assert!(right.matches && right.needs_rehash);
        let wrong = current.verify("wrong", &phc).await.unwrap();
        assert!(!wrong.matches && !wrong.needs_rehash);
    }

    #[tokio::test]
    async fn garbage_hash_is_a_mismatch() {
        let hasher = PasswordHasher::new(HashCost::default(), 1);
        let v = hasher.verify("anything", "not a phc string").await.unwrap();
        assert!(!v.matches);
    }
}
