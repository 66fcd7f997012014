//! Authentication-Results fields that arrive with a message: one naming this server was not
//! written by it (RFC 8601 §5), so it is removed before our own is added.

/// `message` without the `Authentication-Results` fields whose authserv-id is `hostname`
/// (compared without case); the body and every other field are kept byte for byte.
pub fn strip_claims(message: &[u8], hostname: &str) -> Vec<u8> {
    let header_end = header_section_end(message);
    let mut out = Vec::with_capacity(message.len());
    for field in fields(&message[..header_end]) {
        if !claims(field, hostname) {
            out.extend_from_slice(field);
        }
    }
    out.extend_from_slice(&message[header_end..]);
    out
}

/// Where the header section ends: just after the empty line, or the whole message if none.
fn header_section_end(message: &[u8]) -> usize {
    let mut at = 0;
    while at < message.len() {
        let line_end = message[at..]
            .iter()
            .position(|b| *b == b'\n')
            .map_or(message.len(), |i| at + i + 1);
        let line = &message[at..line_end];
        if line == b"\r\n" || line == b"\n" {
            return at;
        }
        at = line_end;
    }
    message.len()
}

/// The header section split into whole fields, each with its folded continuation lines.
fn fields(header: &[u8]) -> impl Iterator<Item = &[u8]> {
    let mut at = 0;
    std::iter::from_fn(move || {
        if at >= header.len() {
            return None;
        }
        let start = at;
        loop {
            at = header[at..]
                .iter()
                .position(|b| *b == b'\n')
                .map_or(header.len(), |i| at + i + 1);
            if at >= header.len() || !matches!(header[at], b' ' | b'\t') {
                break;
            }
        }
        Some(&header[start..at])
    })
}

/// Whether `field` is an Authentication-Results field whose authserv-id is `hostname`.
fn claims(field: &[u8], hostname: &str) -> bool {
    let Some(colon) = field.iter().position(|b| *b == b':') else {
        return false;
    };
    let name = String::from_utf8_lossy(&field[..colon]);
    if !name.trim().eq_ignore_ascii_case("Authentication-Results") {
        return false;
    }
    let value = String::from_utf8_lossy(&field[colon + 1..]);
    let id = value
        .split(';')
        .next()
        .unwrap_or_default()
        .split_whitespace()
        .next()
        .unwrap_or_default();
    id.eq_ignore_ascii_case(hostname)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_claim_of_our_name_is_removed_with_its_folded_lines() {
        let message =
            b"Received: from x\r\nAuthentication-Results: MX.example.com;\r\n\tdkim=pass\r\n\
            Authentication-Results: other.example; spf=pass\r\nSubject: hi\r\n\r\n\
            Authentication-Results: mx.example.com; in the body\r\n";
        let stripped = strip_claims(message, "mx.example.com");
        assert_eq!(
            stripped,
            b"Received: from x\r\nAuthentication-Results: other.example; spf=pass\r\nSubject: hi\r\n\r\n\
            Authentication-Results: mx.example.com; in the body\r\n"
        );
    }

    #[test]
    fn a_message_without_claims_is_unchanged() {
        let message = b"Subject: hi\r\n\r\nbody";
        assert_eq!(strip_claims(message, "mx.example.com"), message);
        assert_eq!(strip_claims(b"", "mx.example.com"), b"");
        assert_eq!(
            strip_claims(b"no header end", "mx.example.com"),
            b"no header end"
        );
    }

    #[test]
    fn a_version_number_before_the_id_does_not_hide_it() {
        // RFC 8601 allows "authserv-id [version]"; the id is the first word.
        let message = b"Authentication-Results: mx.example.com 1; none\r\n\r\n";
        assert_eq!(strip_claims(message, "mx.example.com"), b"\r\n");
    }
}
