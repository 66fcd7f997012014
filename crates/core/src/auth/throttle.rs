//! Failure throttling with growing delays, kept per login+IP and per IP: a guesser slows to a
//! crawl, while the owner signing in from another address is not locked out. The counters live
//! in the database, so nodes sharing it throttle as one.

use crate::clock::Clock;
use crate::error::CoreError;
use crate::store::ThrottleStore;
use serde::Deserialize;
use sha2::{Digest, Sha256};
use std::net::IpAddr;
use std::sync::Arc;
use std::time::Duration;

/// How many failures are free, and how the delay grows after them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ThrottlePolicy {
    /// Failures of one login from one IP before delays start.
    pub free_per_login: u32,
    /// Failures from one IP, whatever the login, before delays start.
    pub free_per_ip: u32,
    /// The first delay; each further failure doubles it.
    pub first_delay_ms: u64,
    /// The longest delay.
    pub max_delay_secs: u64,
    /// A key with no failure for this long is forgotten.
    pub forget_after_secs: u64,
}

impl Default for ThrottlePolicy {
    fn default() -> ThrottlePolicy {
        ThrottlePolicy {
            free_per_login: 3,
            free_per_ip: 30,
            first_delay_ms: 1000,
            max_delay_secs: 900,
            forget_after_secs: 3600,
        }
    }
}

impl ThrottlePolicy {
    fn delay_after(&self, failures: u32, free: u32) -> Duration {
        if failures <= free {
            return Duration::ZERO;
        }
        let doublings = (failures - free - 1).min(30);
        let ms = self.first_delay_ms.saturating_mul(1u64 << doublings);
        Duration::from_millis(ms).min(Duration::from_secs(self.max_delay_secs))
    }
}

/// The counters a failure of `login` from `ip` goes against: the login from that IP, and the
/// IP whatever the login. A login too long to be anyone's is kept as its hash.
fn keys(login: &str, ip: IpAddr) -> [String; 2] {
    let login = if login.len() <= 254 {
        login.to_owned()
    } else {
        format!(
            "#{}",
            data_encoding::HEXLOWER.encode(&Sha256::digest(login.as_bytes()))
        )
    };
    [format!("l|{ip}|{login}"), format!("i|{ip}")]
}

/// Failure counters in the store, shared by every node on the database.
pub struct Throttle {
    policy: ThrottlePolicy,
    clock: Arc<dyn Clock>,
    store: Arc<dyn ThrottleStore>,
}

impl Throttle {
    pub fn new(
        policy: ThrottlePolicy,
        clock: Arc<dyn Clock>,
        store: Arc<dyn ThrottleStore>,
    ) -> Throttle {
        Throttle {
            policy,
            clock,
            store,
        }
    }

    /// How long until `login` may try again from `ip`; zero when it may now.
    pub async fn wait_before(&self, login: &str, ip: IpAddr) -> Result<Duration, CoreError> {
        let now = self.clock.now();
        let forget = now - self.forget_after();
        let frees = [self.policy.free_per_login, self.policy.free_per_ip];
        let counts = self.store.failure_counts(&keys(login, ip)).await?;
        Ok(counts
            .iter()
            .zip(frees)
            .filter_map(|(count, free)| count.map(|c| (c, free)))
            .filter(|(c, _)| c.last_failure >= forget)
            .map(|(c, free)| {
                let until = c.last_failure
                    + chrono::Duration::from_std(self.policy.delay_after(c.failures, free))
                        .unwrap_or_default();
                (until - now).to_std().unwrap_or(Duration::ZERO)
            })
            .max()
            .unwrap_or(Duration::ZERO))
    }

    /// Counts a failure and returns the delay it earns.
    pub async fn failed(&self, login: &str, ip: IpAddr) -> Result<Duration, CoreError> {
        let now = self.clock.now();
        let counts = self
            .store
            .count_failure(&keys(login, ip), now, now - self.forget_after())
            .await?;
        let frees = [self.policy.free_per_login, self.policy.free_per_ip];
        Ok(counts
            .iter()
            .zip(frees)
            .map(|(&failures, free)| self.policy.delay_after(failures, free))
            .max()
            .unwrap_or(Duration::ZERO))
    }

    /// A success clears the login's counter from that IP (not the IP's: one right password
    /// must not reset a spray across many logins).
    pub async fn succeeded(&self, login: &str, ip: IpAddr) -> Result<(), CoreError> {
        let [login_key, _] = keys(login, ip);
        Ok(self.store.forgive(&login_key).await?)
    }

    /// Drops counters nobody has failed against for `forget_after_secs`.
    pub async fn prune(&self) -> Result<u64, CoreError> {
        let before = self.clock.now() - self.forget_after();
        Ok(self.store.prune_failures(before).await?)
    }

    fn forget_after(&self) -> chrono::Duration {
        chrono::Duration::seconds(
            i64::try_from(self.policy.forget_after_secs).unwrap_or(i64::MAX / 2),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delays_double_after_the_free_failures_up_to_the_cap() {
        let policy = ThrottlePolicy::default();
        let delays: Vec<u64> = (1..=8)
            .map(|n| policy.delay_after(n, 3).as_secs())
            .collect();
        assert_eq!(delays, [0, 0, 0, 1, 2, 4, 8, 16]);
        assert_eq!(policy.delay_after(40, 3), Duration::from_secs(900));
        assert_eq!(policy.delay_after(u32::MAX, 3), Duration::from_secs(900));
    }

    #[test]
    fn a_login_is_counted_per_ip_and_an_overlong_one_by_its_hash() {
        let a: IpAddr = "203.0.113.7".parse().unwrap();
        let b: IpAddr = "2001:db8::1".parse().unwrap();
        assert_eq!(
            keys("ann@x.com", a),
            [
                "l|203.0.113.7|ann@x.com".to_owned(),
                "i|203.0.113.7".to_owned()
            ]
        );
        assert_ne!(keys("ann@x.com", a)[0], keys("ann@x.com", b)[0]);
        let long = "x".repeat(10_000);
        let [key, _] = keys(&long, a);
        assert!(key.len() < 100, "{key}");
        assert_ne!(key, keys(&"y".repeat(10_000), a)[0]);
    }
}
