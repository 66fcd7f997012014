//! SEARCH with result options (ESEARCH, RFC 4731): the same search, answered `* ESEARCH`
//! with what `RETURN (…)` asks for, and with a MODSEQ key the mod-sequence RFC 4731 §3.2
//! names. imap-codec cannot encode the response: it is written in place of a stand-in.

use super::search::Hit;
use crate::connection::Connection;
use crate::refused::search::{ExtendedSearch, Returns};
use crate::sequence;
use imap_codec::imap_types::core::Tag;
use imap_codec::imap_types::response::Data;
use std::fmt::Write;

impl Connection {
    /// A SEARCH with result options, which `refused::search` read.
    pub(crate) async fn extended_search(&mut self, tag: Tag<'static>, search: ExtendedSearch) {
        // As for any SEARCH: by message number, expunges wait until it is answered.
        self.refresh(search.uid).await;
        let ExtendedSearch {
            uid,
            returns,
            charset,
            criteria,
        } = search;
        self.search(tag, charset, criteria, uid, Some(returns))
            .await;
    }

    /// Queues the `* ESEARCH` of `hits` (each kept with its mod-sequence).
    pub(super) fn enqueue_esearch(
        &mut self,
        tag: &Tag<'_>,
        by_uid: bool,
        returns: Returns,
        hits: &[Hit<u64>],
        modseq: bool,
    ) {
        let found: Vec<(u32, u64)> = hits
            .iter()
            .filter_map(|h| Some((h.number(by_uid)?.get(), h.kept)))
            .collect();
        let response = esearch(tag.inner(), by_uid, returns, &found, modseq);
        let handle = self.server.enqueue_data(Data::Search(Vec::new(), None));
        self.edits.replace(handle, response.into_bytes());
    }
}

/// `* ESEARCH (TAG "tag") [UID] [MIN n] [MAX n] [COUNT n] [ALL set] [MODSEQ n]` for `found`
/// (numbers ascending, each with its mod-sequence): MIN, MAX and ALL only when something was
/// found, COUNT always when asked (RFC 4731 §3.1).
fn esearch(
    tag: &str,
    by_uid: bool,
    returns: Returns,
    found: &[(u32, u64)],
    modseq: bool,
) -> String {
    // A tag is ASTRING-CHARs without `+`: never a quote or a backslash to escape.
    let mut line = format!("* ESEARCH (TAG \"{tag}\")");
    if by_uid {
        line.push_str(" UID");
    }
    if returns.min
        && let Some((n, _)) = found.first()
    {
        let _ = write!(line, " MIN {n}");
    }
    if returns.max
        && let Some((n, _)) = found.last()
    {
        let _ = write!(line, " MAX {n}");
    }
    if returns.count {
        let _ = write!(line, " COUNT {}", found.len());
    }
    if returns.all && !found.is_empty() {
        let _ = write!(
            line,
            " ALL {}",
            sequence::set_text(found.iter().map(|(n, _)| *n))
        );
    }
    if modseq && let Some(m) = modseq_returned(returns, found) {
        let _ = write!(line, " MODSEQ {m}");
    }
    line.push_str("\r\n");
    line
}

/// RFC 4731 §3.2: with MIN or MAX alone, the mod-sequence of that message; with both alone,
/// the higher of theirs; otherwise the highest of all found. None when nothing was found.
fn modseq_returned(returns: Returns, found: &[(u32, u64)]) -> Option<u64> {
    let first = found.first().map(|(_, m)| *m);
    let last = found.last().map(|(_, m)| *m);
    let modseq = match (returns.min, returns.max) {
        _ if returns.all || returns.count => found.iter().map(|(_, m)| *m).max(),
        (true, false) => first,
        (false, true) => last,
        _ => first.max(last),
    };
    modseq.filter(|m| *m > 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    const FOUND: [(u32, u64); 4] = [(2, 40), (4, 90), (5, 10), (6, 20)];

    fn returns(min: bool, max: bool, count: bool, all: bool) -> Returns {
        Returns {
            min,
            max,
            count,
            all,
        }
    }

    #[test]
    fn what_return_asks_for() {
        assert_eq!(
            esearch("A1", false, returns(true, true, true, true), &FOUND, false),
            "* ESEARCH (TAG \"A1\") MIN 2 MAX 6 COUNT 4 ALL 2,4:6\r\n"
        );
        assert_eq!(
            esearch("b", true, returns(false, false, true, false), &FOUND, false),
            "* ESEARCH (TAG \"b\") UID COUNT 4\r\n"
        );
    }

    #[test]
    fn nothing_found_is_still_answered() {
        assert_eq!(
            esearch("c", true, returns(true, true, true, true), &[], true),
            "* ESEARCH (TAG \"c\") UID COUNT 0\r\n"
        );
        assert_eq!(
            esearch("c", false, returns(true, false, false, true), &[], false),
            "* ESEARCH (TAG \"c\")\r\n"
        );
    }

    #[test]
    fn modseq_of_the_messages_returned() {
        let line = |r| esearch("d", false, r, &FOUND, true);
        assert!(line(returns(true, false, false, false)).ends_with(" MIN 2 MODSEQ 40\r\n"));
        assert!(line(returns(false, true, false, false)).ends_with(" MAX 6 MODSEQ 20\r\n"));
        assert!(line(returns(true, true, false, false)).ends_with(" MODSEQ 40\r\n"));
        assert!(line(returns(false, false, true, false)).ends_with(" MODSEQ 90\r\n"));
        assert!(line(returns(true, false, false, true)).ends_with(" MODSEQ 90\r\n"));
    }
}
