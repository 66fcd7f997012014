//! A plain-text body with its web and mail links made clickable. The text is cut into
//! segments, plain or link, that the template escapes like any other text: nothing here is
//! HTML, so nothing the sender wrote can become markup.

/// Where a link starts; only these become links, so an `href` is never anything else.
const SCHEMES: [&str; 3] = ["https://", "http://", "mailto:"];
/// Punctuation that ends a sentence rather than a link when it comes last.
const TRAILING: &[char] = &['.', ',', ';', ':', '!', '?', '\'', '*', ']', '}'];

/// A run of the text: plain, or a link whose address is its text.
#[derive(Debug, PartialEq, Eq)]
pub struct Segment {
    pub text: String,
    pub link: bool,
}

pub fn linkify(text: &str) -> Vec<Segment> {
    // ASCII lowering keeps every byte where it was, so offsets found in it hold in `text`.
    let lower = text.to_ascii_lowercase();
    let mut segments = Vec::new();
    let mut plain_from = 0;
    let mut at = 0;
    while let Some((start, scheme)) = next_scheme(&lower, at) {
        let end = link_end(text, start);
        let starts_word = !text[..start]
            .chars()
            .next_back()
            .is_some_and(char::is_alphanumeric);
        if starts_word && end > start + scheme.len() {
            push(&mut segments, &text[plain_from..start], false);
            push(&mut segments, &text[start..end], true);
            plain_from = end;
            at = end;
        } else {
            at = start + scheme.len();
        }
    }
    push(&mut segments, &text[plain_from..], false);
    segments
}

/// The first link scheme at or after `from`, and which.
fn next_scheme(lower: &str, from: usize) -> Option<(usize, &'static str)> {
    SCHEMES
        .iter()
        .filter_map(|scheme| lower[from..].find(scheme).map(|i| (from + i, *scheme)))
        .min_by_key(|(i, _)| *i)
}

/// Where the link starting at `start` ends: at a space, a character a URL cannot hold, or
/// before trailing punctuation (a closing bracket only if the link did not open it).
fn link_end(text: &str, start: usize) -> usize {
    let rest = &text[start..];
    let mut end = rest
        .find(|c: char| c.is_whitespace() || c.is_control() || matches!(c, '<' | '>' | '"' | '`'))
        .unwrap_or(rest.len());
    loop {
        let link = &rest[..end];
        let Some(last) = link.chars().next_back() else {
            break;
        };
        let unopened = last == ')' && link.matches(')').count() > link.matches('(').count();
        if TRAILING.contains(&last) || unopened {
            end -= last.len_utf8();
        } else {
            break;
        }
    }
    start + end
}

fn push(segments: &mut Vec<Segment>, text: &str, link: bool) {
    if !text.is_empty() {
        segments.push(Segment {
            text: text.to_owned(),
            link,
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plain(text: &str) -> Segment {
        Segment {
            text: text.to_owned(),
            link: false,
        }
    }

    fn link(text: &str) -> Segment {
        Segment {
            text: text.to_owned(),
            link: true,
        }
    }

    #[test]
    fn web_and_mail_links_are_found_in_the_text() {
        assert_eq!(
            linkify("See https://example.com/a?b=1&c=2, or mail mailto:bo@example.com."),
            vec![
                plain("See "),
                link("https://example.com/a?b=1&c=2"),
                plain(", or mail "),
                link("mailto:bo@example.com"),
                plain("."),
            ]
        );
        assert_eq!(
            linkify("(http://en.example/wiki/Rust_(language)) HTTP://X.EXAMPLE"),
            vec![
                plain("("),
                link("http://en.example/wiki/Rust_(language)"),
                plain(") "),
                link("HTTP://X.EXAMPLE"),
            ]
        );
        assert_eq!(
            linkify("<https://example.com/x>\nnext"),
            vec![plain("<"), link("https://example.com/x"), plain(">\nnext")]
        );
    }

    #[test]
    fn nothing_else_becomes_a_link() {
        for text in [
            "javascript:alert(1)",
            "data:text/html,<b>x</b>",
            "https:// alone",
            "mailto:",
            "xhttps://example.com",
            "ftp://example.com",
            "<b>bold</b> café",
        ] {
            assert_eq!(linkify(text), vec![plain(text)], "{text}");
        }
        assert_eq!(linkify(""), Vec::<Segment>::new());
        // A quote ends the link: it cannot carry on into an attribute.
        assert_eq!(
            linkify("https://example.com/\"onmouseover=x"),
            vec![link("https://example.com/"), plain("\"onmouseover=x")]
        );
    }
}
