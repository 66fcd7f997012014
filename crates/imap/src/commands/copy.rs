//! COPY and MOVE (RFC 6851), with or without UID: the new UIDs go back in `COPYUID`
//! (RFC 4315) so clients need not search for the copies.

use crate::connection::Connection;
use crate::names;
use crate::responses as r;
use imap_codec::imap_types::core::{Tag, Vec1};
use imap_codec::imap_types::extensions::uidplus::{UidElement, UidSet};
use imap_codec::imap_types::mailbox::Mailbox;
use imap_codec::imap_types::response::Code;
use imap_codec::imap_types::sequence::SequenceSet;
use std::num::NonZeroU32;
use trekmail_core::CoreError;

impl Connection {
    pub(crate) async fn copy(
        &mut self,
        tag: Tag<'static>,
        set: &SequenceSet,
        mailbox: &Mailbox<'_>,
        by_uid: bool,
        remove: bool,
    ) {
        let Some(target) = self.target(&tag, set, by_uid, false) else {
            return;
        };
        if remove && target.read_only {
            return self.no(tag, Some("READ-ONLY"), "The folder is open read-only");
        }
        let name = names::folder_name(mailbox).unwrap_or_default();
        let core = self.core.clone();
        let to = match core.folder(&target.access, &name).await {
            Ok(f) => f,
            Err(CoreError::NotFound) => {
                return self.no(tag, Some("TRYCREATE"), "No such folder; create it first");
            }
            Err(e) => return self.core_no(tag, &e, "No such folder"),
        };
        let uids: Vec<u32> = target.chosen.iter().map(|(uid, _)| *uid).collect();
        let pairs = match core
            .copy_messages(&target.access, &target.folder, &uids, &to, remove)
            .await
        {
            Ok(p) => p,
            Err(e) => return self.core_no(tag, &e, "No such folder"),
        };
        let code = copy_uid(to.uid_validity, &pairs);
        let into_selected = to.id == target.folder.id;
        if remove {
            if code.is_some() {
                self.server
                    .enqueue_status(r::ok(None, code, "Messages moved"));
            }
            let moved: Vec<u32> = pairs.iter().map(|(from, _)| *from).collect();
            self.announce_expunged(&moved).await;
            if into_selected && let Some(s) = self.signed_in.as_mut() {
                s.stale = Some(self.core.mail_heard());
            }
            self.refresh(true).await;
            self.done(tag, "MOVE completed");
        } else {
            if into_selected && let Some(s) = self.signed_in.as_mut() {
                s.stale = Some(self.core.mail_heard());
            }
            self.refresh(true).await;
            self.server
                .enqueue_status(r::ok(Some(tag), code, "COPY completed"));
        }
    }
}

/// `COPYUID`: source and new UIDs in matching order; none when nothing was copied.
fn copy_uid(uid_validity: u32, pairs: &[(u32, u32)]) -> Option<Code<'static>> {
    let source = uid_set(pairs.iter().map(|(s, _)| *s))?;
    let destination = uid_set(pairs.iter().map(|(_, d)| *d))?;
    Some(Code::CopyUid {
        uid_validity: NonZeroU32::new(uid_validity)?,
        source,
        destination,
    })
}

/// UIDs as a set, runs of consecutive ones as ranges; the order is kept.
pub(crate) fn uid_set(uids: impl Iterator<Item = u32>) -> Option<UidSet> {
    let elements: Option<Vec<UidElement>> = trekmail_core::mail::uid_runs(uids)
        .into_iter()
        .map(|(a, b)| {
            let (a, b) = (NonZeroU32::new(a)?, NonZeroU32::new(b)?);
            Some(match a == b {
                true => UidElement::Single(a),
                false => UidElement::Range(a, b),
            })
        })
        .collect();
    Vec1::try_from(elements?).ok().map(UidSet)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uid_sets_keep_order_and_join_runs() {
        let set = uid_set([4, 5, 6, 9, 2].into_iter()).unwrap();
        let n = |v| NonZeroU32::new(v).unwrap();
        assert_eq!(
            set.0.as_ref(),
            &[
                UidElement::Range(n(4), n(6)),
                UidElement::Single(n(9)),
                UidElement::Single(n(2))
            ]
        );
        assert!(uid_set(std::iter::empty()).is_none());
        assert!(copy_uid(7, &[]).is_none());
    }
}
