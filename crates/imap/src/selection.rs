//! SELECT, EXAMINE, CLOSE and UNSELECT, and keeping the selected folder's view up to date:
//! changes made elsewhere are read as a delta by mod-sequence (never the whole folder again)
//! and told to the client as the view allows (RFC 3501 §7.4.1, RFC 7162 QRESYNC).

use crate::connection::{Connection, failure};
use crate::view::{Recent, Telling, Untagged, View};
use crate::{names, responses as r};
use imap_codec::imap_types::command::SelectParameter;
use imap_codec::imap_types::core::{Tag, Vec1};
use imap_codec::imap_types::fetch::MessageDataItem;
use imap_codec::imap_types::mailbox::Mailbox;
use imap_codec::imap_types::response::{Code, Data};
use imap_codec::imap_types::sequence::{SeqOrUid, Sequence, SequenceSet};
use std::num::{NonZeroU32, NonZeroU64};
use trekmail_core::mail::{Folder, FolderChanges};

/// A folder open with SELECT or EXAMINE, and this session's view of it.
pub(crate) struct Selected {
    pub(crate) folder: Folder,
    pub(crate) view: View,
}

/// QRESYNC's SELECT parameter: what the client knew when it was last here.
struct Resync {
    uid_validity: u32,
    modseq: u64,
    known: Option<SequenceSet>,
}

impl Connection {
    pub(crate) async fn select(
        &mut self,
        tag: Tag<'static>,
        mailbox: &Mailbox<'_>,
        parameters: &[SelectParameter],
        read_only: bool,
    ) {
        let core = self.core.clone();
        let Some(signed_in) = self.signed_in.as_mut() else {
            return self.bad(tag, "Sign in first");
        };
        signed_in.selected = None;
        let mut resync = None;
        for parameter in parameters {
            match parameter {
                SelectParameter::CondStore => signed_in.condstore = true,
                SelectParameter::QResync {
                    uid_validity,
                    mod_sequence_value,
                    known_uids,
                    ..
                } => {
                    if !signed_in.qresync {
                        return self.bad(tag, "ENABLE QRESYNC first");
                    }
                    resync = Some(Resync {
                        uid_validity: uid_validity.get(),
                        modseq: mod_sequence_value.get(),
                        known: known_uids.clone(),
                    });
                }
            }
        }
        let access = signed_in.access;
        let name = names::folder_name(mailbox).unwrap_or_default();
        let folder = match core.folder(&access, &name).await {
            Ok(folder) => folder,
            Err(e) => {
                self.server
                    .enqueue_status(failure(tag, &e, "No such folder"));
                return;
            }
        };
        let state = match self
            .service
            .folder_states
            .open(&core, &access, &folder)
            .await
        {
            Ok(state) => state,
            Err(e) => {
                self.server
                    .enqueue_status(failure(tag, &e, "Cannot open the folder"));
                return;
            }
        };
        let recent = match read_only {
            true => Recent::From(folder.recent_uid),
            false => match core.claim_recent(&access, &folder).await {
                Ok(claim) => Recent::Claimed(vec![(claim.first, claim.next)]),
                Err(e) => {
                    self.server
                        .enqueue_status(failure(tag, &e, "Cannot open the folder"));
                    return;
                }
            },
        };
        let mut view = View::open(state, recent, read_only);
        let flags = view.keywords.announce();
        let permanent = match read_only {
            true => Vec::new(),
            false => view.keywords.permanent(),
        };
        self.server.enqueue_data(Data::Flags(flags));
        self.server.enqueue_data(Data::Exists(count(view.len())));
        self.server
            .enqueue_data(Data::Recent(count(view.recent_count())));
        self.server
            .enqueue_status(r::ok(None, Some(Code::PermanentFlags(permanent)), "Flags"));
        if let Some(n) = view.first_unseen().and_then(NonZeroU32::new) {
            self.server
                .enqueue_status(r::ok(None, Some(Code::Unseen(n)), "First unseen"));
        }
        if let Some(v) = NonZeroU32::new(folder.uid_validity) {
            self.server
                .enqueue_status(r::ok(None, Some(Code::UidValidity(v)), "UIDs valid"));
        }
        if let Some(n) = NonZeroU32::new(folder.uid_next) {
            self.server
                .enqueue_status(r::ok(None, Some(Code::UidNext(n)), "Predicted next UID"));
        }
        if let Some(m) = NonZeroU64::new(folder.highest_modseq) {
            self.server
                .enqueue_status(r::ok(None, Some(Code::HighestModSeq(m)), "Highest"));
        }
        if let Some(resync) = resync.filter(|r| r.uid_validity == folder.uid_validity) {
            match core.changes_since(&access, &folder, resync.modseq).await {
                Ok(changes) => self.tell_resync(&view, changes, resync.known.as_ref()),
                Err(e) => {
                    self.server
                        .enqueue_status(failure(tag, &e, "No such folder"));
                    return;
                }
            }
        }
        let code = if read_only {
            Code::ReadOnly
        } else {
            Code::ReadWrite
        };
        if let Some(signed_in) = self.signed_in.as_mut() {
            signed_in.selected = Some(Selected { folder, view });
            signed_in.stale = None;
        }
        let done = match read_only {
            true => "EXAMINE completed",
            false => "SELECT completed",
        };
        self.server
            .enqueue_status(r::ok(Some(tag), Some(code), done));
    }

    /// What a QRESYNC client missed (RFC 7162 §3.2.5.1): the UIDs it knew that went, and the
    /// messages changed since its mod-sequence.
    fn tell_resync(&mut self, view: &View, changes: FolderChanges, known: Option<&SequenceSet>) {
        let vanished: Vec<u32> = changes
            .expunged
            .into_iter()
            .filter(|uid| known.is_none_or(|set| crate::sequence::contains(set, *uid, u32::MAX)))
            .collect();
        if let Some(set) = uid_sequence(&vanished) {
            self.server.enqueue_data(Data::Vanished {
                earlier: true,
                known_uids: set,
            });
        }
        for state in changes.changed {
            let Some(i) = view.position(state.uid) else {
                continue;
            };
            self.enqueue_flags_fetch(view, i, true);
        }
    }

    /// `* n FETCH (FLAGS … UID … [MODSEQ …])` of the message at `position` of `view`.
    pub(crate) fn enqueue_flags_fetch(&mut self, view: &View, position: usize, modseq: bool) {
        let (Some(uid), Some(seq)) = (
            view.uids().get(position).copied().and_then(NonZeroU32::new),
            NonZeroU32::new(count(position + 1)),
        ) else {
            return;
        };
        let mut items = vec![
            MessageDataItem::Flags(view.fetch_flags(position)),
            MessageDataItem::Uid(uid),
        ];
        if modseq && let Some(m) = view.modseq_at(position).and_then(NonZeroU64::new) {
            items.push(MessageDataItem::ModSeq(m));
        }
        if let Ok(items) = Vec1::try_from(items) {
            self.server.enqueue_data(Data::Fetch { seq, items });
        }
    }

    /// A CONDSTORE-enabling command (RFC 7162 §3.1): the first in a session tells the selected
    /// folder's HIGHESTMODSEQ, which the client may not have asked SELECT for.
    pub(crate) fn enable_condstore(&mut self) {
        let Some(signed_in) = self.signed_in.as_mut() else {
            return;
        };
        if std::mem::replace(&mut signed_in.condstore, true) {
            return;
        }
        let highest = signed_in.selected.as_ref().map(|s| s.view.modseq());
        if let Some(m) = highest.and_then(NonZeroU64::new) {
            self.server
                .enqueue_status(r::ok(None, Some(Code::HighestModSeq(m)), "Highest"));
        }
    }

    /// Brings the view up to date (when a change was heard) and tells the client what it may
    /// be told now; `expunges` is false while a FETCH, STORE or SEARCH by number runs.
    pub(crate) async fn refresh(&mut self, expunges: bool) {
        let core = self.core.clone();
        let Some(signed_in) = self.signed_in.as_mut() else {
            return;
        };
        let access = signed_in.access;
        let (condstore, qresync) = (signed_in.condstore, signed_in.qresync);
        let Some(selected) = signed_in.selected.as_mut() else {
            return;
        };
        if let Some(heard) = signed_in.stale {
            let since = selected.view.modseq();
            match core
                .changes_heard(&access, &selected.folder, since, heard)
                .await
            {
                Ok(changes) => {
                    signed_in.stale = None;
                    let unclaimed = changes.unclaimed_recent;
                    let added = selected.view.apply(changes);
                    // Another session may have claimed them already: then no write is due.
                    if added
                        && unclaimed
                        && !selected.view.read_only()
                        && let Ok(claim) = core.claim_recent(&access, &selected.folder).await
                    {
                        selected.view.claimed(claim);
                    }
                }
                Err(e) => tracing::warn!(error = %e, "IMAP could not read a folder's changes"),
            }
        }
        let told = selected.view.tell(Telling {
            expunges,
            vanished: qresync,
        });
        for untagged in told {
            self.enqueue_untagged(untagged, condstore);
        }
    }

    fn enqueue_untagged(&mut self, untagged: Untagged, condstore: bool) {
        match untagged {
            Untagged::Flags(flags) => {
                self.server.enqueue_data(Data::Flags(flags));
            }
            Untagged::PermanentFlags(flags) => {
                self.server
                    .enqueue_status(r::ok(None, Some(Code::PermanentFlags(flags)), "Flags"));
            }
            Untagged::Expunge(seq) => {
                if let Some(seq) = NonZeroU32::new(seq) {
                    self.server.enqueue_data(Data::Expunge(seq));
                }
            }
            Untagged::Vanished(uids) => {
                if let Some(set) = uid_sequence(&uids) {
                    self.server.enqueue_data(Data::Vanished {
                        earlier: false,
                        known_uids: set,
                    });
                }
            }
            Untagged::Exists(n) => {
                self.server.enqueue_data(Data::Exists(n));
            }
            Untagged::Recent(n) => {
                self.server.enqueue_data(Data::Recent(n));
            }
            Untagged::Fetch {
                seq,
                uid,
                flags,
                modseq,
            } => {
                let (Some(seq), Some(uid)) = (NonZeroU32::new(seq), NonZeroU32::new(uid)) else {
                    return;
                };
                let mut items = vec![MessageDataItem::Flags(flags), MessageDataItem::Uid(uid)];
                if condstore && let Some(m) = NonZeroU64::new(modseq) {
                    items.push(MessageDataItem::ModSeq(m));
                }
                if let Ok(items) = Vec1::try_from(items) {
                    self.server.enqueue_data(Data::Fetch { seq, items });
                }
            }
        }
    }

    /// The selected folder's view.
    pub(crate) fn view(&self) -> Option<&View> {
        Some(&self.signed_in.as_ref()?.selected.as_ref()?.view)
    }

    pub(crate) fn view_mut(&mut self) -> Option<&mut View> {
        Some(&mut self.signed_in.as_mut()?.selected.as_mut()?.view)
    }

    pub(crate) async fn close(&mut self, tag: Tag<'static>, expunge: bool) {
        let signed_in = self.signed_in.as_mut();
        let selected = signed_in.and_then(|s| Some((s.access, s.selected.take()?)));
        let Some((access, selected)) = selected else {
            return self.bad(tag, "No folder selected");
        };
        if expunge && !selected.view.read_only() {
            // CLOSE removes \Deleted messages silently; UNSELECT (RFC 3691) leaves them.
            let _ = self.core.expunge(&access, &selected.folder, None).await;
        }
        self.done(tag, "Folder closed");
    }
}

/// UIDs (ascending) as a sequence set, runs as ranges.
pub(crate) fn uid_sequence(uids: &[u32]) -> Option<SequenceSet> {
    let sequences: Option<Vec<Sequence>> = trekmail_core::mail::uid_runs(uids.iter().copied())
        .into_iter()
        .map(|(a, b)| {
            let (a, b) = (NonZeroU32::new(a)?, NonZeroU32::new(b)?);
            Some(match a == b {
                true => Sequence::Single(SeqOrUid::Value(a)),
                false => Sequence::Range(SeqOrUid::Value(a), SeqOrUid::Value(b)),
            })
        })
        .collect();
    Vec1::try_from(sequences?).ok().map(SequenceSet)
}

pub(crate) fn count(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}
