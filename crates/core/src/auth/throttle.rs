//! Failure throttling with growing delays, kept per login from a network, per network, and
//! per login from anywhere: a guesser slows to a crawl, while the owner signing in from a
//! network they signed in from before is not slowed by strangers elsewhere. Every attempt is
//! counted before its secret is checked, in one store transaction, so a burst of attempts
//! gets no more guesses than a sequence; a success takes its count back. The counters live in
//! the database, so nodes sharing it throttle as one.

use crate::clock::Clock;
use crate::error::CoreError;
use crate::store::{FailureCount, ThrottleStore};
use chrono::{DateTime, Utc};
use serde::Deserialize;
use sha2::{Digest, Sha256};
use std::net::IpAddr;
use std::sync::Arc;
use std::time::Duration;

/// Wrong codes a sign-in's code step may take before its ticket is void.
pub const WRONG_CODES_PER_TICKET: u32 = 3;

/// How many failures are free, and how the delay grows after them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ThrottlePolicy {
    /// Failures of one login from one network before delays start.
    pub free_per_login: u32,
    /// Failures from one network, whatever the login, before delays start.
    pub free_per_ip: u32,
    /// Failures of one login from every network not trusted for it, before delays start.
    pub free_per_login_any_ip: u32,
    /// The first delay; each further failure doubles it.
    pub first_delay_ms: u64,
    /// The longest delay.
    pub max_delay_secs: u64,
    /// A key with no failure for this long is forgotten.
    pub forget_after_secs: u64,
    /// A network a login signed in from is trusted for it this long.
    pub trusted_days: u32,
}

impl Default for ThrottlePolicy {
    fn default() -> ThrottlePolicy {
        ThrottlePolicy {
            free_per_login: 3,
            free_per_ip: 30,
            free_per_login_any_ip: 10,
            first_delay_ms: 1000,
            max_delay_secs: 900,
            forget_after_secs: 3600,
            trusted_days: 30,
        }
    }
}

impl ThrottlePolicy {
    /// The wait after `failures`: none for the first `free`, then doubling up to the cap.
    fn delay_after(&self, failures: u32, free: u32) -> Duration {
        if failures < free {
            return Duration::ZERO;
        }
        let doublings = (failures - free).min(30);
        let ms = self.first_delay_ms.saturating_mul(1u64 << doublings);
        Duration::from_millis(ms).min(Duration::from_secs(self.max_delay_secs))
    }
}

/// What a counter allows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Rule {
    /// Free attempts, then growing delays.
    Delay { free: u32 },
    /// A fixed number of attempts, then none (a code step's ticket).
    VoidAfter(u32),
}

/// The network an address stands for: an IPv4 address, or an IPv6 /64 (one customer's
/// allocation: counting single IPv6 addresses would give a guesser 2^64 fresh counters).
pub fn network(ip: IpAddr) -> String {
    match ip {
        IpAddr::V4(v4) => v4.to_string(),
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => v4.to_string(),
            None => {
                let s = v6.segments();
                format!("{:x}:{:x}:{:x}:{:x}::/64", s[0], s[1], s[2], s[3])
            }
        },
    }
}

/// A login as a key: too long to be anyone's, it is kept as its hash.
fn login_key(login: &str) -> String {
    if login.len() <= 254 {
        login.to_owned()
    } else {
        format!("#{}", hash_hex(login))
    }
}

fn hash_hex(text: &str) -> String {
    data_encoding::HEXLOWER.encode(&Sha256::digest(text.as_bytes()))
}

/// An attempt the throttle let through: already counted as a failure against its keys.
#[derive(Debug)]
pub struct Attempt {
    /// Counted keys, in the order of `rules`.
    keys: Vec<String>,
    rules: Vec<Rule>,
    counts: Vec<Option<FailureCount>>,
    /// When it was counted.
    at: DateTime<Utc>,
    /// The login-from-network key and the trust key; `None` without a remote address.
    own: Option<(String, String)>,
}

/// The throttle's answer to an attempt.
#[derive(Debug)]
pub enum Reserved {
    Go(Attempt),
    /// Refused unchecked: wait this long. `settling` when a counter was counted moments ago,
    /// so attempts still being checked (a mail app's other connections) may give their counts
    /// back soon; a guesser long throttled is not, and costs no more tries.
    Throttled {
        wait: Duration,
        settling: bool,
    },
    /// Refused unchecked for good: the code step's ticket took its wrong codes.
    Void,
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

    /// Counts an attempt of `login` from `ip` (and at `ticket`'s code step) before anything
    /// is checked, or refuses it when a counter says wait. Without an address (an operator's
    /// own command) nothing is counted.
    pub async fn reserve(
        &self,
        login: &str,
        ip: Option<IpAddr>,
        ticket: Option<&str>,
    ) -> Result<Reserved, CoreError> {
        let Some(ip) = ip else {
            return Ok(Reserved::Go(Attempt {
                keys: Vec::new(),
                rules: Vec::new(),
                counts: Vec::new(),
                at: self.clock.now(),
                own: None,
            }));
        };
        let now = self.clock.now();
        let (net, login) = (network(ip), login_key(login));
        let own = format!("l|{net}|{login}");
        let trust = format!("t|{net}|{login}");
        let mut keys = vec![
            (
                own.clone(),
                Rule::Delay {
                    free: self.policy.free_per_login,
                },
            ),
            (
                format!("i|{net}"),
                Rule::Delay {
                    free: self.policy.free_per_ip,
                },
            ),
        ];
        if !self.store.trusted(&trust, now - self.trusted_for()).await? {
            keys.push((
                format!("a|{login}"),
                Rule::Delay {
                    free: self.policy.free_per_login_any_ip,
                },
            ));
        }
        if let Some(ticket) = ticket {
            keys.push((
                format!("c|{}", hash_hex(ticket)),
                Rule::VoidAfter(WRONG_CODES_PER_TICKET),
            ));
        }
        let (keys, rules): (Vec<String>, Vec<Rule>) = keys.into_iter().unzip();
        let admit = |counts: &[Option<FailureCount>]| self.wait(&rules, counts).is_zero();
        let (counts, counted) = self
            .store
            .reserve_attempt(&keys, now, now - self.forget_after(), &admit)
            .await?;
        if !counted {
            let settling = counts
                .iter()
                .flatten()
                .any(|c| (now - c.last_failure).to_std().unwrap_or_default() < self.settle());
            return Ok(match self.wait(&rules, &counts) {
                Duration::MAX => Reserved::Void,
                wait => Reserved::Throttled { wait, settling },
            });
        }
        Ok(Reserved::Go(Attempt {
            keys,
            rules,
            counts,
            at: now,
            own: Some((own, trust)),
        }))
    }

    /// The delay a failed `attempt` earned: what its counters now ask of the next one.
    pub fn earned(&self, attempt: &Attempt) -> Duration {
        attempt
            .rules
            .iter()
            .zip(&attempt.counts)
            .map(|(rule, count)| match rule {
                Rule::Delay { free } => self
                    .policy
                    .delay_after(count.map_or(0, |c| c.failures).saturating_add(1), *free),
                Rule::VoidAfter(_) => Duration::ZERO,
            })
            .max()
            .unwrap_or(Duration::ZERO)
    }

    /// The attempt succeeded: the login's counter from its network is cleared, the others get
    /// their count back (one right password must not reset a spray across many logins), and
    /// the network is trusted for the login from now on.
    pub async fn succeeded(&self, attempt: Attempt) -> Result<(), CoreError> {
        let Some((own, trust)) = attempt.own else {
            return Ok(());
        };
        self.store.forgive(&own).await?;
        let (others, read): (Vec<String>, Vec<Option<FailureCount>>) = attempt
            .keys
            .into_iter()
            .zip(attempt.counts)
            .filter(|(k, _)| *k != own)
            .unzip();
        self.store
            .refund_attempt(&others, &read, attempt.at)
            .await?;
        Ok(self.store.trust(&trust, self.clock.now()).await?)
    }

    /// The attempt was right but is not a sign-in (a password before its code, a password
    /// asked for again): every count is taken back, and nothing is trusted.
    pub async fn refund(&self, attempt: Attempt) -> Result<(), CoreError> {
        Ok(self
            .store
            .refund_attempt(&attempt.keys, &attempt.counts, attempt.at)
            .await?)
    }

    /// Drops counters nobody has failed against for `forget_after_secs`, and trust older
    /// than `trusted_days`.
    pub async fn prune(&self) -> Result<u64, CoreError> {
        let now = self.clock.now();
        let failures = self.store.prune_failures(now - self.forget_after()).await?;
        let trust = self.store.prune_trust(now - self.trusted_for()).await?;
        Ok(failures + trust)
    }

    /// How long after an attempt was counted others may wait for it to be checked: long
    /// enough for a few hashes on a busy machine, and shorter than the first delay, so that a
    /// waiting guesser never outlasts one and gains a check.
    pub fn settle(&self) -> Duration {
        let below_first_delay = self.policy.first_delay_ms.saturating_mul(9) / 10;
        Duration::from_millis(below_first_delay.min(900))
    }

    /// How long until the counters as read let one more attempt go.
    fn wait(&self, rules: &[Rule], counts: &[Option<FailureCount>]) -> Duration {
        let now = self.clock.now();
        rules
            .iter()
            .zip(counts)
            .filter_map(|(rule, count)| count.map(|c| (rule, c)))
            .map(|(rule, c)| match rule {
                Rule::VoidAfter(limit) if c.failures >= *limit => Duration::MAX,
                Rule::VoidAfter(_) => Duration::ZERO,
                Rule::Delay { free } => {
                    let delay = self.policy.delay_after(c.failures, *free);
                    let until =
                        c.last_failure + chrono::Duration::from_std(delay).unwrap_or_default();
                    (until - now).to_std().unwrap_or(Duration::ZERO)
                }
            })
            .max()
            .unwrap_or(Duration::ZERO)
    }

    fn forget_after(&self) -> chrono::Duration {
        chrono::Duration::seconds(
            i64::try_from(self.policy.forget_after_secs).unwrap_or(i64::MAX / 2),
        )
    }

    fn trusted_for(&self) -> chrono::Duration {
        chrono::Duration::days(i64::from(self.policy.trusted_days))
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
        assert_eq!(delays, [0, 0, 1, 2, 4, 8, 16, 32]);
        assert_eq!(policy.delay_after(40, 3), Duration::from_secs(900));
        assert_eq!(policy.delay_after(u32::MAX, 3), Duration::from_secs(900));
    }

    #[test]
    fn ipv6_counts_by_its_64_and_mapped_ipv4_as_ipv4() {
        let a: IpAddr = "2001:db8:1:2::1".parse().unwrap();
        let b: IpAddr = "2001:db8:1:2:ffff::9".parse().unwrap();
        let c: IpAddr = "2001:db8:1:3::1".parse().unwrap();
        assert_eq!(network(a), network(b));
        assert_ne!(network(a), network(c));
        assert_eq!(network(a), "2001:db8:1:2::/64");
        assert_eq!(
            network("::ffff:203.0.113.7".parse().unwrap()),
            "203.0.113.7"
        );
        assert_eq!(network("203.0.113.7".parse().unwrap()), "203.0.113.7");
    }

    #[test]
    fn an_overlong_login_is_kept_as_its_hash() {
        let long = login_key(&"x".repeat(10_000));
        assert!(long.len() < 100, "{long}");
        assert_ne!(long, login_key(&"y".repeat(10_000)));
        assert_eq!(login_key("ann@x.com"), "ann@x.com");
    }
}
