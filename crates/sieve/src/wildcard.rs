//! `:matches` patterns (`*`, `?`, `\` escapes) without exponential backtracking: only the
//! most recent `*` is ever widened, so a match costs at most text × pattern steps. Each
//! `*` takes the shortest text that still lets the rest match (RFC 5229's "[*] *" example).

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Item {
    Star,
    One,
    Char(char),
}

fn compile(pattern: &str) -> Vec<Item> {
    let mut out = Vec::new();
    let mut chars = pattern.chars();
    while let Some(c) = chars.next() {
        out.push(match c {
            '*' => Item::Star,
            '?' => Item::One,
            '\\' => Item::Char(chars.next().unwrap_or('\\')),
            c => Item::Char(c),
        });
    }
    out
}

/// Matches `text` against `pattern` with `same` deciding character equality; on a match,
/// what each wildcard took, in order.
pub(crate) fn matches(
    text: &str,
    pattern: &str,
    same: impl Fn(char, char) -> bool,
) -> Option<Vec<String>> {
    let text: Vec<char> = text.chars().collect();
    let pat = compile(pattern);
    // (pattern index after the star, capture slot of the star)
    let mut star: Option<(usize, usize)> = None;
    let mut caps: Vec<(usize, usize)> = Vec::new();
    let (mut ti, mut pi) = (0usize, 0usize);
    while let Some(&c) = text.get(ti) {
        let step = match pat.get(pi) {
            Some(Item::Star) => {
                star = Some((pi.saturating_add(1), caps.len()));
                caps.push((ti, ti));
                pi = pi.saturating_add(1);
                continue;
            }
            Some(Item::One) => {
                caps.push((ti, ti.saturating_add(1)));
                true
            }
            Some(Item::Char(p)) => same(*p, c),
            None => false,
        };
        if step {
            ti = ti.saturating_add(1);
            pi = pi.saturating_add(1);
            continue;
        }
        let (after, slot) = star?;
        caps.truncate(slot.saturating_add(1));
        let cap = caps.get_mut(slot)?;
        cap.1 = cap.1.saturating_add(1);
        ti = cap.1;
        pi = after;
    }
    while pat.get(pi) == Some(&Item::Star) {
        caps.push((text.len(), text.len()));
        pi = pi.saturating_add(1);
    }
    (pi == pat.len()).then(|| {
        caps.into_iter()
            .map(|(a, b)| text.get(a..b).unwrap_or_default().iter().collect())
            .collect()
    })
}

/// Escapes the wildcards in `text` (`:quotewildcard`).
pub(crate) fn quote(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if matches!(c, '*' | '?' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(text: &str, pattern: &str) -> Option<Vec<String>> {
        matches(text, pattern, |a, b| a == b)
    }

    #[test]
    fn wildcards_and_captures() {
        assert_eq!(
            m("[acme-users] [fwd] version 1.0 is out", "[*] *"),
            Some(vec!["acme-users".into(), "[fwd] version 1.0 is out".into()])
        );
        assert_eq!(m("abc", "a?c"), Some(vec!["b".into()]));
        assert_eq!(m("aba", "*a"), Some(vec!["ab".into()]));
        assert_eq!(m("abc", "a*"), Some(vec!["bc".into()]));
        assert_eq!(m("", "*"), Some(vec![String::new()]));
        assert_eq!(m("a*b", "a\\*b"), Some(vec![]));
        assert_eq!(m("axb", "a\\*b"), None);
        assert_eq!(m("abc", "abcd"), None);
        assert_eq!(m("abc", "a*d"), None);
    }

    #[test]
    fn no_exponential_blowup() {
        let text = "a".repeat(5000);
        let pattern = format!("{}b", "*a".repeat(200));
        assert_eq!(m(&text, &pattern), None);
    }
}
