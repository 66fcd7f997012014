//! Failure throttling with growing delays, kept per login+IP and per IP: a guesser slows to a
//! crawl, while the owner signing in from another address is not locked out.

use crate::clock::Clock;
use chrono::{DateTime, Utc};
use serde::Deserialize;
use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Arc, Mutex};
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

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum Key {
    Login(String, IpAddr),
    Ip(IpAddr),
}

#[derive(Debug, Clone, Copy)]
struct Entry {
    failures: u32,
    blocked_until: DateTime<Utc>,
    last_failure: DateTime<Utc>,
}

/// At most this many keys are kept; past it the oldest are dropped first.
const MAX_KEYS: usize = 100_000;

/// In-process failure counters.
pub struct Throttle {
    policy: ThrottlePolicy,
    clock: Arc<dyn Clock>,
    entries: Mutex<HashMap<Key, Entry>>,
}

impl Throttle {
    pub fn new(policy: ThrottlePolicy, clock: Arc<dyn Clock>) -> Throttle {
        Throttle {
            policy,
            clock,
            entries: Mutex::new(HashMap::new()),
        }
    }

    /// How long until `login` may try again from `ip`; zero when it may now.
    pub fn wait_before(&self, login: &str, ip: IpAddr) -> Duration {
        let now = self.clock.now();
        let entries = self.lock();
        [Key::Login(login.to_owned(), ip), Key::Ip(ip)]
            .iter()
            .filter_map(|k| entries.get(k))
            .map(|e| (e.blocked_until - now).to_std().unwrap_or(Duration::ZERO))
            .max()
            .unwrap_or(Duration::ZERO)
    }

    /// Counts a failure and returns the delay it earns.
    pub fn failed(&self, login: &str, ip: IpAddr) -> Duration {
        let now = self.clock.now();
        let forget = chrono::Duration::seconds(
            i64::try_from(self.policy.forget_after_secs).unwrap_or(i64::MAX / 2),
        );
        let mut entries = self.lock();
        if entries.len() >= MAX_KEYS {
            prune(&mut entries, now - forget);
        }
        let mut delay = Duration::ZERO;
        for (key, free) in [
            (Key::Login(login.to_owned(), ip), self.policy.free_per_login),
            (Key::Ip(ip), self.policy.free_per_ip),
        ] {
            let entry = entries.entry(key).or_insert(Entry {
                failures: 0,
                blocked_until: now,
                last_failure: now,
            });
            if now - entry.last_failure > forget {
                entry.failures = 0;
            }
            entry.failures = entry.failures.saturating_add(1);
            entry.last_failure = now;
            let d = self.policy.delay_after(entry.failures, free);
            entry.blocked_until = now + chrono::Duration::from_std(d).unwrap_or_default();
            delay = delay.max(d);
        }
        delay
    }

    /// A success clears the login's counter from that IP (not the IP's: one right password
    /// must not reset a spray across many logins).
    pub fn succeeded(&self, login: &str, ip: IpAddr) {
        self.lock().remove(&Key::Login(login.to_owned(), ip));
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<Key, Entry>> {
        self.entries.lock().unwrap_or_else(|p| p.into_inner())
    }
}

fn prune(entries: &mut HashMap<Key, Entry>, older_than: DateTime<Utc>) {
    entries.retain(|_, e| e.last_failure > older_than);
    if entries.len() >= MAX_KEYS {
        let mut times: Vec<DateTime<Utc>> = entries.values().map(|e| e.last_failure).collect();
        times.sort_unstable();
        let cut = times[times.len() / 2];
        entries.retain(|_, e| e.last_failure > cut);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock::ManualClock;

    fn setup() -> (Arc<ManualClock>, Throttle) {
        let clock = Arc::new(ManualClock::at_unix(1_800_000_000));
        let throttle = Throttle::new(ThrottlePolicy::default(), clock.clone());
        (clock, throttle)
    }

    const A: IpAddr = IpAddr::V4(std::net::Ipv4Addr::new(203, 0, 113, 7));
    const B: IpAddr = IpAddr::V4(std::net::Ipv4Addr::new(198, 51, 100, 9));

    #[test]
    fn delays_grow_after_the_free_failures() {
        let (_, t) = setup();
        let delays: Vec<u64> = (0..8).map(|_| t.failed("ann@x.com", A).as_secs()).collect();
        assert_eq!(delays, [0, 0, 0, 1, 2, 4, 8, 16]);
        assert_eq!(t.wait_before("ann@x.com", A), Duration::from_secs(16));
    }

    #[test]
    fn delay_is_capped() {
        let (_, t) = setup();
        let last = (0..40).map(|_| t.failed("ann@x.com", A)).last().unwrap();
        assert_eq!(last, Duration::from_secs(900));
    }

    #[test]
    fn owner_on_another_ip_is_not_blocked() {
        let (_, t) = setup();
        for _ in 0..20 {
            t.failed("ann@x.com", A);
        }
        assert!(t.wait_before("ann@x.com", A) > Duration::ZERO);
        assert_eq!(t.wait_before("ann@x.com", B), Duration::ZERO);
    }

    #[test]
    fn one_ip_spraying_many_logins_is_slowed() {
        let (_, t) = setup();
        for i in 0..40 {
            t.failed(&format!("user{i}@x.com"), A);
        }
        assert!(t.wait_before("someone-new@x.com", A) > Duration::ZERO);
        t.succeeded("user1@x.com", A);
        assert!(t.wait_before("someone-new@x.com", A) > Duration::ZERO);
    }

    #[test]
    fn block_expires_and_success_clears() {
        let (clock, t) = setup();
        for _ in 0..5 {
            t.failed("ann@x.com", A);
        }
        clock.advance(chrono::Duration::seconds(3));
        assert_eq!(t.wait_before("ann@x.com", A), Duration::ZERO);
        t.succeeded("ann@x.com", A);
        assert_eq!(t.failed("ann@x.com", A), Duration::ZERO);
    }
}
