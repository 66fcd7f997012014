//! Folder names on the wire: INBOX, and LIST's `*` and `%` wildcards.

use imap_codec::imap_types::mailbox::Mailbox;

/// The delimiter between folder levels.
pub const DELIMITER: char = '/';

/// The stored name of a folder named in a command.
pub fn folder_name(mailbox: &Mailbox<'_>) -> Option<String> {
    match mailbox {
        Mailbox::Inbox => Some("INBOX".to_owned()),
        Mailbox::Other(other) => std::str::from_utf8(other.as_ref()).ok().map(str::to_owned),
    }
}

/// Whether `name` matches a LIST pattern: `*` matches anything, `%` anything but the
/// delimiter.
pub fn matches(pattern: &str, name: &str) -> bool {
    let (p, n): (Vec<char>, Vec<char>) = (pattern.chars().collect(), name.chars().collect());
    matches_from(&p, &n)
}

fn matches_from(p: &[char], n: &[char]) -> bool {
    match p.split_first() {
        None => n.is_empty(),
        Some(('*', rest)) => (0..=n.len()).any(|i| matches_from(rest, &n[i..])),
        Some(('%', rest)) => (0..=n.len())
            .take_while(|&i| i == 0 || n[i - 1] != DELIMITER)
            .any(|i| matches_from(rest, &n[i..])),
        Some((c, rest)) => n.first() == Some(c) && matches_from(rest, &n[1..]),
    }
}

#[cfg(test)]
mod tests {
    use super::matches;

    #[test]
    fn wildcards() {
        assert!(matches("*", "Work/2026"));
        assert!(matches("%", "Work"));
        assert!(!matches("%", "Work/2026"));
        assert!(matches("Work/%", "Work/2026"));
        assert!(matches("INBOX", "INBOX"));
        assert!(!matches("Sent", "Sent/x"));
        assert!(matches("S*", "Sent/x"));
    }
}
