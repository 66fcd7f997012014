//! "Generate strong password": 18 characters a person can read aloud and copy without doubt.

use super::random;
use crate::error::CoreError;

/// Upper case without I and O.
const UPPER: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZ";
/// Lower case without i, l and o.
const LOWER: &[u8] = b"abcdefghjkmnpqrstuvwxyz";
/// Digits without 0 and 1.
const DIGITS: &[u8] = b"23456789";
/// A small set of symbols that survive shells, URLs in quotes and most keyboards.
const SYMBOLS: &[u8] = b"#$%&*+-=?@";

/// Characters never generated because they are mistaken for one another.
pub const CONFUSABLE: &str = "0Oo1lIi|`'\"";

/// Length of a generated password.
pub const GENERATED_LEN: usize = 18;

/// A fresh password from the OS random source with at least one of each class.
pub fn generate_password() -> Result<String, CoreError> {
    let classes = [UPPER, LOWER, DIGITS, SYMBOLS];
    let all: Vec<u8> = classes.concat();
    let mut chars: Vec<u8> = Vec::with_capacity(GENERATED_LEN);
    for class in classes {
        chars.push(class[random::index_below(class.len())?]);
    }
    while chars.len() < GENERATED_LEN {
        chars.push(all[random::index_below(all.len())?]);
    }
    // Fisher–Yates, so the guaranteed characters are not always first.
    for i in (1..chars.len()).rev() {
        let j = random::index_below(i + 1)?;
        chars.swap(i, j);
    }
    Ok(chars.into_iter().map(char::from).collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::security::password_policy::unmet_rules;

    #[test]
    fn ten_thousand_passwords_meet_policy_without_confusables() {
        for _ in 0..10_000 {
            let p = generate_password().unwrap();
            assert_eq!(p.chars().count(), GENERATED_LEN, "{p}");
            assert!(unmet_rules(&p).is_empty(), "{p} fails the policy");
            assert!(
                !p.chars().any(|c| CONFUSABLE.contains(c)),
                "{p} holds a confusable"
            );
            assert!(p.bytes().any(|b| SYMBOLS.contains(&b)), "{p} has no symbol");
        }
    }

    #[test]
    fn alphabets_hold_no_confusable() {
        for class in [UPPER, LOWER, DIGITS, SYMBOLS] {
            assert!(!class.iter().any(|b| CONFUSABLE.contains(char::from(*b))));
        }
    }

    #[test]
    fn passwords_differ() {
        let a = generate_password().unwrap();
        let b = generate_password().unwrap();
        assert_ne!(a, b);
    }
}
