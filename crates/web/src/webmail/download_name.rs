//! The name an attachment is saved under and the Content-Disposition that carries it. The
//! sender chooses the name, so it is cut down to a plain file name: no folders (`../`), no
//! quotes or backslashes that could end the header's quoted string, no control characters
//! (a CR LF would start a header of its own), no direction marks that could disguise its
//! extension; and "attachment" when nothing is left.

const FALLBACK: &str = "attachment";
/// Long enough for any real name, short enough for every file system.
const MAX_CHARS: usize = 120;

/// A plain file name from the one a message gives its part, if any.
pub fn file_name(given: Option<&str>) -> String {
    let last = given
        .unwrap_or_default()
        .rsplit(['/', '\\'])
        .next()
        .unwrap_or_default();
    let kept: String = last
        .chars()
        .filter(|c| !c.is_control() && !is_direction_mark(*c))
        .map(|c| match c {
            '"' | '\'' | ':' | '*' | '?' | '<' | '>' | '|' => '_',
            c => c,
        })
        .take(MAX_CHARS)
        .collect();
    let name = kept
        .trim_matches(|c: char| c.is_whitespace() || c == '.' || c == '_')
        .to_owned();
    match name.is_empty() {
        true => FALLBACK.to_owned(),
        false => name,
    }
}

/// `kind; filename="…"; filename*=UTF-8''…` (RFC 6266): the ASCII name for old clients, the
/// whole one percent-encoded for the others. `name` is one [`file_name`] made.
pub fn content_disposition(kind: &str, name: &str) -> String {
    let ascii: String = name
        .chars()
        .map(
            |c| match c.is_ascii() && !c.is_ascii_control() && c != '"' && c != '\\' {
                true => c,
                false => '_',
            },
        )
        .collect();
    let mut encoded = String::new();
    for byte in name.bytes() {
        match byte.is_ascii_alphanumeric() || b"!#$&+-.^_`|~".contains(&byte) {
            true => encoded.push(char::from(byte)),
            false => encoded.push_str(&format!("%{byte:02X}")),
        }
    }
    format!("{kind}; filename=\"{ascii}\"; filename*=UTF-8''{encoded}")
}

/// Marks that reorder what follows (`invoice\u{202E}fdp.exe` reads as `invoiceexe.pdf`).
fn is_direction_mark(c: char) -> bool {
    matches!(c, '\u{200E}' | '\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_lose_folders_quotes_and_control_characters() {
        assert_eq!(file_name(Some("../../evil\".html")), "evil_.html");
        assert_eq!(file_name(Some("C:\\Users\\x\\report.pdf")), "report.pdf");
        assert_eq!(
            file_name(Some("a\r\nSet-Cookie: x=1.txt")),
            "aSet-Cookie_ x=1.txt"
        );
        assert_eq!(file_name(Some("invoice\u{202E}fdp.exe")), "invoicefdp.exe");
        assert_eq!(file_name(Some("..")), FALLBACK);
        assert_eq!(file_name(Some("  .hidden ")), "hidden");
        assert_eq!(file_name(Some("dir/")), FALLBACK);
        assert_eq!(file_name(None), FALLBACK);
        assert_eq!(file_name(Some(&"x".repeat(500))).chars().count(), MAX_CHARS);
        assert_eq!(file_name(Some("Résumé 2026.pdf")), "Résumé 2026.pdf");
    }

    #[test]
    fn the_disposition_carries_an_ascii_and_an_encoded_name() {
        assert_eq!(
            content_disposition("attachment", "evil_.html"),
            "attachment; filename=\"evil_.html\"; filename*=UTF-8''evil_.html"
        );
        assert_eq!(
            content_disposition("inline", "Résumé 1.pdf"),
            "inline; filename=\"R_sum_ 1.pdf\"; filename*=UTF-8''R%C3%A9sum%C3%A9%201.pdf"
        );
    }
}
