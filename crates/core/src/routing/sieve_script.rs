//! A mailbox's Sieve scripts: named, at most one active, each checked whole before it is
//! kept. The script language is the `trekmail-sieve` crate's; this is what the mailbox keeps.

use crate::ids::SieveScriptId;
use chrono::{DateTime, Utc};

/// Scripts one mailbox may keep.
pub const MAX_SIEVE_SCRIPTS: u32 = 10;
/// The longest script name, in characters.
const MAX_NAME: usize = 128;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SieveScript {
    pub id: SieveScriptId,
    pub name: String,
    pub source: String,
    pub active: bool,
    pub updated_at: DateTime<Utc>,
}

/// Why `name` cannot name a script: RFC 5804's rules (no control characters, no line
/// breaks), not empty, and short enough to show.
pub fn invalid_script_name(name: &str) -> Option<String> {
    if name.is_empty() {
        return Some("a script needs a name".into());
    }
    if name.chars().count() > MAX_NAME {
        return Some(format!("a script name is at most {MAX_NAME} characters"));
    }
    if name
        .chars()
        .any(|c| c.is_control() || c == '\u{2028}' || c == '\u{2029}')
    {
        return Some("a script name has no control characters".into());
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_short_printable_lines() {
        assert_eq!(invalid_script_name("vacation rules"), None);
        assert_eq!(invalid_script_name("Ferien ☀"), None);
        assert!(invalid_script_name("").is_some());
        assert!(invalid_script_name("a\r\nb").is_some());
        assert!(invalid_script_name("a\0").is_some());
        assert!(invalid_script_name(&"x".repeat(129)).is_some());
    }
}
