use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;

/// A message's flags: system flags (`\Seen`, `\Answered`, `\Flagged`, `\Deleted`, `\Draft`)
/// and keywords. Compared case-insensitively, as IMAP asks; kept in the case first given.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Flags(BTreeSet<String>);

/// How STORE changes flags.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FlagChange {
    Add,
    Remove,
    Replace,
}

impl Flags {
    pub fn new<'a>(flags: impl IntoIterator<Item = &'a str>) -> Flags {
        let mut out = Flags::default();
        for f in flags {
            out.insert(f);
        }
        out
    }

    /// The stored form: flags separated by single spaces, in a stable order.
    pub fn to_stored(&self) -> String {
        self.0.iter().cloned().collect::<Vec<_>>().join(" ")
    }

    pub fn from_stored(text: &str) -> Flags {
        Flags::new(text.split_ascii_whitespace())
    }

    pub fn contains(&self, flag: &str) -> bool {
        self.0.iter().any(|f| f.eq_ignore_ascii_case(flag))
    }

    pub fn insert(&mut self, flag: &str) {
        if !flag.is_empty() && !self.contains(flag) {
            self.0.insert(flag.to_owned());
        }
    }

    pub fn remove(&mut self, flag: &str) {
        self.0.retain(|f| !f.eq_ignore_ascii_case(flag));
    }

    pub fn apply(&mut self, change: FlagChange, flags: &Flags) {
        match change {
            FlagChange::Replace => *self = flags.clone(),
            FlagChange::Add => flags.iter().for_each(|f| self.insert(f)),
            FlagChange::Remove => flags.iter().for_each(|f| self.remove(f)),
        }
    }

    pub fn iter(&self) -> impl Iterator<Item = &str> {
        self.0.iter().map(String::as_str)
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn case_insensitive_and_stable() {
        let mut f = Flags::new(["\\Seen", "$Label1"]);
        f.insert("\\SEEN");
        assert_eq!(f.to_stored(), "$Label1 \\Seen");
        assert!(f.contains("\\seen"));
        f.apply(FlagChange::Remove, &Flags::new(["\\seen"]));
        assert_eq!(Flags::from_stored(&f.to_stored()), Flags::new(["$Label1"]));
        f.apply(FlagChange::Replace, &Flags::default());
        assert!(f.is_empty());
    }
}
