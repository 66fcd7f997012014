//! Whether one message matches SEARCH keys (RFC 3501 §6.4.4), from its facts alone: no I/O
//! here, so the selected-folder code can change without touching the rules. A key that needs
//! the header or body the facts do not hold yet answers "undecided", and the caller reads
//! that much and asks again: flag keys never cost a read.

use crate::sequence;
use chrono::{DateTime, Local, NaiveDate, Utc};
use imap_codec::imap_types::core::AString;
use imap_codec::imap_types::search::SearchKey;
use trekmail_core::mail::message_text::{Parsed, fold};
use trekmail_core::mail::{FieldHolds, Flags, HeaderSummary, SummaryField};

/// What a message is, as the keys see it.
pub struct Facts<'a> {
    pub seq: u32,
    pub uid: u32,
    pub flags: &'a Flags,
    /// Per session: whether this session is the first to see the message.
    pub recent: bool,
    pub size: u64,
    pub internal_date: DateTime<Utc>,
    /// The mod-sequence of its last change (CONDSTORE's MODSEQ key).
    pub modseq: u64,
    /// The header fields the store keeps for the address, subject and sent-date keys.
    pub summary: Option<&'a HeaderSummary>,
    /// The parsed header or whole message, once the caller has read it.
    pub content: Option<&'a Parsed<'a>>,
}

/// The folder the numbers are in: what `*` stands for.
#[derive(Debug, Clone, Copy)]
pub struct Stars {
    pub messages: u32,
    pub last_uid: u32,
}

/// How much of a message the keys need read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Needs {
    Nothing,
    /// The header summary; the header itself for a message without one.
    Summary,
    Header,
    Body,
}

/// The most `key` reads of a message: what the caller fetches when the cheap keys leave one
/// undecided.
pub fn needs(key: &SearchKey<'_>) -> Needs {
    match key {
        SearchKey::Body(_) | SearchKey::Text(_) => Needs::Body,
        SearchKey::Bcc(_)
        | SearchKey::Cc(_)
        | SearchKey::From(_)
        | SearchKey::To(_)
        | SearchKey::Subject(_)
        | SearchKey::SentBefore(_)
        | SearchKey::SentOn(_)
        | SearchKey::SentSince(_) => Needs::Summary,
        SearchKey::Header(name, _) => {
            let name = String::from_utf8_lossy(name.as_ref());
            match HeaderSummary::default().fields(&name) {
                Some(_) => Needs::Summary,
                None => Needs::Header,
            }
        }
        SearchKey::And(keys) => keys
            .as_ref()
            .iter()
            .map(needs)
            .max()
            .unwrap_or(Needs::Nothing),
        SearchKey::Not(key) => needs(key),
        SearchKey::Or(a, b) => needs(a).max(needs(b)),
        _ => Needs::Nothing,
    }
}

/// A header-field condition every match must meet, for the store to apply in its query: of
/// the keys all must hold (a SEARCH's list, an AND inside it), the header key with the
/// longest text, likely the one that lets fewest messages through.
pub fn narrowing(keys: &[SearchKey<'_>]) -> Option<FieldHolds> {
    let mut found: Vec<FieldHolds> = Vec::new();
    for key in keys {
        let (field, value) = match key {
            SearchKey::And(inner) => {
                found.extend(narrowing(inner.as_ref()));
                continue;
            }
            SearchKey::Subject(v) => (SummaryField::Subject, v),
            SearchKey::From(v) => (SummaryField::From, v),
            SearchKey::To(v) => (SummaryField::To, v),
            SearchKey::Cc(v) => (SummaryField::Cc, v),
            SearchKey::Bcc(v) => (SummaryField::Bcc, v),
            SearchKey::Header(name, v) => {
                match SummaryField::named(&String::from_utf8_lossy(name.as_ref())) {
                    Some(field) => (field, v),
                    None => continue,
                }
            }
            _ => continue,
        };
        let needle = folded(value);
        if !needle.is_empty() {
            found.push(FieldHolds { field, needle });
        }
    }
    found.into_iter().max_by_key(|holds| holds.needle.len())
}

/// Every key must hold (a SEARCH's list is an AND). `None`: the content is needed to say.
pub fn decide_all(keys: &[SearchKey<'_>], m: &Facts<'_>, stars: Stars) -> Option<bool> {
    let mut undecided = false;
    for key in keys {
        match decide(key, m, stars) {
            Some(false) => return Some(false),
            Some(true) => {}
            None => undecided = true,
        }
    }
    (!undecided).then_some(true)
}

fn decide(key: &SearchKey<'_>, m: &Facts<'_>, stars: Stars) -> Option<bool> {
    let flag = |name: &str| Some(m.flags.contains(name));
    let arrived = m.internal_date.with_timezone(&Local).date_naive();
    match key {
        SearchKey::All => Some(true),
        SearchKey::And(keys) => decide_all(keys.as_ref(), m, stars),
        SearchKey::Or(a, b) => match (decide(a, m, stars), decide(b, m, stars)) {
            (Some(true), _) | (_, Some(true)) => Some(true),
            (Some(false), Some(false)) => Some(false),
            _ => None,
        },
        SearchKey::Not(k) => decide(k, m, stars).map(|b| !b),
        SearchKey::SequenceSet(set) => Some(sequence::contains(set, m.seq, stars.messages)),
        SearchKey::Uid(set) => Some(sequence::contains(set, m.uid, stars.last_uid)),
        SearchKey::Answered => flag("\\Answered"),
        SearchKey::Unanswered => flag("\\Answered").map(|b| !b),
        SearchKey::Deleted => flag("\\Deleted"),
        SearchKey::Undeleted => flag("\\Deleted").map(|b| !b),
        SearchKey::Draft => flag("\\Draft"),
        SearchKey::Undraft => flag("\\Draft").map(|b| !b),
        SearchKey::Flagged => flag("\\Flagged"),
        SearchKey::Unflagged => flag("\\Flagged").map(|b| !b),
        SearchKey::Seen => flag("\\Seen"),
        SearchKey::Unseen => flag("\\Seen").map(|b| !b),
        SearchKey::Keyword(k) => flag(k.as_ref()),
        SearchKey::Unkeyword(k) => flag(k.as_ref()).map(|b| !b),
        SearchKey::Recent => Some(m.recent),
        SearchKey::New => Some(m.recent && !m.flags.contains("\\Seen")),
        SearchKey::Old => Some(!m.recent),
        SearchKey::Larger(n) => Some(m.size > u64::from(*n)),
        SearchKey::Smaller(n) => Some(m.size < u64::from(*n)),
        SearchKey::Before(d) => Some(arrived < *d.as_ref()),
        SearchKey::On(d) => Some(arrived == *d.as_ref()),
        SearchKey::Since(d) => Some(arrived >= *d.as_ref()),
        SearchKey::SentBefore(d) => sent(m, arrived).map(|s| s < *d.as_ref()),
        SearchKey::SentOn(d) => sent(m, arrived).map(|s| s == *d.as_ref()),
        SearchKey::SentSince(d) => sent(m, arrived).map(|s| s >= *d.as_ref()),
        SearchKey::Bcc(v) => in_fields(m, "Bcc", v),
        SearchKey::Cc(v) => in_fields(m, "Cc", v),
        SearchKey::From(v) => in_fields(m, "From", v),
        SearchKey::To(v) => in_fields(m, "To", v),
        SearchKey::Subject(v) => in_fields(m, "Subject", v),
        SearchKey::Header(name, v) => {
            let name = String::from_utf8_lossy(name.as_ref());
            in_fields(m, &name, v)
        }
        SearchKey::Body(v) => body(m, v, false),
        SearchKey::Text(v) => body(m, v, true),
        // Per message only: this server keeps no per-flag mod-sequences (RFC 7162 §3.1.5).
        SearchKey::ModSequence { modseq, .. } => Some(m.modseq >= *modseq),
    }
}

/// The Date: field's own calendar date; the arrival date (server's zone) without one.
fn sent(m: &Facts<'_>, arrived: NaiveDate) -> Option<NaiveDate> {
    let sent = match (m.summary, m.content) {
        (Some(summary), _) => summary.sent_on,
        (None, Some(content)) => content.sent().map(|d| d.date_naive()),
        (None, None) => return None,
    };
    Some(sent.unwrap_or(arrived))
}

/// Whether a field named `name` holds `value` (decoded, any case); `""`: the field exists.
fn in_fields(m: &Facts<'_>, name: &str, value: &AString<'_>) -> Option<bool> {
    let needle = folded(value);
    if let Some(held) = m.summary.and_then(|s| s.holds(name, &needle)) {
        return Some(held);
    }
    let content = m.content?;
    Some(
        content
            .fields(name)
            .iter()
            .any(|field| fold(field).contains(&needle)),
    )
}

fn body(m: &Facts<'_>, value: &AString<'_>, with_header: bool) -> Option<bool> {
    let content = m.content.filter(|c| c.whole)?;
    let needle = folded(value);
    if with_header && fold(&content.header_text()).contains(&needle) {
        return Some(true);
    }
    Some(fold(&content.body_text()).contains(&needle))
}

/// A key's value as text: UTF-8 (CHARSET is UTF-8 or US-ASCII), folded like the haystack.
fn folded(value: &AString<'_>) -> String {
    fold(&String::from_utf8_lossy(value.as_ref()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;
    use imap_codec::imap_types::core::Vec1;

    const STARS: Stars = Stars {
        messages: 5,
        last_uid: 12,
    };

    /// Keys as a client writes them; a quoted string with non-ASCII text goes as a literal.
    fn key(s: &str) -> SearchKey<'static> {
        use imap_codec::decode::Decoder;
        let mut line = String::from("a SEARCH ");
        for (i, part) in s.split('"').enumerate() {
            match (i % 2, part.is_ascii()) {
                (0, _) => line.push_str(part),
                (_, true) => line.push_str(&format!("\"{part}\"")),
                (_, false) => line.push_str(&format!("{{{}+}}\r\n{part}", part.len())),
            }
        }
        line.push_str("\r\n");
        let (_, cmd) = imap_codec::CommandCodec::default()
            .decode(line.as_bytes())
            .unwrap();
        match cmd.body {
            imap_codec::imap_types::command::CommandBody::Search { criteria, .. } => {
                let keys: Vec<SearchKey<'_>> = criteria.into_inner();
                use imap_codec::imap_types::IntoStatic;
                SearchKey::And(Vec1::try_from(keys).unwrap()).into_static()
            }
            other => panic!("{other:?}"),
        }
    }

    struct Message {
        flags: Flags,
        recent: bool,
        raw: &'static [u8],
    }

    fn message(flags: &[&str], raw: &'static [u8]) -> Message {
        Message {
            flags: Flags::new(flags.iter().copied()),
            recent: false,
            raw,
        }
    }

    /// Decides `keys` for message 3 (UID 7) as the caller does: without content first, then
    /// with the header summary (a message stored with one), then with the content read; a
    /// message without a summary must come out the same.
    fn check(m: &Message, keys: &str) -> bool {
        let k = key(keys);
        let at = Local.with_ymd_and_hms(2024, 2, 29, 23, 30, 0).unwrap();
        let summary = HeaderSummary::of(m.raw);
        let parsed = match needs(&k) {
            Needs::Body => Parsed::whole(m.raw),
            _ => Parsed::head(m.raw),
        };
        let facts = |summary, content| Facts {
            seq: 3,
            uid: 7,
            flags: &m.flags,
            recent: m.recent,
            size: 120,
            internal_date: at.with_timezone(&Utc),
            modseq: 5,
            summary,
            content,
        };
        let first = decide(&k, &facts(None, None), STARS);
        if needs(&k) == Needs::Nothing {
            return first.unwrap();
        }
        let read = decide(&k, &facts(None, Some(&parsed)), STARS).unwrap();
        let summed = decide(&k, &facts(Some(&summary), None), STARS);
        if needs(&k) == Needs::Summary {
            assert!(summed.is_some(), "{keys}: the summary should decide");
        }
        let summed = summed
            .unwrap_or_else(|| decide(&k, &facts(Some(&summary), Some(&parsed)), STARS).unwrap());
        for decided in [first, Some(summed)].into_iter().flatten() {
            assert_eq!(decided, read, "{keys}");
        }
        read
    }

    const MAIL: &[u8] = b"From: =?utf-8?q?Ren=C3=A9e?= <renee@example.org>\r\n\
To: team: ann@example.org;\r\n\
Subject: Quarterly\r\n  numbers\r\n\
X-Tag: \r\n\
Date: Fri, 01 Mar 2024 00:30:00 +0100\r\n\
Content-Type: text/plain; charset=utf-8\r\n\
Content-Transfer-Encoding: base64\r\n\
\r\n\
w4ljb3V0ZXogbGEgTcOpdMOpbw==\r\n";

    #[test]
    fn numbers_and_flags() {
        let m = message(&["\\Seen", "$Work"], MAIL);
        for yes in [
            "ALL",
            "3",
            "2:4",
            "4:2",
            "*:3",
            "UID 7",
            "UID 12:5",
            "UID *:7",
            "SEEN",
            "UNANSWERED",
            "KEYWORD $work",
            "UNKEYWORD $home",
            "OLD",
            "NOT NEW",
            "NOT RECENT",
            "LARGER 119",
            "SMALLER 121",
            "OR DELETED SEEN",
            "NOT (DELETED OR FLAGGED DRAFT)",
            "1,3 UID 1:*",
        ] {
            assert!(check(&m, yes), "{yes}");
        }
        for no in [
            "4:*",
            "UID 8:*",
            "UNSEEN",
            "DELETED",
            "KEYWORD $home",
            "LARGER 120",
            "SMALLER 120",
            "NEW",
            "RECENT",
            "NOT ALL",
            "SEEN DELETED",
        ] {
            assert!(!check(&m, no), "{no}");
        }
        let mut fresh = message(&[], MAIL);
        fresh.recent = true;
        assert!(check(&fresh, "NEW RECENT"));
        assert!(!check(&fresh, "OLD"));
    }

    #[test]
    fn dates() {
        let m = message(&[], MAIL);
        // Arrived 29 Feb 23:30 in the server's zone; sent 1 Mar 00:30 in its own (+0100).
        for yes in [
            "ON 29-Feb-2024",
            "SINCE 29-Feb-2024",
            "BEFORE 1-Mar-2024",
            "SENTON 1-Mar-2024",
            "SENTSINCE 1-Mar-2024",
            "SENTBEFORE 2-Mar-2024",
            "NOT SENTON 29-Feb-2024",
        ] {
            assert!(check(&m, yes), "{yes}");
        }
        for no in ["ON 1-Mar-2024", "SINCE 1-Mar-2024", "SENTBEFORE 1-Mar-2024"] {
            assert!(!check(&m, no), "{no}");
        }
        // No Date: the arrival date stands in.
        let undated = message(&[], b"Subject: x\r\n\r\nbody\r\n");
        assert!(check(&undated, "SENTON 29-Feb-2024"));
    }

    #[test]
    fn header_keys() {
        let m = message(&[], MAIL);
        for yes in [
            "FROM \"renée\"",
            "FROM \"RENÉE\"",
            "FROM renee@example",
            "FROM \"e <ren\"",
            "TO team",
            "TO ann@example.org",
            "SUBJECT \"quarterly numbers\"",
            "SUBJECT NUMB",
            "HEADER x-tag \"\"",
            "HEADER subject \"\"",
            "HEADER CONTENT-TYPE utf-8",
            "NOT CC \"\"",
            "NOT HEADER cc \"\"",
        ] {
            assert!(check(&m, yes), "{yes}");
        }
        for no in [
            "FROM ann",
            "TO renee",
            "CC example",
            "BCC \"\"",
            "SUBJECT quarterlynumbers",
        ] {
            assert!(!check(&m, no), "{no}");
        }
    }

    #[test]
    fn body_keys() {
        let m = message(&["\\Seen"], MAIL);
        for yes in [
            "BODY \"MÉTÉO\"",
            "BODY \"écoutez la\"",
            "TEXT \"météo\"",
            "TEXT quarterly",
            "TEXT \"renée\"",
            "SEEN OR UNSEEN BODY \"météo\"",
        ] {
            assert!(check(&m, yes), "{yes}");
        }
        for no in [
            "BODY quarterly",
            "BODY w4ljb3V0",
            "TEXT absent",
            "UNSEEN BODY \"météo\"",
        ] {
            assert!(!check(&m, no), "{no}");
        }
    }

    #[test]
    fn narrowing_takes_the_longest_header_key_all_must_hold() {
        let holds = |s: &str| narrowing(&[key(s)]).map(|h| (h.field, h.needle));
        let subject = |t: &str| Some((SummaryField::Subject, t.to_owned()));
        assert_eq!(
            holds("SEEN SUBJECT \"Trail  Report\""),
            subject("trail report")
        );
        assert_eq!(
            holds("FROM ann (UNSEEN SUBJECT quarterly)"),
            subject("quarterly")
        );
        assert_eq!(
            holds("HEADER CC bob"),
            Some((SummaryField::Cc, "bob".to_owned()))
        );
        // Keys that need not hold for every match, or hold for every message, narrow nothing.
        assert_eq!(holds("OR SUBJECT a SUBJECT b"), None);
        assert_eq!(holds("NOT SUBJECT a"), None);
        assert_eq!(holds("SUBJECT \"\" HEADER X-Tag y BODY z"), None);
    }

    #[test]
    fn needs_follow_the_keys() {
        assert_eq!(needs(&key("SEEN 1:3")), Needs::Nothing);
        assert_eq!(needs(&key("OR SEEN SENTON 1-Jan-2020")), Needs::Summary);
        assert_eq!(needs(&key("HEADER subject x")), Needs::Summary);
        assert_eq!(needs(&key("HEADER X-Tag x FROM y")), Needs::Header);
        assert_eq!(needs(&key("NOT (FROM a BODY b)")), Needs::Body);
    }
}
