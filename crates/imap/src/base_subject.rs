//! The base subject of RFC 5256 §2.1, which SORT SUBJECT and THREAD compare: the subject
//! without `Re:`, `Fwd:`, `[list]` tags and `(fwd)` trailers, so a reply sorts with its
//! original.

/// A subject reduced to its base, and whether anything said it was a reply or forward.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BaseSubject {
    pub text: String,
    pub reply: bool,
}

/// `subject` is already decoded (RFC 2047); this is steps (1)–(7) of §2.1.
pub fn base_subject(subject: &str) -> BaseSubject {
    let normalized = subject.split_whitespace().collect::<Vec<_>>().join(" ");
    let mut s = normalized.as_str();
    let mut reply = false;
    loop {
        reply |= strip_trailers(&mut s);
        loop {
            let before = s.len();
            reply |= strip_leaders(&mut s);
            if let Some(after) = blob(s)
                && !s[after..].trim().is_empty()
            {
                s = &s[after..];
            }
            if s.len() == before {
                break;
            }
        }
        match fwd_wrapped(s) {
            Some(inner) => {
                s = inner;
                reply = true;
            }
            None => break,
        }
    }
    BaseSubject {
        text: s.to_owned(),
        reply,
    }
}

/// Step (2): trailing `(fwd)` and spaces.
fn strip_trailers(s: &mut &str) -> bool {
    let mut stripped = false;
    loop {
        *s = s.trim_end();
        match s.len().checked_sub(5).filter(|i| s.is_char_boundary(*i)) {
            Some(i) if s[i..].eq_ignore_ascii_case("(fwd)") => {
                *s = &s[..i];
                stripped = true;
            }
            _ => return stripped,
        }
    }
}

/// Step (3): leading spaces and `*subj-blob subj-refwd`; true when a `Re:`/`Fwd:` went.
fn strip_leaders(s: &mut &str) -> bool {
    let mut stripped = false;
    loop {
        if let Some(rest) = s.strip_prefix(' ') {
            *s = rest;
            continue;
        }
        let mut at = 0;
        while let Some(len) = blob(&s[at..]) {
            at += len;
        }
        match refwd(&s[at..]) {
            Some(len) => {
                *s = &s[at + len..];
                stripped = true;
            }
            None => return stripped,
        }
    }
}

/// The length of a leading `subj-blob`: `[` text without brackets `]` and spaces.
fn blob(s: &str) -> Option<usize> {
    let rest = s.strip_prefix('[')?;
    let close = rest.find([']', '['])?;
    if rest.as_bytes().get(close) != Some(&b']') {
        return None;
    }
    let after = 1 + close + 1;
    Some(after + (s[after..].len() - s[after..].trim_start().len()))
}

/// The length of a leading `subj-refwd`: `re`, `fw` or `fwd`, spaces, an optional blob, `:`.
fn refwd(s: &str) -> Option<usize> {
    let lower = s.get(..3).unwrap_or(s).to_ascii_lowercase();
    let word = ["fwd", "fw", "re"]
        .into_iter()
        .find(|w| lower.starts_with(w))?
        .len();
    let mut at = word + (s[word..].len() - s[word..].trim_start().len());
    if let Some(len) = blob(&s[at..]) {
        at += len;
    }
    s[at..].starts_with(':').then_some(at + 1)
}

/// Step (6): the inside of `[fwd: …]`.
fn fwd_wrapped(s: &str) -> Option<&str> {
    let head = s.get(..5)?;
    (head.eq_ignore_ascii_case("[fwd:") && s.len() > 5 && s.ends_with(']'))
        .then(|| &s[5..s.len() - 1])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn base(s: &str) -> (String, bool) {
        let b = base_subject(s);
        (b.text, b.reply)
    }

    #[test]
    fn replies_and_forwards_are_stripped() {
        assert_eq!(base("Re: lunch"), ("lunch".into(), true));
        assert_eq!(base("RE[2]: lunch"), ("lunch".into(), true));
        assert_eq!(
            base("Fw:  Re:\tlunch  (FWD) (fwd) "),
            ("lunch".into(), true)
        );
        assert_eq!(base("[team] Re: [ops] fwd: lunch"), ("lunch".into(), true));
        assert_eq!(base("[Fwd: Re: lunch]"), ("lunch".into(), true));
        assert_eq!(
            base("re: [fwd: [fwd: re: [Fwd: plans]]]"),
            ("plans".into(), true)
        );
    }

    #[test]
    fn what_is_not_a_prefix_stays() {
        assert_eq!(base("lunch"), ("lunch".into(), false));
        assert_eq!(base("[team] lunch"), ("lunch".into(), false));
        assert_eq!(base("[only a tag]"), ("[only a tag]".into(), false));
        assert_eq!(base("Reply: soon"), ("Reply: soon".into(), false));
        assert_eq!(base("Ad: Re: x"), ("Ad: Re: x".into(), false));
        assert_eq!(base(""), (String::new(), false));
        assert_eq!(base("Re:"), (String::new(), true));
        assert_eq!(base("ünï: Re: cödé"), ("ünï: Re: cödé".into(), false));
        assert_eq!(base("Re: ünï"), ("ünï".into(), true));
    }
}
