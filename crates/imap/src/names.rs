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

/// The most pattern characters a LIST matches (the reference in front of each of its
/// patterns, all together); more is refused, so a command's cost stays small whatever the
/// client sends.
pub const MAX_PATTERN_CHARS: usize = 1024;

/// Whether `name` matches a LIST pattern: `*` matches anything, `%` anything but the
/// delimiter. The pattern runs as a set of positions over the name, one pass per character,
/// so the cost is at most pattern × name, never exponential in the wildcards.
pub fn matches(pattern: &str, name: &str) -> bool {
    let pattern: Vec<char> = pattern.chars().collect();
    let mut active = vec![false; pattern.len() + 1];
    let mut next = active.clone();
    active[0] = true;
    close_over_wildcards(&pattern, &mut active);
    for c in name.chars() {
        next.fill(false);
        for (i, p) in pattern.iter().enumerate() {
            if !active[i] {
                continue;
            }
            match p {
                '*' => next[i] = true,
                '%' if c != DELIMITER => next[i] = true,
                '%' => {}
                literal if *literal == c => next[i + 1] = true,
                _ => {}
            }
        }
        close_over_wildcards(&pattern, &mut next);
        std::mem::swap(&mut active, &mut next);
        if !active.contains(&true) {
            return false;
        }
    }
    active[pattern.len()]
}

/// A wildcard may match nothing: whoever stands before one stands after it too.
fn close_over_wildcards(pattern: &[char], states: &mut [bool]) {
    for (i, p) in pattern.iter().enumerate() {
        if states[i] && matches!(p, '*' | '%') {
            states[i + 1] = true;
        }
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
        assert!(matches("*%", ""));
        assert!(matches("a*b%c", "a/x/byc"));
        assert!(!matches("a*b%c", "a/x/b/c"));
        assert!(!matches("INBOX", "INBOX/x"));
        assert!(!matches("", "x"));
    }

    #[test]
    fn many_wildcards_cost_one_pass() {
        let pattern = format!("{}Z", "*".repeat(super::MAX_PATTERN_CHARS - 1));
        let name = "a".repeat(200);
        assert!(!matches(&pattern, &name));
        assert!(matches(&pattern, &format!("{name}Z")));
    }
}
