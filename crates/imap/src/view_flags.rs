//! Flags as a session's view of a folder keeps them: system flags as bits and keywords as
//! numbers into the view's own keyword table, so a view of 100,000 messages costs a few
//! megabytes, not a set of strings per message.

use imap_codec::imap_types::core::Atom;
use imap_codec::imap_types::flag::{Flag, FlagFetch, FlagPerm};
use std::collections::HashMap;
use trekmail_core::mail::Flags;

/// The system flags a client may store, in the order FLAGS lists them.
const SYSTEM: [(&str, u8); 5] = [
    ("\\Answered", 1),
    ("\\Flagged", 2),
    ("\\Deleted", 4),
    ("\\Seen", 8),
    ("\\Draft", 16),
];
pub(crate) const SEEN: u8 = 8;

/// One message's flags.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct CompactFlags {
    pub(crate) system: u8,
    /// Indexes into the view's [`Keywords`], ascending.
    pub(crate) keywords: Box<[u32]>,
}

impl CompactFlags {
    pub(crate) fn has(&self, bit: u8) -> bool {
        self.system & bit != 0
    }
}

/// The keywords a view has met, in the order it met them: FLAGS lists them, and a client is
/// told of a new one (`* FLAGS`) before any message shows it.
#[derive(Debug, Clone, Default)]
pub(crate) struct Keywords {
    names: Vec<String>,
    by_folded: HashMap<String, u32>,
    /// How many of `names` the client has been told of.
    announced: usize,
}

impl Keywords {
    /// `flags` as a view keeps them, learning keywords not met before.
    pub(crate) fn compact(&mut self, flags: &Flags) -> CompactFlags {
        let mut system = 0;
        let mut keywords = Vec::new();
        for flag in flags.iter() {
            if let Some((_, bit)) = SYSTEM.iter().find(|(n, _)| n.eq_ignore_ascii_case(flag)) {
                system |= bit;
            } else if !flag.starts_with('\\') {
                keywords.push(self.index(flag));
            }
        }
        keywords.sort_unstable();
        CompactFlags {
            system,
            keywords: keywords.into_boxed_slice(),
        }
    }

    fn index(&mut self, keyword: &str) -> u32 {
        let folded = keyword.to_ascii_lowercase();
        if let Some(i) = self.by_folded.get(&folded) {
            return *i;
        }
        let i = u32::try_from(self.names.len()).unwrap_or(u32::MAX);
        self.names.push(keyword.to_owned());
        self.by_folded.insert(folded, i);
        i
    }

    /// Whether keywords were met that the client has not been told of.
    pub(crate) fn news(&self) -> bool {
        self.announced < self.names.len()
    }

    /// FLAGS' list, marking every keyword as told.
    pub(crate) fn announce(&mut self) -> Vec<Flag<'static>> {
        self.announced = self.names.len();
        SYSTEM
            .iter()
            .filter_map(|(name, _)| wire(name))
            .chain(self.names.iter().filter_map(|k| wire(k)))
            .collect()
    }

    /// PERMANENTFLAGS' list: every flag FLAGS names, and `\*` for new keywords.
    pub(crate) fn permanent(&self) -> Vec<FlagPerm<'static>> {
        SYSTEM
            .iter()
            .filter_map(|(name, _)| wire(name))
            .chain(self.names.iter().filter_map(|k| wire(k)))
            .map(FlagPerm::Flag)
            .chain([FlagPerm::Asterisk])
            .collect()
    }

    /// One message's flags as FETCH shows them, `\Recent` included when it is.
    pub(crate) fn fetch(&self, flags: &CompactFlags, recent: bool) -> Vec<FlagFetch<'static>> {
        let system = SYSTEM
            .iter()
            .filter(|(_, bit)| flags.has(*bit))
            .filter_map(|(name, _)| wire(name));
        let keywords = flags
            .keywords
            .iter()
            .filter_map(|i| self.names.get(usize::try_from(*i).ok()?))
            .filter_map(|k| wire(k));
        let mut out: Vec<FlagFetch<'static>> =
            system.chain(keywords).map(FlagFetch::Flag).collect();
        if recent {
            out.push(FlagFetch::Recent);
        }
        out
    }
}

/// A stored flag name as a wire flag; one that is not a valid atom is left out.
fn wire(flag: &str) -> Option<Flag<'static>> {
    match flag.strip_prefix('\\') {
        Some(system) => Atom::try_from(system.to_owned()).ok().map(Flag::system),
        None => Atom::try_from(flag.to_owned()).ok().map(Flag::Keyword),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keywords_are_learnt_once_and_told_once() {
        let mut table = Keywords::default();
        let a = table.compact(&Flags::new(["\\Seen", "$Work", "\\Recent"]));
        assert!(a.has(SEEN) && !a.has(4));
        assert!(table.news());
        assert_eq!(table.announce().len(), 6);
        assert!(!table.news());
        let b = table.compact(&Flags::new(["$WORK", "Later"]));
        assert!(table.news());
        assert_eq!(b.keywords.len(), 2);
        assert_eq!(table.fetch(&b, true).len(), 3);
        assert_eq!(table.permanent().len(), 8);
    }
}
