//! SEARCH and UID SEARCH, and the message selection SORT and THREAD share: the keys are
//! decided in `search_keys.rs`; this reads only as much of a message as they need.

use super::search_keys::{Facts, Needs, Stars, decide_all, narrowing, needs};
use crate::connection::Connection;
use crate::refused::search::Returns;
use crate::responses as r;
use imap_codec::imap_types::core::{Charset, Tag, Vec1};
use imap_codec::imap_types::response::{Code, Data};
use imap_codec::imap_types::search::SearchKey;
use std::num::{NonZeroU32, NonZeroU64};
use trekmail_core::access::MailboxAccess;
use trekmail_core::mail::message_text::Parsed;
use trekmail_core::mail::{Folder, HeaderSummary, MessageMeta};
use trekmail_core::{Core, CoreError};

/// Most headers fit in this much, read first.
const SHORT_HEAD: usize = 8 * 1024;

/// A header longer than this is cut there: enough for every field a key reads.
const HEAD_BYTES: usize = 64 * 1024;

/// A message the keys chose, with what the caller kept of it.
pub(crate) struct Hit<T> {
    pub uid: u32,
    pub seq: u32,
    pub kept: T,
}

impl<T> Hit<T> {
    /// The number a response names it by.
    pub(crate) fn number(&self, by_uid: bool) -> Option<NonZeroU32> {
        NonZeroU32::new(if by_uid { self.uid } else { self.seq })
    }
}

impl Connection {
    /// SEARCH, answered `* SEARCH`, or `* ESEARCH` when `returns` are given (RFC 4731).
    pub(crate) async fn search(
        &mut self,
        tag: Tag<'static>,
        charset: Option<Charset<'static>>,
        criteria: Vec1<SearchKey<'static>>,
        by_uid: bool,
        returns: Option<Returns>,
    ) {
        if charset.as_ref().is_some_and(|c| !known_charset(c)) {
            return self.refuse_charset(tag);
        }
        let keys = criteria.into_inner();
        let Some(hits) = self
            .matching(&tag, &keys, Needs::Nothing, |f| f.modseq)
            .await
        else {
            return;
        };
        // With a MODSEQ key the answer names the highest mod-sequence found (RFC 7162 §3.1.5).
        let modseq = keys.iter().any(names_modseq);
        if modseq {
            self.enable_condstore();
        }
        match returns {
            Some(returns) => self.enqueue_esearch(&tag, by_uid, returns, &hits, modseq),
            None => {
                let found = hits.iter().filter_map(|h| h.number(by_uid)).collect();
                let highest = match modseq {
                    true => hits.iter().map(|h| h.kept).max().and_then(NonZeroU64::new),
                    false => None,
                };
                self.server.enqueue_data(Data::Search(found, highest));
            }
        }
        self.done(tag, "SEARCH completed");
    }

    /// `NO [BADCHARSET (UTF-8 US-ASCII)]`: the charsets keys may be written in.
    pub(crate) fn refuse_charset(&mut self, tag: Tag<'static>) {
        let allowed = ["UTF-8", "US-ASCII"]
            .into_iter()
            .filter_map(|c| Charset::try_from(c).ok())
            .collect();
        let code = Code::BadCharset { allowed };
        self.server
            .enqueue_status(r::no(Some(tag), Some(code), "Only UTF-8 and US-ASCII"));
    }

    /// The selected folder's messages that match `keys`, in sequence order, each with what
    /// `keep` takes of its facts (its header parsed when `keep_needs` asks for it). On a
    /// failure the command is answered here and `None` comes back.
    pub(crate) async fn matching<T>(
        &mut self,
        tag: &Tag<'static>,
        keys: &[SearchKey<'static>],
        keep_needs: Needs,
        keep: impl Fn(&Facts<'_>) -> T,
    ) -> Option<Vec<Hit<T>>> {
        let everything = imap_codec::imap_types::sequence::SequenceSet::from(..);
        let target = self.target(tag, &everything, false, true)?;
        let core = self.core.clone();
        let keys_need = keys.iter().map(needs).max().unwrap_or(Needs::Nothing);
        // The chosen messages' rows only: a folder's others are never read.
        let uids: Vec<u32> = target.chosen.iter().map(|(uid, _)| *uid).collect();
        let rows = rows_for(
            &core,
            &target.access,
            &target.folder,
            &uids,
            keys,
            keys_need,
        );
        let metas = match rows.await {
            Ok(m) => m,
            Err(e) => {
                self.core_no(tag.clone(), &e, "No such folder");
                return None;
            }
        };
        let stars = Stars {
            messages: u32::try_from(target.chosen.len()).unwrap_or(u32::MAX),
            last_uid: target.chosen.last().map_or(0, |(uid, _)| *uid),
        };
        let mut hits = Vec::new();
        for (uid, seq) in &target.chosen {
            let Some((meta, summary)) = metas
                .binary_search_by_key(uid, |(m, _)| m.uid)
                .ok()
                .and_then(|i| metas.get(i))
            else {
                continue;
            };
            let facts = |content| Facts {
                seq: *seq,
                uid: *uid,
                flags: &meta.flags,
                recent: self.view().is_some_and(|v| v.is_recent(*uid)),
                size: u64::try_from(meta.size).unwrap_or(0),
                internal_date: meta.internal_date,
                modseq: meta.modseq,
                summary: summary.as_ref(),
                content,
            };
            let verdict = decide_all(keys, &facts(None), stars);
            if verdict == Some(false) {
                continue;
            }
            let read = match verdict {
                None => keys_need.max(keep_needs),
                Some(_) => keep_needs,
            };
            let raw = match read_for(&core, &target.access, &target.folder, meta, read).await {
                Ok(raw) => raw,
                Err(e) => {
                    self.core_no(tag.clone(), &e, "The message is gone");
                    return None;
                }
            };
            let parsed = match read {
                Needs::Nothing => None,
                Needs::Summary | Needs::Header => Some(Parsed::head(&raw)),
                Needs::Body => Some(Parsed::whole(&raw)),
            };
            let facts = facts(parsed.as_ref());
            if verdict.is_none() && decide_all(keys, &facts, stars) != Some(true) {
                continue;
            }
            hits.push(Hit {
                uid: *uid,
                seq: *seq,
                kept: keep(&facts),
            });
        }
        Some(hits)
    }
}

/// The chosen messages' rows, with their header summaries when the keys compare header
/// fields the summaries keep; only those that can match a header key all must hold.
async fn rows_for(
    core: &Core,
    access: &MailboxAccess,
    folder: &Folder,
    uids: &[u32],
    keys: &[SearchKey<'_>],
    keys_need: Needs,
) -> Result<Vec<(MessageMeta, Option<HeaderSummary>)>, CoreError> {
    match keys_need {
        Needs::Nothing => {
            let metas = core.messages_with_uids(access, folder, uids).await?;
            Ok(metas.into_iter().map(|m| (m, None)).collect())
        }
        _ => {
            let holding = narrowing(keys);
            core.messages_with_summaries(access, folder, uids, holding.as_ref())
                .await
        }
    }
}

/// As much of a message as `need` says: nothing, its header (a short read first, a longer
/// one only when the header runs past it), or all of it.
async fn read_for(
    core: &Core,
    access: &MailboxAccess,
    folder: &Folder,
    meta: &MessageMeta,
    need: Needs,
) -> Result<Vec<u8>, CoreError> {
    match need {
        Needs::Nothing => Ok(Vec::new()),
        Needs::Summary | Needs::Header => {
            let head = core.message_head(access, folder, meta, SHORT_HEAD).await?;
            match head.len() < SHORT_HEAD || ends_header(&head) {
                true => Ok(head),
                false => core.message_head(access, folder, meta, HEAD_BYTES).await,
            }
        }
        Needs::Body => core.message_body(access, folder, meta).await,
    }
}

/// Whether the header's end (its blank line) is in `head`.
fn ends_header(head: &[u8]) -> bool {
    head.windows(4).any(|w| w == b"\r\n\r\n") || head.windows(2).any(|w| w == b"\n\n")
}

/// CHARSET names a key's text may be in (both read as UTF-8).
pub(crate) fn known_charset(charset: &Charset<'_>) -> bool {
    let name = match charset {
        Charset::Atom(a) => a.as_ref(),
        Charset::Quoted(q) => q.as_ref(),
    };
    name.eq_ignore_ascii_case("UTF-8") || name.eq_ignore_ascii_case("US-ASCII")
}

/// Whether a key asks for MODSEQ anywhere in it.
fn names_modseq(key: &SearchKey<'_>) -> bool {
    match key {
        SearchKey::ModSequence { .. } => true,
        SearchKey::And(keys) => keys.as_ref().iter().any(names_modseq),
        SearchKey::Not(key) => names_modseq(key),
        SearchKey::Or(a, b) => names_modseq(a) || names_modseq(b),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_ends() {
        assert!(ends_header(b"Subject: x\r\n\r\nbody"));
        assert!(ends_header(b"Subject: x\n\nbody"));
        assert!(!ends_header(b"Subject: x\r\nFrom: y\r\n"));
    }

    #[test]
    fn charsets() {
        assert!(known_charset(&Charset::try_from("utf-8").unwrap()));
        assert!(known_charset(&Charset::try_from("US-ASCII").unwrap()));
        assert!(!known_charset(&Charset::try_from("ISO-8859-1").unwrap()));
    }
}
