//! STORE and UID STORE: replace, add or remove flags, and show the result unless `.SILENT`.

use super::{fetch_flags, stored_flags};
use crate::connection::Connection;
use imap_codec::imap_types::core::{Tag, Vec1};
use imap_codec::imap_types::fetch::MessageDataItem;
use imap_codec::imap_types::flag::{Flag, StoreResponse, StoreType};
use imap_codec::imap_types::response::Data;
use imap_codec::imap_types::sequence::SequenceSet;
use std::collections::HashMap;
use std::num::NonZeroU32;
use trekmail_core::mail::FlagChange;

impl Connection {
    pub(crate) async fn store(
        &mut self,
        tag: Tag<'static>,
        set: &SequenceSet,
        kind: StoreType,
        response: StoreResponse,
        flags: &[Flag<'static>],
        by_uid: bool,
    ) {
        if flags.iter().any(|f| matches!(f, Flag::Extension(_))) {
            return self.bad(tag, "\\Recent and unknown system flags cannot be stored");
        }
        let Some(target) = self.target(&tag, set, by_uid, false) else {
            return;
        };
        if target.read_only {
            return self.no(tag, Some("READ-ONLY"), "The folder is open read-only");
        }
        let change = match kind {
            StoreType::Replace => FlagChange::Replace,
            StoreType::Add => FlagChange::Add,
            StoreType::Remove => FlagChange::Remove,
        };
        let uids: Vec<u32> = target.chosen.iter().map(|(uid, _)| *uid).collect();
        let core = self.core.clone();
        let updated = match core
            .store_flags(
                &target.access,
                &target.folder,
                &uids,
                change,
                &stored_flags(flags),
            )
            .await
        {
            Ok(u) => u,
            Err(e) => return self.core_no(tag, &e, "No such folder"),
        };
        if response == StoreResponse::Answer {
            let numbers: HashMap<u32, u32> = target.chosen.iter().copied().collect();
            for meta in updated {
                let Some(seq) = numbers.get(&meta.uid) else {
                    continue;
                };
                let mut items = vec![MessageDataItem::Flags(fetch_flags(&meta.flags))];
                if by_uid && let Some(uid) = NonZeroU32::new(meta.uid) {
                    items.push(MessageDataItem::Uid(uid));
                }
                if let (Some(seq), Ok(items)) = (NonZeroU32::new(*seq), Vec1::try_from(items)) {
                    self.server.enqueue_data(Data::Fetch { seq, items });
                }
            }
        }
        self.done(tag, "STORE completed");
    }
}
