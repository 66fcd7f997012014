//! What SEARCH's address, subject and sent-date keys compare, taken from a message's header
//! once, when it is stored: a search then reads one small row per message instead of each
//! message's header from its body.

use super::message_text::{Parsed, fold};
use chrono::NaiveDate;

/// The fields SEARCH's FROM, TO, CC, BCC and SUBJECT keys read, decoded and folded as the
/// keys compare them (`None`: the message has no such field), and the Date: field's own
/// calendar date.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HeaderSummary {
    pub subject: Option<String>,
    pub from: Option<String>,
    pub to: Option<String>,
    pub cc: Option<String>,
    pub bcc: Option<String>,
    /// `None` without a Date: field one can read (SENTON and the others then use the
    /// arrival date).
    pub sent_on: Option<NaiveDate>,
}

/// A header field the summary keeps.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SummaryField {
    Subject,
    From,
    To,
    Cc,
    Bcc,
}

impl SummaryField {
    const NAMES: [(SummaryField, &'static str); 5] = [
        (SummaryField::Subject, "Subject"),
        (SummaryField::From, "From"),
        (SummaryField::To, "To"),
        (SummaryField::Cc, "Cc"),
        (SummaryField::Bcc, "Bcc"),
    ];

    /// The kept field of this name (any case, as field names are), if it is kept.
    pub fn named(name: &str) -> Option<SummaryField> {
        Self::NAMES
            .into_iter()
            .find(|(_, n)| n.eq_ignore_ascii_case(name))
            .map(|(field, _)| field)
    }
}

/// Only the messages whose summary's `field` holds `needle` (folded, not empty), and those
/// without a summary: a narrowing a store applies in its own query, so that a header SEARCH
/// reads the rows that can match rather than every message's summary.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldHolds {
    pub field: SummaryField,
    pub needle: String,
}

/// Between two fields of one name: folded text has no line breaks, so a key's text never
/// matches across it.
const BETWEEN_FIELDS: &str = "\n";

impl HeaderSummary {
    /// From a message, or its first bytes as far as its header goes.
    pub fn of(raw: &[u8]) -> HeaderSummary {
        let parsed = Parsed::head(raw);
        let field = |name: &str| {
            let fields = parsed.fields(name);
            let folded: Vec<String> = fields.iter().map(|f| fold(f)).collect();
            (!folded.is_empty()).then(|| folded.join(BETWEEN_FIELDS))
        };
        HeaderSummary {
            subject: field("Subject"),
            from: field("From"),
            to: field("To"),
            cc: field("Cc"),
            bcc: field("Bcc"),
            sent_on: parsed.sent().map(|d| d.date_naive()),
        }
    }

    /// The folded fields of this name, if the summary keeps them (any case, as field names);
    /// `Some(None)`: it keeps them, and the message has none.
    pub fn fields(&self, name: &str) -> Option<Option<&str>> {
        SummaryField::named(name).map(|field| self.field(field))
    }

    /// The folded fields of this kind, `None` if the message has none.
    pub fn field(&self, field: SummaryField) -> Option<&str> {
        match field {
            SummaryField::Subject => self.subject.as_deref(),
            SummaryField::From => self.from.as_deref(),
            SummaryField::To => self.to.as_deref(),
            SummaryField::Cc => self.cc.as_deref(),
            SummaryField::Bcc => self.bcc.as_deref(),
        }
    }

    /// Whether a field of this name holds `needle` (already folded); `None` if the summary
    /// does not keep that field.
    pub fn holds(&self, name: &str, needle: &str) -> Option<bool> {
        let fields = self.fields(name)?;
        Some(fields.is_some_and(|text| text.split(BETWEEN_FIELDS).any(|f| f.contains(needle))))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_are_decoded_folded_and_kept_apart() {
        let raw = b"From: =?utf-8?q?J=C3=BCrgen?= <j@example.net>\r\n\
            To: a@example.com\r\nTo: B <b@example.com>\r\n\
            Subject: Hello\r\n  World\r\nDate: Mon, 2 Jan 2023 23:30:00 -0500\r\n\r\nbody: x\r\n";
        let s = HeaderSummary::of(raw);
        assert_eq!(s.subject.as_deref(), Some("hello world"));
        assert!(
            s.from.as_deref().is_some_and(|f| f.contains("jürgen")),
            "{s:?}"
        );
        assert_eq!(s.holds("to", "b <b@example"), Some(true));
        // Two To: fields: a key's text does not span them.
        assert_eq!(s.holds("TO", "a@example.com b"), Some(false));
        assert_eq!(s.holds("Cc", "x"), Some(false));
        // "" asks whether the field exists.
        assert_eq!(s.holds("Cc", ""), Some(false));
        assert_eq!(s.holds("Subject", ""), Some(true));
        assert_eq!(s.holds("X-Other", "x"), None);
        // The Date: field's own day, not the UTC one.
        assert_eq!(s.sent_on, NaiveDate::from_ymd_opt(2023, 1, 2));
        assert_eq!(HeaderSummary::of(b"no header here").sent_on, None);
    }
}
