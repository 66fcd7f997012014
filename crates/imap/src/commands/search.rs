//! SEARCH and UID SEARCH over flags, sizes, internal dates, UIDs and sequence numbers.
//! Header and text keys are case-insensitive substring matches over the raw bytes; SENT*
//! keys need a date parser and answer `BAD` until one lands.

use super::sections::{header, split_fields, text};
use crate::connection::Connection;
use crate::sequence;
use imap_codec::imap_types::core::{AString, Tag, Vec1};
use imap_codec::imap_types::response::Data;
use imap_codec::imap_types::search::SearchKey;
use std::num::NonZeroU32;
use trekmail_core::mail::MessageMeta;

/// One message as the keys see it.
struct Candidate<'a> {
    meta: &'a MessageMeta,
    seq: u32,
    /// \Recent to this session.
    recent: bool,
    body: &'a [u8],
}

impl Connection {
    pub(crate) async fn search(
        &mut self,
        tag: Tag<'static>,
        charset: Option<imap_codec::imap_types::core::Charset<'static>>,
        criteria: Vec1<SearchKey<'static>>,
        by_uid: bool,
    ) {
        if let Some(charset) = charset {
            use imap_codec::imap_types::core::Charset;
            let name = match &charset {
                Charset::Atom(a) => a.as_ref().to_ascii_uppercase(),
                Charset::Quoted(q) => q.as_ref().to_ascii_uppercase(),
            };
            if name != "UTF-8" && name != "US-ASCII" {
                return self.no(tag, Some("BADCHARSET"), "Only UTF-8 and US-ASCII");
            }
        }
        let keys: Vec<SearchKey<'static>> = criteria.into_inner();
        if let Some(refused) = keys.iter().find_map(unsupported) {
            return self.bad(
                tag,
                &format!("{refused} is not supported by this server yet"),
            );
        }
        let everything = imap_codec::imap_types::sequence::SequenceSet::from(..);
        let Some(target) = self.target(&tag, &everything, false, true) else {
            return;
        };
        let uids: Vec<u32> = target.chosen.iter().map(|(uid, _)| *uid).collect();
        let core = self.core.clone();
        let metas = match core.messages(&target.access, &target.folder).await {
            Ok(m) => m,
            Err(e) => return self.core_no(tag, &e, "No such folder"),
        };
        let reads_body = keys.iter().any(needs_body);
        let mut found = Vec::new();
        for (uid, seq) in &target.chosen {
            let Ok(i) = metas.binary_search_by_key(uid, |m| m.uid) else {
                continue;
            };
            let meta = &metas[i];
            let body = match reads_body {
                true => match core
                    .message_body(&target.access, &target.folder, meta)
                    .await
                {
                    Ok(b) => b,
                    Err(e) => return self.core_no(tag, &e, "The message is gone"),
                },
                false => Vec::new(),
            };
            let candidate = Candidate {
                meta,
                seq: *seq,
                recent: self.view().is_some_and(|v| v.is_recent(*uid)),
                body: &body,
            };
            if keys.iter().all(|k| matches(k, &candidate, &uids)) {
                let number = if by_uid { *uid } else { *seq };
                found.extend(NonZeroU32::new(number));
            }
        }
        self.server.enqueue_data(Data::Search(found, None));
        self.done(tag, "SEARCH completed");
    }
}

fn unsupported(key: &SearchKey<'_>) -> Option<&'static str> {
    match key {
        SearchKey::SentBefore(_) | SearchKey::SentOn(_) | SearchKey::SentSince(_) => {
            Some("SENTBEFORE, SENTON and SENTSINCE")
        }
        SearchKey::And(keys) => keys.as_ref().iter().find_map(unsupported),
        SearchKey::Not(key) => unsupported(key),
        SearchKey::Or(a, b) => unsupported(a).or_else(|| unsupported(b)),
        _ => None,
    }
}

fn needs_body(key: &SearchKey<'_>) -> bool {
    match key {
        SearchKey::Bcc(_)
        | SearchKey::Body(_)
        | SearchKey::Cc(_)
        | SearchKey::From(_)
        | SearchKey::Header(..)
        | SearchKey::Subject(_)
        | SearchKey::Text(_)
        | SearchKey::To(_) => true,
        SearchKey::And(keys) => keys.as_ref().iter().any(needs_body),
        SearchKey::Not(key) => needs_body(key),
        SearchKey::Or(a, b) => needs_body(a) || needs_body(b),
        _ => false,
    }
}

fn matches(key: &SearchKey<'_>, m: &Candidate<'_>, uids: &[u32]) -> bool {
    let flag = |name: &str| m.meta.flags.contains(name);
    let date = m.meta.internal_date.date_naive();
    let size = u64::try_from(m.meta.size).unwrap_or(0);
    match key {
        SearchKey::All => true,
        SearchKey::And(keys) => keys.as_ref().iter().all(|k| matches(k, m, uids)),
        SearchKey::Or(a, b) => matches(a, m, uids) || matches(b, m, uids),
        SearchKey::Not(k) => !matches(k, m, uids),
        SearchKey::SequenceSet(set) => {
            let count = u32::try_from(uids.len()).unwrap_or(u32::MAX);
            sequence::contains(set, m.seq, count)
        }
        SearchKey::Uid(set) => {
            sequence::contains(set, m.meta.uid, uids.last().copied().unwrap_or(0))
        }
        SearchKey::Answered => flag("\\Answered"),
        SearchKey::Unanswered => !flag("\\Answered"),
        SearchKey::Deleted => flag("\\Deleted"),
        SearchKey::Undeleted => !flag("\\Deleted"),
        SearchKey::Draft => flag("\\Draft"),
        SearchKey::Undraft => !flag("\\Draft"),
        SearchKey::Flagged => flag("\\Flagged"),
        SearchKey::Unflagged => !flag("\\Flagged"),
        SearchKey::Seen => flag("\\Seen"),
        SearchKey::Unseen => !flag("\\Seen"),
        SearchKey::Keyword(k) => flag(k.as_ref()),
        SearchKey::Unkeyword(k) => !flag(k.as_ref()),
        SearchKey::Recent => m.recent,
        SearchKey::New => m.recent && !flag("\\Seen"),
        SearchKey::Old => !m.recent,
        SearchKey::Larger(n) => size > u64::from(*n),
        SearchKey::Smaller(n) => size < u64::from(*n),
        SearchKey::Before(d) => date < *d.as_ref(),
        SearchKey::On(d) => date == *d.as_ref(),
        SearchKey::Since(d) => date >= *d.as_ref(),
        SearchKey::Bcc(v) => in_field(m.body, b"Bcc", v),
        SearchKey::Cc(v) => in_field(m.body, b"Cc", v),
        SearchKey::From(v) => in_field(m.body, b"From", v),
        SearchKey::To(v) => in_field(m.body, b"To", v),
        SearchKey::Subject(v) => in_field(m.body, b"Subject", v),
        SearchKey::Header(name, v) => in_field(m.body, name.as_ref(), v),
        SearchKey::Body(v) => contains(text(m.body), v.as_ref()),
        SearchKey::Text(v) => contains(m.body, v.as_ref()),
        _ => false,
    }
}

/// Whether a header field named `name` contains `value` (an empty value: has the field).
fn in_field(raw: &[u8], name: &[u8], value: &AString<'_>) -> bool {
    split_fields(header(raw)).into_iter().any(|field| {
        let Some(colon) = field.iter().position(|b| *b == b':') else {
            return false;
        };
        field[..colon].trim_ascii().eq_ignore_ascii_case(name)
            && contains(&field[colon + 1..], value.as_ref())
    })
}

/// Case-insensitive (ASCII) substring.
fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    needle.is_empty()
        || haystack
            .windows(needle.len())
            .any(|w| w.eq_ignore_ascii_case(needle))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn substrings_and_fields() {
        let raw = b"From: Ann <ann@x>\r\nSubject: Hello\r\n World\r\n\r\nbody TEXT\r\n";
        assert!(contains(raw, b"WORLD"));
        assert!(!contains(raw, b"absent"));
        assert!(in_field(
            raw,
            b"subject",
            &AString::try_from("world").unwrap()
        ));
        assert!(!in_field(
            raw,
            b"from",
            &AString::try_from("hello").unwrap()
        ));
        assert!(contains(text(raw), b"text"));
    }
}
