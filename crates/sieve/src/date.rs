//! Dates for the date and currentdate tests (RFC 5260): header dates via mail-parser,
//! zones, and the date-part strings compared.

use chrono::{DateTime, Datelike, FixedOffset, NaiveDate, TimeZone, Timelike};
use mail_parser::HeaderValue;
use mail_parser::parsers::MessageStream;

/// The date-parts RFC 5260 section 4.2 defines.
pub(crate) const PARTS: &[&str] = &[
    "year", "month", "day", "date", "julian", "hour", "minute", "second", "time", "iso8601",
    "std11", "zone", "weekday",
];

/// A header field's value as a date, in the zone it was written in.
pub(crate) fn parse_header(raw: &[u8]) -> Option<DateTime<FixedOffset>> {
    let mut owned = raw.to_vec();
    owned.push(b'\n');
    let HeaderValue::DateTime(d) = MessageStream::new(&owned).parse_date() else {
        return None;
    };
    let seconds = i32::from(d.tz_hour)
        .checked_mul(3600)?
        .checked_add(i32::from(d.tz_minute).checked_mul(60)?)?;
    let zone = FixedOffset::east_opt(if d.tz_before_gmt { -seconds } else { seconds })?;
    let naive = NaiveDate::from_ymd_opt(i32::from(d.year), u32::from(d.month), u32::from(d.day))?
        .and_hms_opt(u32::from(d.hour), u32::from(d.minute), u32::from(d.second))?;
    zone.from_local_datetime(&naive).single()
}

/// `+hhmm` or `-hhmm`.
pub(crate) fn parse_zone(text: &str) -> Option<FixedOffset> {
    let bytes = text.as_bytes();
    let (sign, digits) = match bytes.split_first()? {
        (b'+', rest) => (1, rest),
        (b'-', rest) => (-1, rest),
        _ => return None,
    };
    if digits.len() != 4 || !digits.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let number: i32 = std::str::from_utf8(digits).ok()?.parse().ok()?;
    let (hours, minutes) = (number / 100, number % 100);
    if minutes >= 60 || hours >= 24 {
        return None;
    }
    FixedOffset::east_opt(sign * (hours * 3600 + minutes * 60))
}

fn zone_string(offset: FixedOffset, colon: bool) -> String {
    let seconds = offset.local_minus_utc();
    let sign = if seconds < 0 { '-' } else { '+' };
    let minutes = seconds.unsigned_abs() / 60;
    let sep = if colon { ":" } else { "" };
    format!("{sign}{:02}{sep}{:02}", minutes / 60, minutes % 60)
}

/// Days since 1858-11-17, the Modified Julian Day RFC 5260 calls "julian".
fn julian(date: &DateTime<FixedOffset>) -> Option<i64> {
    let epoch = NaiveDate::from_ymd_opt(1858, 11, 17)?;
    Some(date.date_naive().signed_duration_since(epoch).num_days())
}

/// The date-part `name` of `date`; `None` for an unknown part.
pub(crate) fn part(date: &DateTime<FixedOffset>, name: &str) -> Option<String> {
    Some(match name.to_ascii_lowercase().as_str() {
        "year" => format!("{:04}", date.year()),
        "month" => format!("{:02}", date.month()),
        "day" => format!("{:02}", date.day()),
        "date" => date.format("%Y-%m-%d").to_string(),
        "julian" => julian(date)?.to_string(),
        "hour" => format!("{:02}", date.hour()),
        "minute" => format!("{:02}", date.minute()),
        "second" => format!("{:02}", date.second()),
        "time" => date.format("%H:%M:%S").to_string(),
        "iso8601" => format!(
            "{}{}",
            date.format("%Y-%m-%dT%H:%M:%S"),
            zone_string(*date.offset(), true)
        ),
        "std11" => format!(
            "{} {}",
            date.format("%a, %d %b %Y %H:%M:%S"),
            zone_string(*date.offset(), false)
        ),
        "zone" => zone_string(*date.offset(), false),
        "weekday" => date.weekday().num_days_from_sunday().to_string(),
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn header_dates_and_parts() {
        let d = parse_header(b" Fri, 15 Apr 2005 12:34:56 -0800").unwrap();
        assert_eq!(part(&d, "date").unwrap(), "2005-04-15");
        assert_eq!(part(&d, "iso8601").unwrap(), "2005-04-15T12:34:56-08:00");
        assert_eq!(
            part(&d, "std11").unwrap(),
            "Fri, 15 Apr 2005 12:34:56 -0800"
        );
        assert_eq!(part(&d, "zone").unwrap(), "-0800");
        assert_eq!(part(&d, "weekday").unwrap(), "5");
        assert_eq!(part(&d, "julian").unwrap(), "53475");
        let utc = d.with_timezone(&parse_zone("+0000").unwrap());
        assert_eq!(part(&utc, "hour").unwrap(), "20");
        assert_eq!(part(&d, "bogus"), None);
        assert!(parse_zone("+2400").is_none());
        assert!(parse_header(b" not a date").is_none());
    }
}
