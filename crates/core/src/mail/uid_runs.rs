//! UIDs as runs of consecutive ones: how sequence sets are written (IMAP) and how UID lists
//! are read as ranges (the stores), in one place.

/// `numbers` as runs of consecutive ones, `(first, last)`, in the order given.
pub fn uid_runs(numbers: impl IntoIterator<Item = u32>) -> Vec<(u32, u32)> {
    let mut runs: Vec<(u32, u32)> = Vec::new();
    for n in numbers {
        match runs.last_mut() {
            Some((_, end)) if end.checked_add(1) == Some(n) => *end = n,
            _ => runs.push((n, n)),
        }
    }
    runs
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn runs_keep_the_order_given() {
        assert_eq!(uid_runs([]), vec![]);
        assert_eq!(uid_runs([2, 4, 5, 6, 9]), [(2, 2), (4, 6), (9, 9)]);
        assert_eq!(
            uid_runs([4, 5, 1, u32::MAX]),
            [(4, 5), (1, 1), (u32::MAX, u32::MAX)]
        );
    }
}
