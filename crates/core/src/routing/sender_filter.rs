//! The Filters tab's allowed and blocked senders: an address, or `@domain` for a domain and
//! its subdomains, matched on the envelope sender and on the header `From:`.

use crate::domain::domain_name_is_valid;
use crate::ids::SenderFilterId;
use chrono::{DateTime, Utc};
use std::fmt;

/// Which of the two lists an entry is on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FilterList {
    Allowed,
    Blocked,
}

impl FilterList {
    pub fn as_str(self) -> &'static str {
        match self {
            FilterList::Allowed => "allowed",
            FilterList::Blocked => "blocked",
        }
    }

    pub fn parse(s: &str) -> Option<FilterList> {
        [FilterList::Allowed, FilterList::Blocked]
            .into_iter()
            .find(|l| l.as_str() == s)
    }
}

/// A sender as an entry names it, lower-cased: `ann@example.com` or `@example.com`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct SenderPattern(String);

impl SenderPattern {
    /// Any address a sender may really have (not only the ones we host), or `@domain`.
    pub fn parse(input: &str) -> Result<SenderPattern, String> {
        let text = input.trim().to_ascii_lowercase();
        let Some((local, domain)) = text.rsplit_once('@') else {
            return Err(format!(
                "{:?} is neither an address (name@example.com) nor a domain (@example.com)",
                input.trim()
            ));
        };
        if !domain_name_is_valid(domain) {
            return Err(format!(
                "{domain:?} is not a domain name such as example.com"
            ));
        }
        let local_ok = local.len() <= 64
            && local
                .bytes()
                .all(|b| b.is_ascii_graphic() && !matches!(b, b'@' | b'"'));
        if !local_ok {
            return Err(format!("{:?} is not an address", input.trim()));
        }
        Ok(SenderPattern(text))
    }

    /// As stored; only for what [`Self::parse`] accepted before.
    pub fn from_stored(text: String) -> SenderPattern {
        SenderPattern(text)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Every pattern that matches `sender`: the address itself, then `@` its domain and each
    /// parent domain of two labels or more. None for the null sender or a bare name.
    pub fn matching(sender: &str) -> Vec<String> {
        let sender = sender.trim().to_ascii_lowercase();
        let Some((local, domain)) = sender.rsplit_once('@') else {
            return Vec::new();
        };
        if local.is_empty() || domain.is_empty() {
            return Vec::new();
        }
        let mut patterns = vec![sender.clone()];
        let mut rest = domain;
        while rest.contains('.') {
            patterns.push(format!("@{rest}"));
            rest = rest.split_once('.').map_or("", |(_, parent)| parent);
        }
        patterns
    }
}

impl fmt::Display for SenderPattern {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// One entry on a mailbox's lists.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SenderFilter {
    pub id: SenderFilterId,
    pub list: FilterList,
    pub pattern: SenderPattern,
    pub created_at: DateTime<Utc>,
}

/// What the lists say of a message's senders: allowed wins over blocked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    Allowed,
    Blocked,
    Neither,
}

impl Verdict {
    /// From the lists every matching entry is on.
    pub fn of(matched: &[FilterList]) -> Verdict {
        if matched.contains(&FilterList::Allowed) {
            Verdict::Allowed
        } else if matched.contains(&FilterList::Blocked) {
            Verdict::Blocked
        } else {
            Verdict::Neither
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_are_addresses_or_domains() {
        assert_eq!(
            SenderPattern::parse(" Boss@Example.COM ").map(|p| p.0),
            Ok("boss@example.com".to_owned())
        );
        assert_eq!(
            SenderPattern::parse("@spam.example").map(|p| p.0),
            Ok("@spam.example".to_owned())
        );
        assert_eq!(
            SenderPattern::parse("o'neil@example.com").map(|p| p.0),
            Ok("o'neil@example.com".to_owned())
        );
        for bad in ["example.com", "@localhost", "a b@example.com", "a@", "@"] {
            assert!(SenderPattern::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn a_sender_is_matched_by_its_address_its_domain_and_the_domain_s_parents() {
        assert_eq!(
            SenderPattern::matching("News@Mail.Shop.Example"),
            vec![
                "news@mail.shop.example",
                "@mail.shop.example",
                "@shop.example"
            ]
        );
        assert!(SenderPattern::matching("").is_empty());
        assert!(SenderPattern::matching("MAILER-DAEMON").is_empty());
    }

    #[test]
    fn allowed_wins_over_blocked() {
        use FilterList::*;
        assert_eq!(Verdict::of(&[Blocked, Allowed]), Verdict::Allowed);
        assert_eq!(Verdict::of(&[Blocked]), Verdict::Blocked);
        assert_eq!(Verdict::of(&[]), Verdict::Neither);
    }
}
