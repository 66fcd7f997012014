//! APPEND of one message or of several (MULTIAPPEND, RFC 3502), with flags and dates: all are
//! stored or none, and `APPENDUID` (RFC 4315) names every new UID.

use super::stored_flags;
use crate::connection::Connection;
use crate::refused::append::MultiAppend;
use crate::responses as r;
use crate::{names, sequence};
use imap_codec::imap_types::core::Tag;
use imap_codec::imap_types::datetime::DateTime;
use imap_codec::imap_types::extensions::binary::LiteralOrLiteral8;
use imap_codec::imap_types::flag::Flag;
use imap_codec::imap_types::mailbox::Mailbox;
use imap_codec::imap_types::response::{Code, CodeOther};
use trekmail_core::CoreError;
use trekmail_core::mail::IncomingMessage;

/// One message of an APPEND, as either parser gave it.
struct Appended<'a> {
    flags: &'a [Flag<'static>],
    date: Option<&'a DateTime>,
    body: &'a [u8],
}

impl Connection {
    /// APPEND as imap-codec parses it: one message, in a literal or a literal8 (RFC 3516).
    pub(crate) async fn append(
        &mut self,
        tag: Tag<'static>,
        mailbox: &Mailbox<'_>,
        flags: &[Flag<'static>],
        date: Option<DateTime>,
        message: LiteralOrLiteral8<'static>,
    ) {
        let body = match &message {
            LiteralOrLiteral8::Literal(l) => l.data(),
            LiteralOrLiteral8::Literal8(l) => l.data.as_ref(),
        };
        let one = Appended {
            flags,
            date: date.as_ref(),
            body,
        };
        self.append_all(tag, mailbox, &[one]).await;
    }

    /// MULTIAPPEND, as `refused::append` read it from the command's `bytes`.
    pub(crate) async fn multi_append(
        &mut self,
        tag: Tag<'static>,
        append: MultiAppend,
        bytes: &[u8],
    ) {
        let messages: Vec<Appended<'_>> = append
            .messages
            .iter()
            .map(|m| Appended {
                flags: &m.flags,
                date: m.date.as_ref(),
                body: bytes.get(m.body.clone()).unwrap_or_default(),
            })
            .collect();
        // Changes heard meanwhile are told first, as before any mail command.
        self.refresh(true).await;
        self.append_all(tag, &append.mailbox, &messages).await;
    }

    async fn append_all(
        &mut self,
        tag: Tag<'static>,
        mailbox: &Mailbox<'_>,
        messages: &[Appended<'_>],
    ) {
        let Some(signed_in) = self.signed_in.as_ref() else {
            return;
        };
        let access = signed_in.access;
        let mut flags = messages.iter().flat_map(|m| m.flags);
        if flags.any(|f| matches!(f, Flag::Extension(_))) {
            return self.bad(tag, "\\Recent and unknown system flags cannot be stored");
        }
        if messages.iter().any(|m| m.body.is_empty()) {
            // RFC 3502 §6.3.11: how a client cancels an APPEND it has begun.
            return self.no(tag, None, "A zero-length message cancels the APPEND");
        }
        let name = names::folder_name(mailbox).unwrap_or_default();
        let core = self.core.clone();
        let folder = match core.folder(&access, &name).await {
            Ok(f) => f,
            Err(CoreError::NotFound) => {
                return self.no(tag, Some("TRYCREATE"), "No such folder; create it first");
            }
            Err(e) => return self.core_no(tag, &e, "No such folder"),
        };
        let now = chrono::Utc::now();
        let incoming: Vec<IncomingMessage<'_>> = messages
            .iter()
            .map(|m| IncomingMessage {
                body: m.body,
                flags: stored_flags(m.flags),
                internal_date: m.date.map_or(now, |d| d.as_ref().to_utc()),
            })
            .collect();
        let metas = match core.append_all(&access, &folder, &incoming).await {
            Ok(m) => m,
            Err(e) => return self.core_no(tag, &e, "No such folder"),
        };
        let selected = self
            .signed_in
            .as_ref()
            .and_then(|s| s.selected.as_ref())
            .is_some_and(|s| s.folder.id == folder.id);
        if selected && let Some(s) = self.signed_in.as_mut() {
            s.stale = Some(self.core.mail_heard());
        }
        // RFC 3501 §6.3.11: a new message in the selected folder is reported at once.
        self.refresh(true).await;
        let code = append_uid(folder.uid_validity, metas.iter().map(|m| m.uid));
        self.server
            .enqueue_status(r::ok(Some(tag), code, "APPEND completed"));
    }
}

/// `APPENDUID uidvalidity uid-set` (RFC 4315, with RFC 3502's several UIDs), which
/// imap-types names with one UID only.
fn append_uid(uid_validity: u32, uids: impl Iterator<Item = u32>) -> Option<Code<'static>> {
    let set = sequence::set_text(uids);
    (uid_validity != 0 && !set.is_empty()).then(|| {
        let text = format!("APPENDUID {uid_validity} {set}");
        Code::Other(CodeOther::unvalidated(text.into_bytes()))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn appenduid_names_every_new_uid() {
        let code = |uids: &[u32]| match append_uid(38505, uids.iter().copied()) {
            Some(Code::Other(other)) => String::from_utf8(other.inner().to_vec()).unwrap(),
            other => panic!("{other:?}"),
        };
        assert_eq!(code(&[3955]), "APPENDUID 38505 3955");
        assert_eq!(code(&[7, 8, 9, 12]), "APPENDUID 38505 7:9,12");
        assert!(append_uid(38505, std::iter::empty()).is_none());
        assert!(append_uid(0, [1].into_iter()).is_none());
    }
}
