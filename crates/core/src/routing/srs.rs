//! The Sender Rewriting Scheme: a message forwarded to another server leaves with an envelope
//! sender at the forwarding mailbox's domain, so SPF passes at the destination; a bounce to
//! that address is decoded (the signature checked, the address at most [`MAX_AGE_DAYS`] old)
//! and returned to the original sender.
//!
//! `SRS0=hash=tt=domain=local@ours` for a plain sender; `SRS1=hash=first==rest@ours` for a
//! sender another forwarder rewrote already, which keeps the first forwarder's SRS0 part.
//! The hash is the server key's signature of the rest, in lower case, since mail servers may
//! fold the case of local parts.

use crate::security::secret_box::SecretBox;
use data_encoding::BASE32_NOPAD;

/// How long a rewritten address takes bounces.
pub const MAX_AGE_DAYS: i64 = 21;
const HASH_LEN: usize = 6;
/// Timestamps are days modulo this, in two base32 characters.
const TT_CYCLE: i64 = 1024;
const ALPHABET: &[u8; 32] = b"abcdefghijklmnopqrstuvwxyz234567";

/// The envelope sender for a forward from a mailbox at `domain` on day `today` (days since
/// 1970); the null sender stays null.
pub fn forward_sender(secrets: &SecretBox, sender: &str, domain: &str, today: i64) -> String {
    let Some((local, sender_domain)) = sender.rsplit_once('@') else {
        return String::new();
    };
    if local.is_empty() {
        return String::new();
    }
    let tag = local.get(..5).map(str::to_ascii_uppercase);
    let rest = match tag.as_deref() {
        // Rewritten by a forwarder before us: keep its SRS0 part, naming that forwarder.
        Some("SRS0=") => format!("{sender_domain}={}", &local[4..]),
        // Rewritten by two or more: keep the first forwarder's part.
        Some("SRS1=") => match local[5..].split_once('=') {
            Some((_hash, first)) => first.to_owned(),
            None => format!("{}={local}", timestamp(today)),
        },
        _ => format!("{}={sender_domain}={local}", timestamp(today)),
    };
    let kind = match tag.as_deref() {
        Some("SRS0=" | "SRS1=") if rest.contains("==") => "SRS1",
        _ => "SRS0",
    };
    format!("{kind}={}={rest}@{domain}", hash(secrets, &rest))
}

/// Where a bounce to `address` goes back to, if `address` is one this server rewrote (its
/// domain is the caller's to check): the original sender, or for SRS1 the first forwarder.
pub fn reverse(secrets: &SecretBox, address: &str, today: i64) -> Option<String> {
    let (local, _domain) = address.rsplit_once('@')?;
    let kind = local.get(..5)?.to_ascii_uppercase();
    let (hash_given, rest) = local.get(5..)?.split_once('=')?;
    if !hash_given.eq_ignore_ascii_case(&hash(secrets, rest)) {
        return None;
    }
    match kind.as_str() {
        "SRS0=" => {
            let mut parts = rest.splitn(3, '=');
            let (tt, domain, user) = (parts.next()?, parts.next()?, parts.next()?);
            let age = (today - day_of(tt)?).rem_euclid(TT_CYCLE);
            (age <= MAX_AGE_DAYS && !domain.is_empty() && !user.is_empty())
                .then(|| format!("{user}@{domain}"))
        }
        "SRS1=" => {
            let (first, srs0) = rest.split_once("==")?;
            (!first.is_empty()).then(|| format!("SRS0={srs0}@{first}"))
        }
        _ => None,
    }
}

/// Whether `local` is in the shape of a rewritten address (before any check).
pub fn looks_rewritten(local: &str) -> bool {
    local
        .get(..5)
        .is_some_and(|t| t.eq_ignore_ascii_case("SRS0=") || t.eq_ignore_ascii_case("SRS1="))
}

fn hash(secrets: &SecretBox, rest: &str) -> String {
    let signed = secrets.sign("srs", rest.to_ascii_lowercase().as_bytes());
    let mut text = BASE32_NOPAD.encode(&signed).to_ascii_lowercase();
    text.truncate(HASH_LEN);
    text
}

fn timestamp(today: i64) -> String {
    let t = today.rem_euclid(TT_CYCLE);
    let (hi, lo) = (
        usize::try_from(t / 32).unwrap_or(0),
        usize::try_from(t % 32).unwrap_or(0),
    );
    [ALPHABET[hi], ALPHABET[lo]]
        .iter()
        .map(|&b| char::from(b))
        .collect()
}

fn day_of(tt: &str) -> Option<i64> {
    let bytes = tt.as_bytes();
    if bytes.len() != 2 {
        return None;
    }
    let value = |b: u8| {
        ALPHABET
            .iter()
            .position(|&a| a == b.to_ascii_lowercase())
            .and_then(|p| i64::try_from(p).ok())
    };
    Some(value(bytes[0])? * 32 + value(bytes[1])?)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn secrets(n: u8) -> SecretBox {
        SecretBox::from_key(&[n; 32]).unwrap_or_else(|e| panic!("{e}"))
    }

    const DAY: i64 = 20_790;

    #[test]
    fn a_forwarded_sender_comes_back_to_its_owner_and_only_under_our_key() {
        let ours = secrets(1);
        let rewritten = forward_sender(&ours, "Walker@far.example", "example.com", DAY);
        assert!(rewritten.starts_with("SRS0="), "{rewritten}");
        assert!(
            rewritten.ends_with("=far.example=Walker@example.com"),
            "{rewritten}"
        );
        assert_eq!(
            reverse(&ours, &rewritten, DAY + 3),
            Some("Walker@far.example".to_owned())
        );
        // Case folded on the way, still ours.
        assert_eq!(
            reverse(&ours, &rewritten.to_ascii_lowercase(), DAY),
            Some("walker@far.example".to_owned())
        );
        assert_eq!(reverse(&secrets(2), &rewritten, DAY), None, "another key");
        assert_eq!(
            reverse(&ours, &rewritten, DAY + MAX_AGE_DAYS + 1),
            None,
            "too old"
        );
        let forged = rewritten.replace("far.example", "near.example");
        assert_eq!(reverse(&ours, &forged, DAY), None);
        assert_eq!(forward_sender(&ours, "", "example.com", DAY), "");
    }

    #[test]
    fn a_sender_rewritten_before_keeps_the_first_forwarder() {
        let first = secrets(3);
        let ours = secrets(1);
        let srs0 = forward_sender(&first, "walker@far.example", "relay.example", DAY);
        let srs1 = forward_sender(&ours, &srs0, "example.com", DAY);
        assert!(srs1.starts_with("SRS1="), "{srs1}");
        assert!(
            srs1.contains("=relay.example==") && srs1.ends_with("@example.com"),
            "{srs1}"
        );
        // A bounce to it goes back to the first forwarder, which decodes its own part.
        let back = reverse(&ours, &srs1, DAY).unwrap_or_default();
        assert_eq!(back, srs0.to_ascii_lowercase().replace("srs0=", "SRS0="));
        assert_eq!(
            reverse(&first, &srs0, DAY),
            Some("walker@far.example".to_owned())
        );
        // A third forwarder keeps the first one's part, re-signed.
        let again = forward_sender(&secrets(4), &srs1, "third.example", DAY);
        assert!(
            again.starts_with("SRS1=") && again.contains("=relay.example=="),
            "{again}"
        );
        assert_eq!(
            reverse(&secrets(4), &again, DAY),
            reverse(&ours, &srs1, DAY)
        );
    }

    #[test]
    fn timestamps_wrap_around_their_cycle() {
        for day in [0, 31, 32, 1023, 1024, DAY] {
            assert_eq!(day_of(&timestamp(day)), Some(day.rem_euclid(TT_CYCLE)));
        }
        assert!(looks_rewritten("srs0=x") && !looks_rewritten("ann"));
    }
}
