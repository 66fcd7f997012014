//! The Auto-Reply tab: a mailbox's "I am away" answer, and the rules of RFC 3834 and RFC 5230
//! that keep it from answering lists, robots, itself, or anyone twice within its interval.

use super::header;
use chrono::{DateTime, NaiveDate, Utc};
use data_encoding::BASE64;
use mail_parser::HeaderName;

/// Days between two replies to one sender, unless the mailbox says otherwise (RFC 5230).
pub const DEFAULT_INTERVAL_DAYS: u32 = 4;
const MAX_INTERVAL_DAYS: u32 = 365;
const MAX_SUBJECT: usize = 200;
const MAX_TEXT: usize = 10_000;

/// A mailbox's auto-reply as it was saved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AutoReply {
    pub enabled: bool,
    /// Empty: "Auto: " and the subject answered.
    pub subject: String,
    pub text: String,
    /// The first and last day it answers (inclusive, in the account's time zone).
    pub starts_on: Option<NaiveDate>,
    pub ends_on: Option<NaiveDate>,
    pub interval_days: u32,
    pub updated_at: DateTime<Utc>,
}

impl AutoReply {
    /// The message a person can correct, or none.
    pub fn invalid(&self) -> Option<String> {
        if self.subject.chars().count() > MAX_SUBJECT || self.subject.chars().any(char::is_control)
        {
            return Some(format!(
                "the subject is at most {MAX_SUBJECT} characters on one line"
            ));
        }
        if self.text.chars().count() > MAX_TEXT {
            return Some(format!("the text is at most {MAX_TEXT} characters"));
        }
        if self.enabled && self.text.trim().is_empty() {
            return Some("an auto-reply needs a text".into());
        }
        if let (Some(start), Some(end)) = (self.starts_on, self.ends_on)
            && end < start
        {
            return Some("the end date is before the start date".into());
        }
        if !(1..=MAX_INTERVAL_DAYS).contains(&self.interval_days) {
            return Some(format!(
                "replies to one sender are 1 to {MAX_INTERVAL_DAYS} days apart"
            ));
        }
        None
    }

    /// Whether it answers on `today` (a day of the account's time zone).
    pub fn active_on(&self, today: NaiveDate) -> bool {
        self.enabled
            && self.starts_on.is_none_or(|start| today >= start)
            && self.ends_on.is_none_or(|end| today <= end)
    }
}

/// Why a message gets no auto-reply (RFC 3834 §2, RFC 5230 §4.5), or none. `own` says
/// whether an address is one of the mailbox's.
pub fn suppressed(
    envelope_from: &str,
    body: &[u8],
    own: &dyn Fn(&str) -> bool,
) -> Option<&'static str> {
    let Some((local, _)) = envelope_from.rsplit_once('@') else {
        return Some("the null sender");
    };
    let local = local.to_ascii_lowercase();
    if local == "mailer-daemon" || local.starts_with("owner-") || local.ends_with("-request") {
        return Some("a mail system or list address");
    }
    if own(envelope_from) {
        return Some("the mailbox's own address");
    }
    let fields = header::fields(body);
    if fields.iter().any(|(name, _)| {
        name.len() > 5
            && name
                .get(..5)
                .is_some_and(|p| p.eq_ignore_ascii_case("list-"))
    }) {
        return Some("a list message");
    }
    if let Some(precedence) = header::field(&fields, "Precedence")
        && ["bulk", "list", "junk"].contains(&precedence.to_ascii_lowercase().as_str())
    {
        return Some("bulk mail");
    }
    if let Some(auto) = header::field(&fields, "Auto-Submitted")
        && !auto
            .split(';')
            .next()
            .unwrap_or("")
            .trim()
            .eq_ignore_ascii_case("no")
    {
        return Some("an automatic message");
    }
    let named = header::addresses(body, &[HeaderName::To, HeaderName::Cc]);
    if !named.iter().any(|a| own(a)) {
        return Some("not addressed to the mailbox in To or Cc");
    }
    None
}

/// What a reply is made of besides the saved text.
pub struct ReplyTo<'a> {
    /// The mailbox's address and display name.
    pub from: &'a str,
    pub display_name: &'a str,
    pub to: &'a str,
    pub message_id: String,
    pub date: DateTime<Utc>,
}

impl AutoReply {
    /// The reply to `original` with the saved subject and text.
    pub fn reply(&self, original: &[u8], to: &ReplyTo<'_>) -> Vec<u8> {
        answer(original, &self.subject, Content::Text(&self.text), to)
    }
}

/// The body of an automatic answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Content<'a> {
    /// Plain text.
    Text(&'a str),
    /// A MIME entity, its `Content-*` fields then a blank line and its body (Sieve's
    /// `vacation :mime`); its other fields are dropped, so it cannot add recipients or
    /// another sender.
    Mime(&'a str),
}

/// An automatic answer to `original`: from the mailbox, with `subject` ("Auto: " and the
/// original's when empty), threaded to the original by In-Reply-To and References, and
/// marked `Auto-Submitted: auto-replied`.
pub fn answer(original: &[u8], subject: &str, content: Content<'_>, to: &ReplyTo<'_>) -> Vec<u8> {
    let fields = header::fields(original);
    let subject = match subject.trim() {
        "" => format!(
            "Auto: {}",
            header::field(&fields, "Subject").unwrap_or_default()
        ),
        own => own.to_owned(),
    };
    let mut head = String::new();
    let from = match to.display_name.trim() {
        "" => format!("<{}>", to.from),
        name => format!("{} <{}>", encoded_words(name), to.from),
    };
    head.push_str(&format!("From: {from}\r\nTo: <{}>\r\n", to.to));
    head.push_str(&format!("Subject: {}\r\n", encoded_words(&subject)));
    head.push_str(&format!("Date: {}\r\n", to.date.to_rfc2822()));
    head.push_str(&format!("Message-ID: {}\r\n", to.message_id));
    if let Some(id) = header::field(&fields, "Message-ID") {
        let references = header::field(&fields, "References").unwrap_or_default();
        head.push_str(&format!("In-Reply-To: {id}\r\n"));
        head.push_str(&format!(
            "References: {}\r\n",
            format!("{references} {id}").trim()
        ));
    }
    head.push_str("Auto-Submitted: auto-replied\r\nMIME-Version: 1.0\r\n");
    match content {
        Content::Text(text) => head.push_str(&text_part(text)),
        Content::Mime(entity) => head.push_str(&mime_part(entity)),
    }
    head.into_bytes()
}

fn crlf(text: &str) -> String {
    text.replace("\r\n", "\n").replace('\n', "\r\n")
}

fn text_part(text: &str) -> String {
    let text = crlf(text);
    let mut part = String::from("Content-Type: text/plain; charset=utf-8\r\n");
    match text.is_ascii() {
        true => part.push_str(&format!(
            "Content-Transfer-Encoding: 7bit\r\n\r\n{text}\r\n"
        )),
        false => {
            let encoded = BASE64.encode(text.as_bytes());
            let lines: Vec<&str> = encoded
                .as_bytes()
                .chunks(76)
                .filter_map(|c| std::str::from_utf8(c).ok())
                .collect();
            part.push_str(&format!(
                "Content-Transfer-Encoding: base64\r\n\r\n{}\r\n",
                lines.join("\r\n")
            ));
        }
    }
    part
}

/// A MIME entity's `Content-*` fields (with their folded lines) and its body; an entity
/// without a Content-Type is taken as plain text.
fn mime_part(entity: &str) -> String {
    let entity = crlf(entity);
    let (header, body) = entity.split_once("\r\n\r\n").unwrap_or(("", &entity));
    let mut kept = String::new();
    let mut keeping = false;
    for line in header.split("\r\n") {
        if !line.starts_with([' ', '\t']) {
            keeping = line
                .get(..8)
                .is_some_and(|name| name.eq_ignore_ascii_case("content-"));
        }
        if keeping {
            kept.push_str(line);
            kept.push_str("\r\n");
        }
    }
    if !kept.to_ascii_lowercase().starts_with("content-type:")
        && !kept.to_ascii_lowercase().contains("\r\ncontent-type:")
    {
        return text_part(body);
    }
    format!("{kept}\r\n{body}\r\n")
}

/// Header text as RFC 2047 encoded words when it is not plain ASCII.
fn encoded_words(text: &str) -> String {
    match text.is_ascii() {
        true => text.to_owned(),
        false => format!("=?utf-8?b?{}?=", BASE64.encode(text.as_bytes())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reply(enabled: bool) -> AutoReply {
        AutoReply {
            enabled,
            subject: String::new(),
            text: "Away until Monday.\nBack soon.".into(),
            starts_on: NaiveDate::from_ymd_opt(2026, 12, 1),
            ends_on: NaiveDate::from_ymd_opt(2026, 12, 3),
            interval_days: DEFAULT_INTERVAL_DAYS,
            updated_at: DateTime::UNIX_EPOCH,
        }
    }

    fn day(d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 12, d).unwrap_or_default()
    }

    #[test]
    fn it_answers_from_the_first_to_the_last_day_inclusive() {
        let r = reply(true);
        assert!(!r.active_on(day(30).pred_opt().unwrap_or_default()));
        assert!(r.active_on(day(1)) && r.active_on(day(3)));
        assert!(!r.active_on(day(4)));
        assert!(!reply(false).active_on(day(2)));
        let mut backwards = reply(true);
        backwards.ends_on = Some(day(1));
        backwards.starts_on = Some(day(2));
        assert_eq!(
            backwards.invalid().as_deref(),
            Some("the end date is before the start date")
        );
        let mut injected = reply(true);
        injected.subject = "Away\r\nBcc: all@x.example".into();
        assert!(injected.invalid().is_some());
    }

    const TO_ANN: &str = "From: Walker <walker@far.example>\r\nTo: Ann <ann@example.com>\r\nSubject: Trip\r\nMessage-ID: <m1@far.example>\r\n";

    fn own(a: &str) -> bool {
        a.eq_ignore_ascii_case("ann@example.com")
    }

    #[test]
    fn lists_robots_and_mail_not_to_the_mailbox_get_no_reply() {
        let with = |extra: &str| format!("{TO_ANN}{extra}\r\nhi\r\n").into_bytes();
        assert_eq!(suppressed("walker@far.example", &with(""), &own), None);
        for (from, extra, why) in [
            ("", "", "the null sender"),
            (
                "MAILER-DAEMON@far.example",
                "",
                "a mail system or list address",
            ),
            (
                "owner-trips@far.example",
                "",
                "a mail system or list address",
            ),
            (
                "trips-request@far.example",
                "",
                "a mail system or list address",
            ),
            ("ann@example.com", "", "the mailbox's own address"),
            (
                "walker@far.example",
                "List-Id: <trips.far.example>\r\n",
                "a list message",
            ),
            (
                "walker@far.example",
                "List-Unsubscribe: <mailto:x@far.example>\r\n",
                "a list message",
            ),
            ("walker@far.example", "Precedence: Bulk\r\n", "bulk mail"),
            (
                "walker@far.example",
                "Auto-Submitted: auto-generated\r\n",
                "an automatic message",
            ),
        ] {
            assert_eq!(
                suppressed(from, &with(extra), &own),
                Some(why),
                "{from} {extra}"
            );
        }
        assert_eq!(
            suppressed("walker@far.example", &with("Auto-Submitted: no\r\n"), &own),
            None
        );
        let bcc_only = b"From: walker@far.example\r\nTo: team@far.example\r\n\r\nhi\r\n";
        assert_eq!(
            suppressed("walker@far.example", bcc_only, &own),
            Some("not addressed to the mailbox in To or Cc")
        );
    }

    #[test]
    fn the_reply_is_threaded_and_marked_automatic() {
        let to = ReplyTo {
            from: "ann@example.com",
            display_name: "Ann Ö",
            to: "walker@far.example",
            message_id: "<r1@example.com>".into(),
            date: DateTime::UNIX_EPOCH,
        };
        let original = format!("{TO_ANN}References: <m0@far.example>\r\n\r\nhi\r\n");
        let text =
            String::from_utf8(reply(true).reply(original.as_bytes(), &to)).unwrap_or_default();
        for line in [
            "Subject: Auto: Trip\r\n",
            "To: <walker@far.example>\r\n",
            "In-Reply-To: <m1@far.example>\r\n",
            "References: <m0@far.example> <m1@far.example>\r\n",
            "Auto-Submitted: auto-replied\r\n",
            "From: =?utf-8?b?",
        ] {
            assert!(text.contains(line), "{line:?} in {text}");
        }
        assert!(
            text.ends_with("\r\n\r\nAway until Monday.\r\nBack soon.\r\n"),
            "{text}"
        );
    }

    #[test]
    fn a_mime_answer_keeps_only_its_content_fields() {
        let to = ReplyTo {
            from: "ann@example.com",
            display_name: "",
            to: "walker@far.example",
            message_id: "<r2@example.com>".into(),
            date: DateTime::UNIX_EPOCH,
        };
        let entity =
            "Content-Type: text/html;\n charset=utf-8\nBcc: all@far.example\n\n<p>Away</p>";
        let text = String::from_utf8(answer(
            TO_ANN.as_bytes(),
            "Away",
            Content::Mime(entity),
            &to,
        ))
        .unwrap_or_default();
        assert!(
            text.contains("Content-Type: text/html;\r\n charset=utf-8\r\n\r\n<p>Away</p>\r\n"),
            "{text}"
        );
        assert!(!text.contains("Bcc"), "{text}");
        let untyped = String::from_utf8(answer(
            TO_ANN.as_bytes(),
            "",
            Content::Mime("X: y\n\nhi"),
            &to,
        ))
        .unwrap_or_default();
        assert!(
            untyped.contains("Content-Type: text/plain; charset=utf-8\r\n"),
            "{untyped}"
        );
        assert!(untyped.ends_with("\r\n\r\nhi\r\n"), "{untyped}");
    }
}
