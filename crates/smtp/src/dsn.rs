//! RFC 3464 delivery status notifications: the bounce a sender gets when the queue gives up
//! on a recipient, as `multipart/report; report-type=delivery-status`.

use chrono::{DateTime, Utc};

/// The most of the original's header a bounce quotes: enough to recognise the message, never
/// a way to bounce a large message (or one without a body) back whole.
const MAX_QUOTED: usize = 16 * 1024;

/// What failed, for the report.
pub(crate) struct Failure<'a> {
    pub(crate) hostname: &'a str,
    pub(crate) sender: &'a str,
    pub(crate) recipient: &'a str,
    /// The last reply or error, such as `550 5.1.1 no such user`.
    pub(crate) diagnostic: &'a str,
    pub(crate) queued_at: DateTime<Utc>,
    pub(crate) now: DateTime<Utc>,
    /// A unique word for the MIME boundary and Message-ID.
    pub(crate) token: &'a str,
}

/// The bounce message for `original`.
pub(crate) fn bounce(f: &Failure<'_>, original: &[u8]) -> Vec<u8> {
    let status = status_of(f.diagnostic);
    let boundary = format!("=_trekmail_dsn_{}", f.token);
    let diagnostic: String = f
        .diagnostic
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    let date = f.now.to_rfc2822();
    let mut out = format!(
        "From: Mail Delivery System <MAILER-DAEMON@{host}>\r\n\
         To: <{sender}>\r\n\
         Subject: Undelivered Mail Returned to Sender\r\n\
         Date: {date}\r\n\
         Message-ID: <dsn.{token}@{host}>\r\n\
         Auto-Submitted: auto-replied\r\n\
         MIME-Version: 1.0\r\n\
         Content-Type: multipart/report; report-type=delivery-status;\r\n\
         \tboundary=\"{boundary}\"\r\n\
         \r\n\
         This is a MIME-encapsulated message.\r\n\
         \r\n\
         --{boundary}\r\n\
         Content-Type: text/plain; charset=utf-8\r\n\
         \r\n\
         Your message to <{recipient}> could not be delivered.\r\n\
         The mail system at {host} gave up on it.\r\n\
         \r\n\
         Reason: {diagnostic}\r\n\
         \r\n\
         --{boundary}\r\n\
         Content-Type: message/delivery-status\r\n\
         \r\n\
         Reporting-MTA: dns; {host}\r\n\
         Arrival-Date: {arrival}\r\n\
         \r\n\
         Final-Recipient: rfc822; {recipient}\r\n\
         Action: failed\r\n\
         Status: {status}\r\n\
         Diagnostic-Code: smtp; {diagnostic}\r\n\
         Last-Attempt-Date: {date}\r\n\
         \r\n\
         --{boundary}\r\n\
         Content-Type: text/rfc822-headers\r\n\
         \r\n",
        host = f.hostname,
        sender = f.sender,
        recipient = f.recipient,
        token = f.token,
        arrival = f.queued_at.to_rfc2822(),
    )
    .into_bytes();
    out.extend_from_slice(quoted(original));
    if !out.ends_with(b"\r\n") {
        out.extend_from_slice(b"\r\n");
    }
    out.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    out
}

/// The enhanced status in a reply such as `550 5.1.1 …`, or a generic one.
fn status_of(diagnostic: &str) -> String {
    let word = diagnostic.split_whitespace().nth(1).unwrap_or("");
    let parts: Vec<&str> = word.split('.').collect();
    let valid = parts.len() == 3
        && matches!(parts[0], "4" | "5")
        && parts[1..]
            .iter()
            .all(|p| !p.is_empty() && p.len() <= 3 && p.bytes().all(|b| b.is_ascii_digit()));
    match valid {
        // Given up: a temporary code becomes permanent.
        true => format!("5.{}.{}", parts[1], parts[2]),
        false => "5.0.0".to_owned(),
    }
}

/// The original's header, cut after its last whole line within [`MAX_QUOTED`].
fn quoted(original: &[u8]) -> &[u8] {
    let header = headers_of(original);
    if header.len() <= MAX_QUOTED {
        return header;
    }
    let head = &header[..MAX_QUOTED];
    head.windows(2)
        .rposition(|w| w == b"\r\n")
        .map_or(head, |at| &head[..at + 2])
}

/// The header block of a message (up to the first empty line; all of it without one).
pub(crate) fn headers_of(message: &[u8]) -> &[u8] {
    message
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .map_or(message, |at| &message[..at + 2])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bounce_is_a_delivery_status_report_with_the_original_headers() {
        let now = chrono::DateTime::from_timestamp(1_700_000_000, 0).unwrap();
        let failure = Failure {
            hostname: "mx.example.com",
            sender: "ann@example.com",
            recipient: "bob@far.example",
            diagnostic: "550 5.1.1 no such user",
            queued_at: now,
            now,
            token: "abc",
        };
        let text =
            String::from_utf8(bounce(&failure, b"Subject: hi\r\n\r\nsecret body\r\n")).unwrap();
        assert!(text.contains("report-type=delivery-status"), "{text}");
        assert!(text.contains("Final-Recipient: rfc822; bob@far.example"));
        assert!(text.contains("Status: 5.1.1"));
        assert!(text.contains("Subject: hi\r\n"));
        assert!(!text.contains("secret body"));
        assert!(text.ends_with("--=_trekmail_dsn_abc--\r\n"));
        assert_eq!(status_of("451 4.4.1 try later"), "5.4.1");

        // A huge header (or a message without a blank line) is quoted in whole lines, capped.
        let line = format!("X-Filler: {}\r\n", "y".repeat(90));
        let huge = line.repeat(1000);
        let text = String::from_utf8(bounce(&failure, huge.as_bytes())).unwrap();
        let part = text.split("text/rfc822-headers\r\n\r\n").nth(1).unwrap();
        let quoted = part.split("\r\n--=_trekmail_dsn_abc--").next().unwrap();
        assert!(quoted.len() <= MAX_QUOTED && quoted.len() > MAX_QUOTED - line.len());
        assert!(quoted.ends_with("y\r\n") && quoted.starts_with("X-Filler: y"));
        assert_eq!(status_of("cannot connect"), "5.0.0");
    }
}
