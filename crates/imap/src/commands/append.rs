//! APPEND with flags and date; `APPENDUID` (RFC 4315) names the new message.

use super::stored_flags;
use crate::connection::Connection;
use crate::names;
use crate::responses as r;
use imap_codec::imap_types::core::Tag;
use imap_codec::imap_types::datetime::DateTime;
use imap_codec::imap_types::extensions::binary::LiteralOrLiteral8;
use imap_codec::imap_types::flag::Flag;
use imap_codec::imap_types::mailbox::Mailbox;
use imap_codec::imap_types::response::Code;
use std::num::NonZeroU32;
use trekmail_core::CoreError;

impl Connection {
    pub(crate) async fn append(
        &mut self,
        tag: Tag<'static>,
        mailbox: &Mailbox<'_>,
        flags: &[Flag<'static>],
        date: Option<DateTime>,
        message: LiteralOrLiteral8<'static>,
    ) {
        let Some(signed_in) = self.signed_in.as_ref() else {
            return;
        };
        if flags.iter().any(|f| matches!(f, Flag::Extension(_))) {
            return self.bad(tag, "\\Recent and unknown system flags cannot be stored");
        }
        let name = names::folder_name(mailbox).unwrap_or_default();
        let core = self.core.clone();
        let folder = match core.folder(&signed_in.access, &name).await {
            Ok(f) => f,
            Err(CoreError::NotFound) => {
                return self.no(tag, Some("TRYCREATE"), "No such folder; create it first");
            }
            Err(e) => return self.core_no(tag, &e, "No such folder"),
        };
        let bytes = match &message {
            LiteralOrLiteral8::Literal(l) => l.data(),
            LiteralOrLiteral8::Literal8(l) => l.data.as_ref(),
        };
        let when = date.map_or_else(chrono::Utc::now, |d| d.as_ref().to_utc());
        let meta = match core
            .append(&signed_in.access, &folder, bytes, stored_flags(flags), when)
            .await
        {
            Ok(m) => m,
            Err(e) => return self.core_no(tag, &e, "No such folder"),
        };
        let selected = signed_in
            .selected
            .as_ref()
            .is_some_and(|s| s.folder.id == folder.id);
        if selected && let Some(s) = self.signed_in.as_mut() {
            s.stale = true;
        }
        // RFC 3501 §6.3.11: a new message in the selected folder is reported at once.
        self.refresh(true).await;
        let code = match (
            NonZeroU32::new(folder.uid_validity),
            NonZeroU32::new(meta.uid),
        ) {
            (Some(uid_validity), Some(uid)) => Some(Code::AppendUid { uid_validity, uid }),
            _ => None,
        };
        self.server
            .enqueue_status(r::ok(Some(tag), code, "APPEND completed"));
    }
}
