//! RFC 6238 time-based one-time codes (SHA-1, 6 digits, 30-second steps, ±1 step of drift).
//! The secret lives in a type that cannot be printed or serialised.

use super::random;
use crate::error::CoreError;
use chrono::{DateTime, Utc};
use hmac::{Hmac, KeyInit, Mac};
use sha1::Sha1;
use subtle::ConstantTimeEq;
use zeroize::Zeroizing;

/// Seconds per time step.
pub const STEP_SECONDS: i64 = 30;
/// Digits in a code.
pub const DIGITS: u32 = 6;
/// Steps of clock drift accepted either side of now.
pub const DRIFT_STEPS: i64 = 1;

/// A 160-bit TOTP key. Debug shows nothing of it; it has no Serialize.
pub struct TotpSecret(Zeroizing<Vec<u8>>);

impl std::fmt::Debug for TotpSecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("TotpSecret(redacted)")
    }
}

impl TotpSecret {
    /// A fresh 160-bit key from the OS random source.
    pub fn generate() -> Result<TotpSecret, CoreError> {
        Ok(TotpSecret(Zeroizing::new(random::bytes::<20>()?.to_vec())))
    }

    pub fn from_bytes(bytes: &[u8]) -> TotpSecret {
        TotpSecret(Zeroizing::new(bytes.to_vec()))
    }

    /// The raw key, for sealing it at rest.
    pub fn expose_bytes(&self) -> &[u8] {
        &self.0
    }

    /// The key as authenticator apps take it typed in (RFC 4648 base32, no padding), grouped in
    /// fours for reading. Only the enrolment page of the mailbox's own owner shows it.
    pub fn expose_base32(&self) -> Zeroizing<String> {
        let plain = Zeroizing::new(data_encoding::BASE32_NOPAD.encode(&self.0));
        let groups: Vec<&str> = plain
            .as_bytes()
            .chunks(4)
            .filter_map(|c| std::str::from_utf8(c).ok())
            .collect();
        Zeroizing::new(groups.join(" "))
    }

    /// An `otpauth://` URI for a QR code, naming the issuer and the address.
    pub fn expose_otpauth_uri(&self, issuer: &str, address: &str) -> Zeroizing<String> {
        let secret = Zeroizing::new(data_encoding::BASE32_NOPAD.encode(&self.0));
        let label = format!("{}:{}", percent_encode(issuer), percent_encode(address));
        Zeroizing::new(format!(
            "otpauth://totp/{label}?secret={}&issuer={}&algorithm=SHA1&digits={DIGITS}&period={STEP_SECONDS}",
            secret.as_str(),
            percent_encode(issuer)
        ))
    }

    /// The code for one time step.
    pub fn code_at_step(&self, step: i64) -> String {
        hotp(&self.0, u64::try_from(step).unwrap_or(0), DIGITS)
    }

    /// The time step `code` belongs to, if it is right for now ±1 step. Every candidate step is
    /// compared in constant time, and all of them are always computed.
    pub fn matching_step(&self, code: &str, now: DateTime<Utc>) -> Option<i64> {
        let code = code.trim();
        if code.len() != DIGITS as usize || !code.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        let current = step_of(now);
        let mut found = None;
        for step in current - DRIFT_STEPS..=current + DRIFT_STEPS {
            let candidate = self.code_at_step(step);
            if bool::from(candidate.as_bytes().ct_eq(code.as_bytes())) {
                found = Some(step);
            }
        }
        found
    }
}

/// The RFC 6238 time step of an instant.
pub fn step_of(at: DateTime<Utc>) -> i64 {
    at.timestamp().div_euclid(STEP_SECONDS)
}

/// RFC 4226 HOTP with dynamic truncation.
fn hotp(key: &[u8], counter: u64, digits: u32) -> String {
    let Ok(mut mac) = <Hmac<Sha1> as KeyInit>::new_from_slice(key) else {
        return String::new();
    };
    mac.update(&counter.to_be_bytes());
    let digest = mac.finalize().into_bytes();
    let offset = usize::from(digest[digest.len() - 1] & 0x0f);
    let binary = (u32::from(digest[offset]) & 0x7f) << 24
        | u32::from(digest[offset + 1]) << 16
        | u32::from(digest[offset + 2]) << 8
        | u32::from(digest[offset + 3]);
    let modulus = 10u32.pow(digits);
    format!("{:0width$}", binary % modulus, width = digits as usize)
}

fn percent_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~' | b'@') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    const RFC_KEY: &[u8] = b"12345678901234567890";

    #[test]
    fn rfc4226_appendix_d() {
        let expected = [
            "755224", "287082", "359152", "969429", "338314", "254676", "287922", "162583",
            "399871", "520489",
        ];
        for (count, code) in expected.iter().enumerate() {
            assert_eq!(hotp(RFC_KEY, count as u64, 6), *code, "count {count}");
        }
    }

    #[test]
    fn rfc6238_appendix_b_sha1() {
        let vectors = [
            (59, "94287082"),
            (1111111109, "07081804"),
            (1111111111, "14050471"),
            (1234567890, "89005924"),
            (2000000000, "69279037"),
            (20000000000, "65353130"),
        ];
        for (time, code) in vectors {
            let at = Utc.timestamp_opt(time, 0).unwrap();
            assert_eq!(hotp(RFC_KEY, step_of(at) as u64, 8), code, "time {time}");
        }
    }

    #[test]
    fn accepts_one_step_of_drift_and_no_more() {
        let secret = TotpSecret::from_bytes(RFC_KEY);
        let now = Utc.timestamp_opt(1111111111, 0).unwrap();
        let step = step_of(now);
        for (offset, ok) in [(-2, false), (-1, true), (0, true), (1, true), (2, false)] {
            let code = secret.code_at_step(step + offset);
            assert_eq!(
                secret.matching_step(&code, now),
                ok.then_some(step + offset),
                "{offset}"
            );
        }
        assert_eq!(secret.matching_step("12345", now), None);
        assert_eq!(secret.matching_step("abcdef", now), None);
    }

    #[test]
    fn uri_and_text_forms() {
        let secret = TotpSecret::from_bytes(RFC_KEY);
        let uri = secret.expose_otpauth_uri("TrekMail", "ann@example.com");
        assert_eq!(
            uri.as_str(),
            "otpauth://totp/TrekMail:ann@example.com?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&issuer=TrekMail&algorithm=SHA1&digits=6&period=30"
        );
        assert_eq!(
            secret.expose_base32().as_str(),
            "GEZD GNBV GY3T QOJQ GEZD GNBV GY3T QOJQ"
        );
        assert_eq!(format!("{secret:?}"), "TotpSecret(redacted)");
        assert_eq!(TotpSecret::generate().unwrap().expose_bytes().len(), 20);
    }
}
