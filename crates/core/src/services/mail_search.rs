//! Webmail's search: the owner's mail by sender, recipient, subject, body text, arrival day
//! and attachment, in one folder or in all, newest first and a page at a time. The header keys
//! compare the header summaries stored with each message (narrowed in SQL, as IMAP SEARCH
//! does), so only the body and attachment keys read bodies, and only of the messages the
//! other keys left. Each request does a bounded amount of work and, when it stops early, says
//! so and where to go on from.

use crate::Core;
use crate::access::MailboxAccess;
use crate::clock::to_micros;
use crate::error::CoreError;
use crate::mail::message_text::{Parsed, fold};
use crate::mail::{FieldHolds, Folder, FolderId, HeaderSummary, MessageMeta, SummaryField};
use crate::store::{Arrival, ArrivalWindow};
use chrono::{DateTime, NaiveDate, NaiveTime, TimeDelta, TimeZone, Utc};
use chrono_tz::Tz;
use mail_parser::{MessageParser, MimeHeaders};
use std::cmp::Ordering;
use std::collections::{HashMap, VecDeque};
use std::fmt;
use std::str::FromStr;

/// A longer term is refused: a search names a few words, not a paragraph.
const MAX_TERM: usize = 200;
/// How much of a message without a header summary is read for its header keys.
const HEAD_BYTES: usize = 64 * 1024;
/// A folder's arrivals are read this many at a time at first, twice as many each time after,
/// up to [`MAX_BATCH`]: a search over many folders reads little of those it ends up not using.
const FIRST_BATCH: u32 = 32;
const MAX_BATCH: u32 = 512;

/// What the owner looks for. Every key given must hold; an empty or blank text is no key.
/// Texts match anywhere in the decoded field or body, ignoring case and runs of spaces.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MailQuery {
    /// In From, To or Subject, any of them: the quick search above a folder's list.
    pub words: Option<String>,
    pub from: Option<String>,
    pub to: Option<String>,
    pub subject: Option<String>,
    /// In the body's decoded text (its text parts and nested messages).
    pub body: Option<String>,
    /// Arrived on this day or later. Days are the message's internal date (when it arrived)
    /// in the account's time zone.
    pub since: Option<NaiveDate>,
    /// Arrived before this day (not on it), in the account's time zone.
    pub before: Option<NaiveDate>,
    /// Has a part marked as an attachment, or a non-text leaf part with a file name.
    pub has_attachment: bool,
    /// One of the mailbox's folders; `None`: all of them.
    pub folder: Option<FolderId>,
}

/// How much one request may do before it answers with what it has.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SearchLimits {
    /// Matches on a page.
    pub page: usize,
    /// Messages looked at (each costs a row of its header summary).
    pub scanned: u32,
    /// Reads from the blob store: bodies, and headers of messages stored without a summary.
    pub reads: u32,
    /// Bytes those reads may total. The first read of a request is always made, so one huge
    /// message cannot stop every search at it.
    pub read_bytes: u64,
}

impl Default for SearchLimits {
    fn default() -> SearchLimits {
        SearchLimits {
            page: 50,
            scanned: 5_000,
            reads: 200,
            read_bytes: 32 * 1024 * 1024,
        }
    }
}

/// A message a search found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SearchHit {
    pub folder: Folder,
    pub meta: MessageMeta,
}

/// One page of a search.
#[derive(Debug, Clone, PartialEq)]
pub struct SearchResults {
    /// Newest first, across folders by internal date.
    pub hits: Vec<SearchHit>,
    /// Where the next page starts; `None` when nothing more can match.
    pub next: Option<SearchCursor>,
    /// Set when the request reached its limits before it filled the page: how many messages
    /// it looked at. More may match after `next`.
    pub stopped_after: Option<u32>,
    /// The zone the days of `since` and `before` are in: the account's.
    pub zone: Tz,
}

/// A place in a search's order (internal date, then folder id, then UID, all newest first): a
/// page starts after it. In a URL as `micros.folder.uid`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct SearchCursor {
    internal_date: DateTime<Utc>,
    folder: FolderId,
    uid: u32,
}

impl SearchCursor {
    fn at(folder: FolderId, arrival: Arrival) -> SearchCursor {
        SearchCursor {
            internal_date: arrival.internal_date,
            folder,
            uid: arrival.uid,
        }
    }

    /// The arrival of `folder` its messages after this place come after: a folder ordered
    /// before this one (a lower id) still has those of the same date, one after it does not.
    fn bound_in(&self, folder: FolderId) -> Arrival {
        let date = self.internal_date;
        match folder.cmp(&self.folder) {
            Ordering::Greater => Arrival {
                internal_date: date,
                uid: 0,
            },
            Ordering::Equal => Arrival {
                internal_date: date,
                uid: self.uid,
            },
            // Dates are kept to the microsecond: one later includes every UID of `date`.
            Ordering::Less => match date.checked_add_signed(TimeDelta::microseconds(1)) {
                Some(later) => Arrival {
                    internal_date: later,
                    uid: 0,
                },
                None => Arrival {
                    internal_date: date,
                    uid: u32::MAX,
                },
            },
        }
    }
}

impl fmt::Display for SearchCursor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let micros = to_micros(self.internal_date);
        write!(f, "{micros}.{}.{}", self.folder.0, self.uid)
    }
}

impl FromStr for SearchCursor {
    type Err = CoreError;

    fn from_str(text: &str) -> Result<SearchCursor, CoreError> {
        let broken = || CoreError::Invalid("this page link is broken: search again".into());
        let mut parts = text.split('.');
        let (Some(micros), Some(folder), Some(uid), None) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err(broken());
        };
        let micros: i64 = micros.parse().map_err(|_| broken())?;
        Ok(SearchCursor {
            internal_date: DateTime::from_timestamp_micros(micros).ok_or_else(broken)?,
            folder: FolderId(folder.parse().map_err(|_| broken())?),
            uid: uid.parse().map_err(|_| broken())?,
        })
    }
}

impl Core {
    /// A page of the owner's messages that match `query`, newest first, after `after` (the
    /// previous page's `next`). `NotFound` for a folder that is not the mailbox's; `Invalid`
    /// for a term too long, days in the wrong order or a broken cursor.
    pub async fn search_mail(
        &self,
        access: &MailboxAccess,
        query: &MailQuery,
        after: Option<&SearchCursor>,
        limits: SearchLimits,
    ) -> Result<SearchResults, CoreError> {
        let terms = Terms::of(query)?;
        let mailbox = self.own_mailbox(access).await?;
        let zone = self.zone_of(&mailbox).await?;
        let days = Days::of(query, zone)?;
        let folders = self.searched_folders(access, query.folder).await?;
        let mut lanes: Vec<Lane<'_>> = folders
            .iter()
            .map(|folder| Lane::new(folder, after, days.before))
            .collect();
        let holding = terms.narrowing();
        let mut walk = Walk {
            hits: Vec::new(),
            scanned: 0,
            reads: Reads::default(),
            last: after.copied(),
        };
        loop {
            for lane in &mut lanes {
                self.fill(access, lane, days.since, holding.as_ref())
                    .await?;
            }
            let Some(lane) = lanes
                .iter_mut()
                .filter_map(|lane| lane.newest().map(|key| (key, lane)))
                .max_by_key(|(key, _)| *key)
                .map(|(_, lane)| lane)
            else {
                return Ok(walk.done(None, zone));
            };
            if walk.scanned >= limits.scanned.max(1) {
                return Ok(walk.stopped(zone));
            }
            let Some(candidate) = lane.queue.pop_front() else {
                continue;
            };
            let place = SearchCursor::at(lane.folder.id, candidate.at);
            match self
                .verdict(
                    access,
                    lane.folder,
                    candidate,
                    &terms,
                    &mut walk.reads,
                    limits,
                )
                .await?
            {
                Verdict::Spent => return Ok(walk.stopped(zone)),
                Verdict::Matches(_) if walk.hits.len() >= limits.page.max(1) => {
                    // One more than the page holds: there is a next page, from here.
                    let next = walk.last;
                    return Ok(walk.done(next, zone));
                }
                Verdict::Matches(meta) => walk.hits.push(SearchHit {
                    folder: lane.folder.clone(),
                    meta,
                }),
                Verdict::Fails => {}
            }
            walk.scanned += 1;
            walk.last = Some(place);
        }
    }

    /// The folder asked for, or all of the mailbox's; each the access's own.
    async fn searched_folders(
        &self,
        access: &MailboxAccess,
        folder: Option<FolderId>,
    ) -> Result<Vec<Folder>, CoreError> {
        let all = self.folders(access).await?;
        let chosen = match folder {
            Some(id) => vec![
                all.into_iter()
                    .find(|f| f.id == id)
                    .ok_or(CoreError::NotFound)?,
            ],
            None => all,
        };
        for folder in &chosen {
            access.owns(folder)?;
        }
        Ok(chosen)
    }

    /// Reads the lane's next batches until it has a message to look at or has none left:
    /// their arrivals, then the summaries of those the SQL narrowing lets through.
    async fn fill(
        &self,
        access: &MailboxAccess,
        lane: &mut Lane<'_>,
        since: Option<DateTime<Utc>>,
        holding: Option<&FieldHolds>,
    ) -> Result<(), CoreError> {
        while lane.queue.is_empty() && !lane.done {
            let window = ArrivalWindow {
                since,
                older_than: lane.older_than,
            };
            let arrivals = self
                .store
                .arrivals(lane.folder.id, &window, lane.batch)
                .await?;
            lane.done = arrivals.len() < lane.batch as usize;
            lane.batch = lane.batch.saturating_mul(2).min(MAX_BATCH);
            let Some(oldest) = arrivals.last() else {
                break;
            };
            lane.older_than = Some(*oldest);
            let uids: Vec<u32> = arrivals.iter().map(|a| a.uid).collect();
            let mut rows: HashMap<u32, _> = self
                .messages_with_summaries(access, lane.folder, &uids, holding)
                .await?
                .into_iter()
                .map(|(meta, summary)| (meta.uid, (meta, summary)))
                .collect();
            lane.queue.extend(arrivals.into_iter().map(|at| Candidate {
                row: rows.remove(&at.uid),
                at,
            }));
        }
        Ok(())
    }

    /// Whether the message matches: the header keys on its summary (its header read for one
    /// stored without), then the body and attachment keys on its body.
    async fn verdict(
        &self,
        access: &MailboxAccess,
        folder: &Folder,
        candidate: Candidate,
        terms: &Terms,
        reads: &mut Reads,
        limits: SearchLimits,
    ) -> Result<Verdict, CoreError> {
        // No row: the narrowing left it out, or it is gone since its arrival was read.
        let Some((meta, summary)) = candidate.row else {
            return Ok(Verdict::Fails);
        };
        let size = u64::try_from(meta.size).unwrap_or(0);
        if terms.reads_header() {
            let holds = match summary {
                Some(summary) => terms.header_holds(&summary),
                None => {
                    if !reads.allow(size.min(HEAD_BYTES as u64), limits) {
                        return Ok(Verdict::Spent);
                    }
                    let head = self.message_head(access, folder, &meta, HEAD_BYTES).await?;
                    terms.header_holds(&HeaderSummary::of(&head))
                }
            };
            if !holds {
                return Ok(Verdict::Fails);
            }
        }
        if terms.reads_content() {
            if !reads.allow(size, limits) {
                return Ok(Verdict::Spent);
            }
            let raw = self.message_body(access, folder, &meta).await?;
            if !terms.content_holds(&raw) {
                return Ok(Verdict::Fails);
            }
        }
        Ok(Verdict::Matches(meta))
    }
}

/// One folder's part of a search: its messages in newest-first order, a batch at a time.
struct Lane<'a> {
    folder: &'a Folder,
    queue: VecDeque<Candidate>,
    /// Where the next batch starts (after it); `None`: at the folder's newest.
    older_than: Option<Arrival>,
    batch: u32,
    /// The folder has no messages past the queue.
    done: bool,
}

impl<'a> Lane<'a> {
    /// The lane's messages after `after` and arrived before `before`.
    fn new(
        folder: &'a Folder,
        after: Option<&SearchCursor>,
        before: Option<DateTime<Utc>>,
    ) -> Lane<'a> {
        let from_cursor = after.map(|c| c.bound_in(folder.id));
        let from_before = before.map(|b| Arrival {
            internal_date: b,
            uid: 0,
        });
        let older_than = match (from_cursor, from_before) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        Lane {
            folder,
            queue: VecDeque::new(),
            older_than,
            batch: FIRST_BATCH,
            done: false,
        }
    }

    /// Where the lane's next message stands in the search's order.
    fn newest(&self) -> Option<(DateTime<Utc>, FolderId, u32)> {
        self.queue
            .front()
            .map(|c| (c.at.internal_date, self.folder.id, c.at.uid))
    }
}

/// A message in a lane: where it stands, and its row with its summary (none when the SQL
/// narrowing left it out).
struct Candidate {
    at: Arrival,
    row: Option<(MessageMeta, Option<HeaderSummary>)>,
}

enum Verdict {
    Matches(MessageMeta),
    Fails,
    /// The request's reads are spent before this message could be decided.
    Spent,
}

/// A request's progress.
struct Walk {
    hits: Vec<SearchHit>,
    scanned: u32,
    reads: Reads,
    /// The last message looked at: a page after it is the rest of the search.
    last: Option<SearchCursor>,
}

impl Walk {
    fn done(self, next: Option<SearchCursor>, zone: Tz) -> SearchResults {
        SearchResults {
            hits: self.hits,
            next,
            stopped_after: None,
            zone,
        }
    }

    fn stopped(self, zone: Tz) -> SearchResults {
        SearchResults {
            next: self.last,
            stopped_after: Some(self.scanned),
            hits: self.hits,
            zone,
        }
    }
}

/// The blob reads a request has made.
#[derive(Debug, Default)]
struct Reads {
    count: u32,
    bytes: u64,
}

impl Reads {
    /// Counts a read of `bytes` if the limits leave room for it (the first always).
    fn allow(&mut self, bytes: u64, limits: SearchLimits) -> bool {
        let spent =
            self.count >= limits.reads || self.bytes.saturating_add(bytes) > limits.read_bytes;
        if self.count > 0 && spent {
            return false;
        }
        self.count += 1;
        self.bytes = self.bytes.saturating_add(bytes);
        true
    }
}

/// The query's arrival days as instants: `since` inclusive, `before` exclusive.
#[derive(Debug, PartialEq, Eq)]
struct Days {
    since: Option<DateTime<Utc>>,
    before: Option<DateTime<Utc>>,
}

impl Days {
    fn of(query: &MailQuery, zone: Tz) -> Result<Days, CoreError> {
        if let (Some(since), Some(before)) = (query.since, query.before)
            && since >= before
        {
            return Err(CoreError::Invalid(
                "the “since” day must come before the “before” day".into(),
            ));
        }
        Ok(Days {
            since: query.since.map(|d| day_start(zone, d)),
            before: query.before.map(|d| day_start(zone, d)),
        })
    }
}

/// When `day` begins in `zone`: its midnight, or the first hour after a clock change skipped
/// midnight.
fn day_start(zone: Tz, day: NaiveDate) -> DateTime<Utc> {
    let midnight = day.and_time(NaiveTime::MIN);
    zone.from_local_datetime(&midnight)
        .earliest()
        .or_else(|| {
            zone.from_local_datetime(&(midnight + TimeDelta::hours(1)))
                .earliest()
        })
        .map_or_else(
            || Utc.from_utc_datetime(&midnight),
            |start| start.with_timezone(&Utc),
        )
}

/// The query's texts folded as the summaries are; blank ones dropped.
#[derive(Debug, Default, PartialEq, Eq)]
struct Terms {
    words: Option<String>,
    from: Option<String>,
    to: Option<String>,
    subject: Option<String>,
    body: Option<String>,
    attachment: bool,
}

impl Terms {
    fn of(query: &MailQuery) -> Result<Terms, CoreError> {
        Ok(Terms {
            words: term(query.words.as_deref())?,
            from: term(query.from.as_deref())?,
            to: term(query.to.as_deref())?,
            subject: term(query.subject.as_deref())?,
            body: term(query.body.as_deref())?,
            attachment: query.has_attachment,
        })
    }

    /// The one header key the store can apply in its query: subject, from or to, the first
    /// given.
    fn narrowing(&self) -> Option<FieldHolds> {
        [
            (SummaryField::Subject, &self.subject),
            (SummaryField::From, &self.from),
            (SummaryField::To, &self.to),
        ]
        .into_iter()
        .find_map(|(field, needle)| {
            needle.as_ref().map(|needle| FieldHolds {
                field,
                needle: needle.clone(),
            })
        })
    }

    fn reads_header(&self) -> bool {
        self.words.is_some() || self.from.is_some() || self.to.is_some() || self.subject.is_some()
    }

    fn reads_content(&self) -> bool {
        self.body.is_some() || self.attachment
    }

    fn header_holds(&self, summary: &HeaderSummary) -> bool {
        let holds = |name: &str, needle: &str| summary.holds(name, needle) == Some(true);
        let key =
            |name: &str, needle: &Option<String>| needle.as_deref().is_none_or(|n| holds(name, n));
        key("From", &self.from)
            && key("To", &self.to)
            && key("Subject", &self.subject)
            && self
                .words
                .as_deref()
                .is_none_or(|n| holds("From", n) || holds("To", n) || holds("Subject", n))
    }

    fn content_holds(&self, raw: &[u8]) -> bool {
        if let Some(needle) = &self.body
            && !fold(&Parsed::whole(raw).body_text()).contains(needle.as_str())
        {
            return false;
        }
        !self.attachment || has_attachment(raw)
    }
}

/// A text key folded, `None` when blank; `Invalid` when too long.
fn term(text: Option<&str>) -> Result<Option<String>, CoreError> {
    let Some(text) = text.map(str::trim).filter(|t| !t.is_empty()) else {
        return Ok(None);
    };
    if text.chars().count() > MAX_TERM {
        return Err(CoreError::Invalid(format!(
            "a search term is at most {MAX_TERM} characters"
        )));
    }
    Ok(Some(fold(text)))
}

/// Whether a part is marked as an attachment (Content-Disposition: attachment), or is a leaf
/// that is not text and has a file name (an image named in its Content-Type, say).
fn has_attachment(raw: &[u8]) -> bool {
    let Some(message) = MessageParser::new().with_mime_headers().parse(raw) else {
        return false;
    };
    message.parts.iter().any(|part| {
        part.content_disposition()
            .is_some_and(|d| d.is_attachment())
            || (!part.is_text() && !part.is_multipart() && part.attachment_name().is_some())
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock::from_micros;

    fn summary(header: &str) -> HeaderSummary {
        HeaderSummary::of(format!("{header}\r\n\r\nbody\r\n").as_bytes())
    }

    fn query() -> MailQuery {
        MailQuery::default()
    }

    #[test]
    fn terms_are_trimmed_folded_and_bounded() {
        let q = MailQuery {
            from: Some("  Jürgen  MÜLLER ".into()),
            to: Some("   ".into()),
            subject: Some(String::new()),
            ..query()
        };
        let terms = Terms::of(&q).unwrap();
        assert_eq!(terms.from.as_deref(), Some("jürgen müller"));
        assert_eq!((&terms.to, &terms.subject), (&None, &None));
        assert!(terms.reads_header() && !terms.reads_content());
        let long = MailQuery {
            body: Some("x".repeat(MAX_TERM + 1)),
            ..query()
        };
        assert!(matches!(Terms::of(&long), Err(CoreError::Invalid(_))));
        let just = MailQuery {
            body: Some("é".repeat(MAX_TERM)),
            ..query()
        };
        assert!(Terms::of(&just).unwrap().reads_content());
        assert_eq!(Terms::of(&query()).unwrap(), Terms::default());
    }

    #[test]
    fn the_store_narrows_on_one_header_key() {
        let both = MailQuery {
            from: Some("Ann".into()),
            subject: Some("Plans".into()),
            ..query()
        };
        let holds = Terms::of(&both).unwrap().narrowing().unwrap();
        assert_eq!(
            (holds.field, holds.needle.as_str()),
            (SummaryField::Subject, "plans")
        );
        let to = MailQuery {
            to: Some("Bob".into()),
            words: Some("x".into()),
            ..query()
        };
        assert_eq!(
            Terms::of(&to).unwrap().narrowing().map(|h| h.field),
            Some(SummaryField::To)
        );
        // Words are in any of three fields: no one column narrows them.
        let words = MailQuery {
            words: Some("x".into()),
            ..query()
        };
        assert_eq!(Terms::of(&words).unwrap().narrowing(), None);
    }

    #[test]
    fn header_keys_match_decoded_text_and_all_must_hold() {
        let s = summary(
            "From: =?utf-8?q?J=C3=BCrgen?= <j@example.net>\r\nTo: Ann <ann@example.com>\r\n\
             Subject: =?iso-8859-1?q?Gr=FC=DFe?= aus Berlin",
        );
        let check = |q: MailQuery| Terms::of(&q).unwrap().header_holds(&s);
        assert!(check(MailQuery {
            from: Some("JÜRGEN".into()),
            ..query()
        }));
        assert!(check(MailQuery {
            subject: Some("grüße   AUS".into()),
            to: Some("ann@example".into()),
            ..query()
        }));
        assert!(!check(MailQuery {
            subject: Some("grüße".into()),
            to: Some("bob".into()),
            ..query()
        }));
        // The sender is not the recipient.
        assert!(!check(MailQuery {
            to: Some("jürgen".into()),
            ..query()
        }));
        for words in ["jürgen", "ann@", "berlin"] {
            assert!(check(MailQuery {
                words: Some(words.into()),
                ..query()
            }));
        }
        assert!(!check(MailQuery {
            words: Some("paris".into()),
            ..query()
        }));
        // A field the message lacks holds nothing.
        assert!(
            !Terms::of(&MailQuery {
                to: Some("a".into()),
                ..query()
            })
            .unwrap()
            .header_holds(&summary("From: a@example.net"))
        );
    }

    const ENCODED: &[u8] = b"From: a@example.net\r\nSubject: parts\r\n\
        Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\n\
        Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n\r\n\
        RGllIEvDpHNlIGlzdCBhdWYgZGVtIFRpc2No\r\n--b\r\n\
        Content-Type: text/html; charset=iso-8859-1\r\n\
        Content-Transfer-Encoding: quoted-printable\r\n\r\n\
        <p>Gr=FC=DFe aus=\r\n Berlin</p>\r\n--b--\r\n";

    #[test]
    fn the_body_key_reads_decoded_text() {
        let check = |needle: &str| {
            Terms::of(&MailQuery {
                body: Some(needle.into()),
                ..query()
            })
            .unwrap()
            .content_holds(ENCODED)
        };
        // base64 and UTF-8, in any case.
        assert!(check("DIE KÄSE ist"));
        // quoted-printable, Latin-1, a soft line break inside.
        assert!(check("grüße aus berlin"));
        assert!(!check("RGllIEvD"));
        assert!(!check("parts"), "the header is not the body");
    }

    #[test]
    fn attachments_are_marked_or_named_non_text_leaves() {
        let mixed = |part: &str| {
            format!(
                "Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\n\
                 Content-Type: text/plain\r\n\r\nhello\r\n--b\r\n{part}\r\n\r\nAAAA\r\n--b--\r\n"
            )
        };
        let cases = [
            (
                "Content-Type: application/pdf\r\nContent-Disposition: attachment",
                true,
            ),
            ("Content-Type: image/png; name=\"a.png\"", true),
            (
                "Content-Type: application/octet-stream\r\n\
                 Content-Disposition: inline; filename=\"x.bin\"",
                true,
            ),
            (
                "Content-Type: text/plain\r\nContent-Disposition: attachment",
                true,
            ),
            // Neither marked nor named: an inline image of a page, say.
            ("Content-Type: image/png", false),
            // Text shown inline, whatever its name.
            ("Content-Type: text/plain; name=\"notes.txt\"", false),
        ];
        for (part, expected) in cases {
            assert_eq!(has_attachment(mixed(part).as_bytes()), expected, "{part}");
        }
        assert!(!has_attachment(ENCODED));
        assert!(!has_attachment(b"Subject: plain\r\n\r\ntext\r\n"));
        assert!(has_attachment(
            b"Content-Type: application/zip; name=\"a.zip\"\r\n\r\nAAAA\r\n"
        ));
        let both = Terms::of(&MailQuery {
            body: Some("hello".into()),
            has_attachment: true,
            ..query()
        })
        .unwrap();
        assert!(both.content_holds(mixed(cases[0].0).as_bytes()));
        assert!(!both.content_holds(mixed(cases[4].0).as_bytes()));
    }

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    #[test]
    fn days_begin_at_the_accounts_midnight() {
        let paris: Tz = "Europe/Paris".parse().unwrap();
        let q = MailQuery {
            since: Some(date(2026, 1, 10)),
            before: Some(date(2026, 7, 1)),
            ..query()
        };
        let days = Days::of(&q, paris).unwrap();
        assert_eq!(
            days.since.unwrap().to_rfc3339(),
            "2026-01-09T23:00:00+00:00"
        );
        assert_eq!(
            days.before.unwrap().to_rfc3339(),
            "2026-06-30T22:00:00+00:00"
        );
        let utc = Days::of(&q, chrono_tz::UTC).unwrap();
        assert_eq!(utc.since.unwrap().to_rfc3339(), "2026-01-10T00:00:00+00:00");
        // Santiago's clocks skipped midnight on 2022-09-11: the day began at one.
        let santiago: Tz = "America/Santiago".parse().unwrap();
        assert_eq!(
            day_start(santiago, date(2022, 9, 11)).to_rfc3339(),
            "2022-09-11T04:00:00+00:00"
        );
        for (since, before) in [((2026, 3, 2), (2026, 3, 2)), ((2026, 3, 3), (2026, 3, 2))] {
            let backwards = MailQuery {
                since: Some(date(since.0, since.1, since.2)),
                before: Some(date(before.0, before.1, before.2)),
                ..query()
            };
            assert!(matches!(
                Days::of(&backwards, paris),
                Err(CoreError::Invalid(_))
            ));
        }
        assert_eq!(
            Days::of(&query(), paris).unwrap(),
            Days {
                since: None,
                before: None
            }
        );
    }

    fn at(micros: i64, uid: u32) -> Arrival {
        Arrival {
            internal_date: from_micros(micros),
            uid,
        }
    }

    #[test]
    fn cursors_survive_a_url_and_refuse_anything_else() {
        let cursor = SearchCursor::at(FolderId(7), at(1_780_000_000_123_456, 42));
        let text = cursor.to_string();
        assert_eq!(text, "1780000000123456.7.42");
        assert_eq!(text.parse::<SearchCursor>().unwrap(), cursor);
        let before_1970 = SearchCursor::at(FolderId(1), at(-5, 1));
        assert_eq!(
            before_1970.to_string().parse::<SearchCursor>().unwrap(),
            before_1970
        );
        for broken in [
            "",
            "1.2",
            "1.2.3.4",
            "a.2.3",
            "1.2.-3",
            "1.2.99999999999",
            "1..3",
        ] {
            assert!(
                matches!(broken.parse::<SearchCursor>(), Err(CoreError::Invalid(_))),
                "{broken}"
            );
        }
    }

    #[test]
    fn after_a_cursor_each_folder_resumes_at_its_place_in_the_order() {
        let cursor = SearchCursor::at(FolderId(5), at(1_000, 9));
        // The cursor's own folder: older, or as old with a lower UID.
        assert_eq!(cursor.bound_in(FolderId(5)), at(1_000, 9));
        // A folder ordered after it (lower id) keeps every message of that microsecond.
        assert_eq!(cursor.bound_in(FolderId(4)), at(1_001, 0));
        // One ordered before it (higher id) has shown all of them already.
        assert_eq!(cursor.bound_in(FolderId(6)), at(1_000, 0));
        let folder = Folder {
            id: FolderId(5),
            mailbox_id: crate::ids::MailboxId(1),
            name: "INBOX".into(),
            special_use: None,
            uid_validity: 1,
            uid_next: 1,
            highest_modseq: 0,
            recent_uid: 1,
        };
        // `before` and the cursor together: the earlier of the two bounds.
        let lane = Lane::new(&folder, Some(&cursor), Some(from_micros(500)));
        assert_eq!(lane.older_than, Some(at(500, 0)));
        let lane = Lane::new(&folder, Some(&cursor), Some(from_micros(5_000)));
        assert_eq!(lane.older_than, Some(at(1_000, 9)));
        assert_eq!(Lane::new(&folder, None, None).older_than, None);
    }

    #[test]
    fn reads_stop_at_their_count_or_bytes_but_one_is_always_made() {
        let limits = SearchLimits {
            reads: 2,
            read_bytes: 100,
            ..SearchLimits::default()
        };
        let mut reads = Reads::default();
        assert!(reads.allow(60, limits));
        assert!(!reads.allow(50, limits), "past the bytes");
        assert!(reads.allow(40, limits));
        assert!(!reads.allow(0, limits), "past the count");
        let mut huge = Reads::default();
        assert!(huge.allow(1_000, limits), "the first read is made");
        assert!(!huge.allow(1, limits));
    }
}
