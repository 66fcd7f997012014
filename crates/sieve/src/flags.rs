//! IMAP flag lists (RFC 5232): a list of strings holds space-separated flags; duplicates
//! (case-insensitively) and empty entries are dropped, the first spelling kept.

use crate::ast::FlagOp;

/// The flags in `items`, normalised.
pub(crate) fn normalise<'a>(items: impl IntoIterator<Item = &'a str>) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for flag in items.into_iter().flat_map(str::split_ascii_whitespace) {
        if !out.iter().any(|f| f.eq_ignore_ascii_case(flag)) {
            out.push(flag.to_string());
        }
    }
    out
}

/// The flag variable's new value after setflag, addflag or removeflag.
pub(crate) fn apply(current: &str, op: FlagOp, given: &[String]) -> String {
    let given = normalise(given.iter().map(String::as_str));
    let result = match op {
        FlagOp::Set => given,
        FlagOp::Add => normalise(
            current
                .split_ascii_whitespace()
                .chain(given.iter().map(String::as_str)),
        ),
        FlagOp::Remove => normalise(current.split_ascii_whitespace())
            .into_iter()
            .filter(|f| !given.iter().any(|g| g.eq_ignore_ascii_case(f)))
            .collect(),
    };
    result.join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn set_add_remove() {
        let two = vec!["\\Seen  \\Flagged".to_string(), "\\seen".to_string()];
        assert_eq!(apply("", FlagOp::Set, &two), "\\Seen \\Flagged");
        assert_eq!(apply("a", FlagOp::Add, &two), "a \\Seen \\Flagged");
        assert_eq!(apply("a \\SEEN b", FlagOp::Remove, &two), "a b");
    }
}
