//! STORE and UID STORE: replace, add or remove flags, and show the result unless `.SILENT`;
//! with CONDSTORE's UNCHANGEDSINCE, messages changed since are left alone and named in
//! `[MODIFIED]` (RFC 7162 §3.1.3).

use super::stored_flags;
use crate::connection::Connection;
use crate::responses as r;
use crate::selection::uid_sequence;
use imap_codec::imap_types::core::{Tag, Vec1};
use imap_codec::imap_types::fetch::MessageDataItem;
use imap_codec::imap_types::flag::{Flag, StoreResponse, StoreType};
use imap_codec::imap_types::response::{Code, Data};
use imap_codec::imap_types::sequence::SequenceSet;
use std::collections::HashMap;
use std::num::{NonZeroU32, NonZeroU64};
use trekmail_core::mail::FlagChange;

/// A STORE as asked.
pub(crate) struct Request {
    pub(crate) kind: StoreType,
    pub(crate) response: StoreResponse,
    pub(crate) flags: Vec<Flag<'static>>,
    pub(crate) by_uid: bool,
    pub(crate) unchanged_since: Option<u64>,
}

impl Connection {
    pub(crate) async fn store(&mut self, tag: Tag<'static>, set: &SequenceSet, request: Request) {
        if request
            .flags
            .iter()
            .any(|f| matches!(f, Flag::Extension(_)))
        {
            return self.bad(tag, "\\Recent and unknown system flags cannot be stored");
        }
        let by_uid = request.by_uid;
        let Some(target) = self.target(&tag, set, by_uid, false) else {
            return;
        };
        if target.read_only {
            return self.no(tag, Some("READ-ONLY"), "The folder is open read-only");
        }
        if request.unchanged_since.is_some() {
            self.enable_condstore();
        }
        let condstore = self.signed_in.as_ref().is_some_and(|s| s.condstore);
        let change = match request.kind {
            StoreType::Replace => FlagChange::Replace,
            StoreType::Add => FlagChange::Add,
            StoreType::Remove => FlagChange::Remove,
        };
        let uids: Vec<u32> = target.chosen.iter().map(|(uid, _)| *uid).collect();
        let core = self.core.clone();
        let stored = match core
            .store_flags_unless_changed(
                &target.access,
                &target.folder,
                &uids,
                change,
                &stored_flags(&request.flags),
                request.unchanged_since,
            )
            .await
        {
            Ok(s) => s,
            Err(e) => return self.core_no(tag, &e, "No such folder"),
        };
        if let Some(view) = self.view_mut() {
            for meta in &stored.messages {
                view.stored(meta.uid, &meta.flags, meta.modseq);
            }
        }
        // A keyword new to the folder is told in FLAGS before any message shows it.
        self.refresh(by_uid).await;
        let numbers: HashMap<u32, u32> = target.chosen.iter().copied().collect();
        let silent = request.response == StoreResponse::Silent;
        // Under CONDSTORE every change is told with its MODSEQ, even when silent.
        if !silent || condstore {
            for meta in &stored.messages {
                if stored.modified.contains(&meta.uid) {
                    continue;
                }
                let Some(seq) = numbers.get(&meta.uid).and_then(|s| NonZeroU32::new(*s)) else {
                    continue;
                };
                let Some(view) = self.view() else {
                    break;
                };
                let Some(at) = view.position(meta.uid) else {
                    continue;
                };
                let mut items = Vec::new();
                if !silent {
                    items.push(MessageDataItem::Flags(view.fetch_flags(at)));
                }
                if (by_uid || condstore)
                    && let Some(uid) = NonZeroU32::new(meta.uid)
                {
                    items.push(MessageDataItem::Uid(uid));
                }
                if condstore && let Some(m) = NonZeroU64::new(meta.modseq) {
                    items.push(MessageDataItem::ModSeq(m));
                }
                if let Ok(items) = Vec1::try_from(items) {
                    self.server.enqueue_data(Data::Fetch { seq, items });
                }
            }
        }
        let mut modified: Vec<u32> = match by_uid {
            true => stored.modified.clone(),
            false => stored
                .modified
                .iter()
                .filter_map(|uid| numbers.get(uid).copied())
                .collect(),
        };
        modified.sort_unstable();
        match uid_sequence(&modified) {
            Some(set) => self.server.enqueue_status(r::ok(
                Some(tag),
                Some(Code::Modified(set)),
                "Conditional STORE failed for some messages",
            )),
            None => self
                .server
                .enqueue_status(r::ok(Some(tag), None, "STORE completed")),
        };
    }
}
