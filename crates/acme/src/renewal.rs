//! When a certificate is renewed, and how long a failed attempt waits before the next.

use std::time::{Duration, SystemTime};

/// The first retry after a failure; each further failure doubles it, up to `MAX_RETRY`.
const FIRST_RETRY: Duration = Duration::from_secs(60);
const MAX_RETRY: Duration = Duration::from_secs(6 * 3600);

/// When a certificate valid from `not_before` to `not_after` is renewed: once a third of its
/// lifetime is left, but not earlier than `renew_before` ahead of its expiry. A 90-day
/// certificate is renewed 30 days ahead (with `renew_before` 30 days), a 1-year one 30 days
/// ahead too, a 6-day one with 2 days left: early enough for a week of failed retries on the
/// long ones, and not at once for the short-lived ones.
pub fn renew_at(
    not_before: SystemTime,
    not_after: SystemTime,
    renew_before: Duration,
) -> SystemTime {
    let lifetime = not_after.duration_since(not_before).unwrap_or_default();
    let ahead = (lifetime / 3).min(renew_before);
    not_after.checked_sub(ahead).unwrap_or(not_before)
}

/// The wait after `failures` failed attempts in a row (1 for the first): 1 min, doubling,
/// at most 6 h.
pub fn retry_delay(failures: u32) -> Duration {
    let doublings = failures.saturating_sub(1).min(16);
    FIRST_RETRY.saturating_mul(1 << doublings).min(MAX_RETRY)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    const DAY: Duration = Duration::from_secs(86_400);

    fn days_ahead(lifetime_days: u32, renew_before_days: u32) -> u64 {
        let start = SystemTime::UNIX_EPOCH + DAY * 1000;
        let end = start + DAY * lifetime_days;
        let at = renew_at(start, end, DAY * renew_before_days);
        end.duration_since(at).unwrap().as_secs() / 86_400
    }

    #[test]
    fn renewal_is_a_third_of_the_lifetime_ahead_capped_by_renew_before() {
        assert_eq!(days_ahead(90, 30), 30);
        assert_eq!(days_ahead(365, 30), 30);
        assert_eq!(days_ahead(6, 30), 2);
        assert_eq!(days_ahead(90, 10), 10);
        assert_eq!(days_ahead(1825, 30), 30);
    }

    #[test]
    fn a_certificate_valid_backwards_is_due_at_once() {
        let start = SystemTime::UNIX_EPOCH + DAY * 10;
        assert_eq!(renew_at(start, start - DAY, DAY * 30), start - DAY);
    }

    #[test]
    fn retries_double_from_a_minute_up_to_six_hours() {
        let minutes: Vec<u64> = (1..=12).map(|n| retry_delay(n).as_secs() / 60).collect();
        assert_eq!(minutes, [1, 2, 4, 8, 16, 32, 64, 128, 256, 360, 360, 360]);
        assert_eq!(retry_delay(0), Duration::from_secs(60));
        assert_eq!(retry_delay(u32::MAX), MAX_RETRY);
    }
}
