//! SORT and UID SORT (RFC 5256), with DISPLAYFROM/DISPLAYTO (RFC 5957): the messages SEARCH
//! would choose, ordered by the keys; ties go to the sequence number.

use super::search::known_charset;
use super::search_keys::{Facts, Needs};
use crate::base_subject::base_subject;
use crate::connection::Connection;
use imap_codec::imap_types::core::{Charset, Tag, Vec1};
use imap_codec::imap_types::extensions::sort::{SortCriterion, SortKey};
use imap_codec::imap_types::response::Data;
use imap_codec::imap_types::search::SearchKey;
use std::cmp::Ordering;

/// What the sort keys compare of one message, read once. Text is case-folded already.
#[derive(Debug, Default, Clone)]
struct Sortable {
    arrival: i64,
    size: u64,
    sent: i64,
    subject: String,
    from: String,
    to: String,
    cc: String,
    display_from: String,
    display_to: String,
}

impl Connection {
    pub(crate) async fn sort(
        &mut self,
        tag: Tag<'static>,
        criteria: Vec1<SortCriterion>,
        charset: Charset<'static>,
        search: Vec1<SearchKey<'static>>,
        by_uid: bool,
    ) {
        if !known_charset(&charset) {
            return self.refuse_charset(tag);
        }
        let criteria = criteria.into_inner();
        let read = match criteria
            .iter()
            .all(|c| matches!(c.key, SortKey::Arrival | SortKey::Size))
        {
            true => Needs::Nothing,
            false => Needs::Header,
        };
        let keys = search.into_inner();
        let Some(mut hits) = self.matching(&tag, &keys, read, sortable).await else {
            return;
        };
        hits.sort_by(|a, b| order(&criteria, &a.kept, &b.kept).then(a.seq.cmp(&b.seq)));
        let found = hits.iter().filter_map(|h| h.number(by_uid)).collect();
        self.server.enqueue_data(Data::Sort(found, None));
        self.done(tag, "SORT completed");
    }
}

fn sortable(f: &Facts<'_>) -> Sortable {
    let arrival = f.internal_date.timestamp();
    let mut s = Sortable {
        arrival,
        size: f.size,
        sent: arrival,
        ..Sortable::default()
    };
    let Some(c) = f.content else {
        return s;
    };
    s.sent = c.sent().map_or(arrival, |d| d.timestamp());
    s.subject = base_subject(c.subject()).text.to_uppercase();
    let mailbox = |field| {
        let (_, address) = c.first_address(field).unwrap_or_default();
        let local = address.split('@').next().unwrap_or("");
        local.to_uppercase()
    };
    let display = |field| {
        let (name, address) = c.first_address(field).unwrap_or_default();
        match name.trim().is_empty() {
            true => address.to_uppercase(),
            false => name.trim().to_uppercase(),
        }
    };
    s.from = mailbox("From");
    s.to = mailbox("To");
    s.cc = mailbox("Cc");
    s.display_from = display("From");
    s.display_to = display("To");
    s
}

fn order(criteria: &[SortCriterion], a: &Sortable, b: &Sortable) -> Ordering {
    criteria
        .iter()
        .map(|c| {
            let o = match c.key {
                SortKey::Arrival => a.arrival.cmp(&b.arrival),
                SortKey::Size => a.size.cmp(&b.size),
                SortKey::Date => a.sent.cmp(&b.sent),
                SortKey::Subject => a.subject.cmp(&b.subject),
                SortKey::From => a.from.cmp(&b.from),
                SortKey::To => a.to.cmp(&b.to),
                SortKey::Cc => a.cc.cmp(&b.cc),
                SortKey::DisplayFrom => a.display_from.cmp(&b.display_from),
                SortKey::DisplayTo => a.display_to.cmp(&b.display_to),
            };
            if c.reverse { o.reverse() } else { o }
        })
        .find(|o| o.is_ne())
        .unwrap_or(Ordering::Equal)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{TimeZone, Utc};
    use trekmail_core::mail::Flags;
    use trekmail_core::mail::message_text::Parsed;

    fn of(raw: &[u8], arrived: i64, size: u64) -> Sortable {
        let parsed = Parsed::head(raw);
        let flags = Flags::default();
        sortable(&Facts {
            seq: 1,
            uid: 1,
            flags: &flags,
            recent: false,
            size,
            internal_date: Utc.timestamp_opt(arrived, 0).unwrap(),
            modseq: 1,
            summary: None,
            content: Some(&parsed),
        })
    }

    fn criteria(keys: &[(bool, SortKey)]) -> Vec<SortCriterion> {
        keys.iter()
            .map(|(reverse, key)| SortCriterion {
                reverse: *reverse,
                key: key.clone(),
            })
            .collect()
    }

    #[test]
    fn what_each_key_compares() {
        let s = of(
            b"From: =?utf-8?q?Zo=C3=AB?= <Zoe@example.org>\r\nTo: team: a@x;\r\n\
Cc: cc@example.org\r\nSubject: Re: [list] Hello\r\nDate: Thu, 1 Jan 1970 02:00:00 +0100\r\n\r\n",
            99,
            5,
        );
        assert_eq!(s.from, "ZOE");
        assert_eq!(s.display_from, "ZOË");
        assert_eq!(s.to, "TEAM");
        assert_eq!(s.display_to, "TEAM");
        assert_eq!(s.cc, "CC");
        assert_eq!(s.subject, "HELLO");
        assert_eq!(s.sent, 3600);
        let undated = of(b"From: b@x\r\n\r\n", 99, 5);
        assert_eq!((undated.sent, undated.display_from.as_str()), (99, "B@X"));
    }

    #[test]
    fn keys_in_turn_then_reversed() {
        let a = of(b"Subject: same\r\n\r\n", 1, 10);
        let b = of(b"Subject: Re: SAME\r\n\r\n", 2, 20);
        let by = |keys| order(&criteria(keys), &a, &b);
        assert_eq!(by(&[(false, SortKey::Subject)]), Ordering::Equal);
        assert_eq!(
            by(&[(false, SortKey::Subject), (true, SortKey::Size)]),
            Ordering::Greater
        );
        assert_eq!(by(&[(false, SortKey::Arrival)]), Ordering::Less);
        assert_eq!(by(&[(true, SortKey::Date)]), Ordering::Greater);
    }
}
