//! LIST and LSUB: the mailbox's folders that match a pattern, with their special use.

use crate::connection::{Connection, failure};
use crate::{names, responses as r};
use imap_codec::imap_types::core::{Atom, Tag};
use imap_codec::imap_types::flag::FlagNameAttribute;
use imap_codec::imap_types::mailbox::{ListMailbox, Mailbox};
use imap_codec::imap_types::response::Data;

impl Connection {
    pub(crate) async fn list(
        &mut self,
        tag: Tag<'static>,
        reference: &Mailbox<'_>,
        pattern: &ListMailbox<'_>,
        subscribed_only: bool,
    ) {
        let Some(signed_in) = self.signed_in.as_ref() else {
            self.server
                .enqueue_status(r::bad(Some(tag), "Sign in first"));
            return;
        };
        let pattern = match pattern {
            ListMailbox::Token(t) => String::from_utf8_lossy(t.as_ref()).into_owned(),
            ListMailbox::String(s) => String::from_utf8_lossy(s.as_ref()).into_owned(),
        };
        let reference = match reference {
            Mailbox::Inbox => "INBOX".to_owned(),
            Mailbox::Other(o) => String::from_utf8_lossy(o.as_ref()).into_owned(),
        };
        if pattern.is_empty() {
            self.server.enqueue_data(Data::List {
                items: vec![FlagNameAttribute::Noselect],
                delimiter: delimiter(),
                mailbox: Mailbox::Inbox,
            });
            self.done(tag, "LIST completed");
            return;
        }
        let pattern = format!("{reference}{pattern}");
        if pattern.chars().count() > names::MAX_PATTERN_CHARS {
            self.server.enqueue_status(r::no(
                Some(tag),
                Some(r::code("LIMIT")),
                "Pattern too long",
            ));
            return;
        }
        let folders = match self.core.folders(&signed_in.access).await {
            Ok(f) => f,
            Err(e) => {
                self.server
                    .enqueue_status(failure(tag, &e, "Cannot list folders"));
                return;
            }
        };
        for folder in folders {
            let inbox_match =
                folder.name == "INBOX" && names::matches(&pattern.to_ascii_uppercase(), "INBOX");
            if (!inbox_match && !names::matches(&pattern, &folder.name))
                || (subscribed_only && !folder.subscribed)
            {
                continue;
            }
            let mut items = Vec::new();
            if let Some(usage) = folder.special_use
                && let Ok(atom) = Atom::try_from(usage.as_str())
            {
                items.push(FlagNameAttribute::from(atom));
            }
            let Ok(mailbox) = Mailbox::try_from(folder.name.clone()) else {
                continue;
            };
            let data = match subscribed_only {
                true => Data::Lsub {
                    items,
                    delimiter: delimiter(),
                    mailbox,
                },
                false => Data::List {
                    items,
                    delimiter: delimiter(),
                    mailbox,
                },
            };
            self.server.enqueue_data(data);
        }
        self.done(tag, "LIST completed");
    }
}

fn delimiter() -> Option<imap_codec::imap_types::core::QuotedChar> {
    imap_codec::imap_types::core::QuotedChar::try_from(names::DELIMITER).ok()
}
