//! Sequence sets to positions in the selected folder (RFC 3501 §6.4.8, §9 `sequence-set`).
//! Ranges are resolved with binary searches over the sorted UIDs, so huge sets stay cheap.

use imap_codec::imap_types::sequence::{SeqOrUid, Sequence, SequenceSet};
use trekmail_core::mail::uid_runs;

/// A message sequence number past the last message: the command is `BAD`.
#[derive(Debug, PartialEq, Eq)]
pub struct OutOfRange;

/// Zero-based positions named by `set`, ascending and without repeats. `uids` are the
/// folder's UIDs in sequence-number order. UIDs need not exist (`UID FETCH 5:*` always names
/// the last message); message numbers past the end are refused unless `lenient` (SEARCH) or
/// the range reaches `*`.
pub fn resolve(
    set: &SequenceSet,
    uids: &[u32],
    by_uid: bool,
    lenient: bool,
) -> Result<Vec<usize>, OutOfRange> {
    let mut spans = Vec::with_capacity(set.0.as_ref().len());
    let count = u32::try_from(uids.len()).unwrap_or(u32::MAX);
    let star = match by_uid {
        true => uids.last().copied().unwrap_or(0),
        false => count,
    };
    let value = |v: &SeqOrUid| match v {
        SeqOrUid::Value(n) => n.get(),
        SeqOrUid::Asterisk => star,
    };
    for sequence in set.0.as_ref() {
        let (a, b, starred) = match sequence {
            Sequence::Single(v) => (value(v), value(v), *v == SeqOrUid::Asterisk),
            Sequence::Range(a, b) => (
                value(a),
                value(b),
                *a == SeqOrUid::Asterisk || *b == SeqOrUid::Asterisk,
            ),
        };
        let (low, high) = (a.min(b), a.max(b));
        // A range reaching `*` is clamped, so `1:*` in an empty folder names nothing.
        if !by_uid && high > count && !lenient && !starred {
            return Err(OutOfRange);
        }
        let (start, end) = match by_uid {
            true => (
                uids.partition_point(|u| *u < low),
                uids.partition_point(|u| *u <= high),
            ),
            false => (
                (low.max(1) - 1) as usize,
                (high.min(count) as usize).min(uids.len()),
            ),
        };
        if start < end {
            spans.push((start, end));
        }
    }
    // Merged in order, so the cost is the set's and the answer's, not the folder's.
    spans.sort_unstable();
    let mut positions = Vec::new();
    let mut next = 0;
    for (start, end) in spans {
        positions.extend(start.max(next)..end);
        next = next.max(end);
    }
    Ok(positions)
}

/// Whether `set` names `number` (a message number or UID), `*` being `star`: one message
/// at a time, for SEARCH keys, without building the whole list.
pub fn contains(set: &SequenceSet, number: u32, star: u32) -> bool {
    let value = |v: &SeqOrUid| match v {
        SeqOrUid::Value(n) => n.get(),
        SeqOrUid::Asterisk => star,
    };
    set.0.as_ref().iter().any(|sequence| {
        let (a, b) = match sequence {
            Sequence::Single(v) => (value(v), value(v)),
            Sequence::Range(a, b) => (value(a), value(b)),
        };
        (a.min(b)..=a.max(b)).contains(&number)
    })
}

/// Numbers as the text of a sequence set, runs as ranges (`2,4:6`): for the responses
/// imap-codec cannot encode (ESEARCH's ALL, MULTIAPPEND's APPENDUID).
pub fn set_text(numbers: impl IntoIterator<Item = u32>) -> String {
    let texts: Vec<String> = uid_runs(numbers)
        .into_iter()
        .map(|(a, b)| match a == b {
            true => a.to_string(),
            false => format!("{a}:{b}"),
        })
        .collect();
    texts.join(",")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set(s: &str) -> SequenceSet {
        s.parse().unwrap()
    }

    const UIDS: [u32; 5] = [3, 4, 7, 10, 12];

    #[test]
    fn message_numbers() {
        assert_eq!(resolve(&set("1"), &UIDS, false, false), Ok(vec![0]));
        assert_eq!(
            resolve(&set("2:3,5"), &UIDS, false, false),
            Ok(vec![1, 2, 4])
        );
        assert_eq!(resolve(&set("*"), &UIDS, false, false), Ok(vec![4]));
        assert_eq!(resolve(&set("4:*"), &UIDS, false, false), Ok(vec![3, 4]));
        assert_eq!(resolve(&set("*:4"), &UIDS, false, false), Ok(vec![3, 4]));
        assert_eq!(
            resolve(&set("1:*,2"), &UIDS, false, false).unwrap().len(),
            5
        );
        assert_eq!(resolve(&set("6"), &UIDS, false, false), Err(OutOfRange));
        assert_eq!(resolve(&set("2:6"), &UIDS, false, false), Err(OutOfRange));
        assert_eq!(resolve(&set("9:*"), &UIDS, false, false), Ok(vec![4]));
        assert_eq!(resolve(&set("4:9"), &UIDS, false, true), Ok(vec![3, 4]));
        assert_eq!(resolve(&set("1:*"), &[], false, false), Ok(vec![]));
        // Out of order and overlapping: ascending, each once.
        assert_eq!(
            resolve(&set("5,2:3,1:2,3:4"), &UIDS, false, false),
            Ok(vec![0, 1, 2, 3, 4])
        );
        assert_eq!(resolve(&set("4,2,4"), &UIDS, false, false), Ok(vec![1, 3]));
    }

    #[test]
    fn uids() {
        assert_eq!(resolve(&set("4"), &UIDS, true, false), Ok(vec![1]));
        assert_eq!(resolve(&set("5:10"), &UIDS, true, false), Ok(vec![2, 3]));
        assert_eq!(resolve(&set("1:*"), &UIDS, true, false).unwrap().len(), 5);
        // Past the last UID: `n:*` still names the last message.
        assert_eq!(resolve(&set("100:*"), &UIDS, true, false), Ok(vec![4]));
        assert_eq!(resolve(&set("100:200"), &UIDS, true, false), Ok(vec![]));
        assert_eq!(resolve(&set("5"), &UIDS, true, false), Ok(vec![]));
        assert_eq!(resolve(&set("1:*"), &[], true, false), Ok(vec![]));
        assert_eq!(resolve(&set("4294967295"), &UIDS, true, false), Ok(vec![]));
        assert_eq!(
            resolve(&set("12,3:4,4:7"), &UIDS, true, false),
            Ok(vec![0, 1, 2, 4])
        );
    }

    #[test]
    fn runs_as_text() {
        assert_eq!(set_text([2, 4, 5, 6, 9, 10]), "2,4:6,9:10");
        assert_eq!(set_text([7]), "7");
        assert_eq!(set_text([]), "");
    }

    #[test]
    fn one_number() {
        assert!(contains(&set("2:4,9"), 3, 12));
        assert!(contains(&set("20:*"), 12, 12));
        assert!(!contains(&set("2:4,9"), 5, 12));
        assert!(contains(&set("*"), 12, 12));
    }
}
