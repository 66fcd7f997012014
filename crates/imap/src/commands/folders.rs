//! CREATE, DELETE, RENAME, SUBSCRIBE and UNSUBSCRIBE: folder commands straight onto
//! the core, which owns the naming rules.

use crate::connection::Connection;
use crate::names;
use imap_codec::imap_types::core::Tag;
use imap_codec::imap_types::mailbox::Mailbox;
use trekmail_core::access::MailboxAccess;

impl Connection {
    pub(crate) fn mailbox_and_name(
        &self,
        mailbox: &Mailbox<'_>,
    ) -> Option<(MailboxAccess, String)> {
        let signed_in = self.signed_in.as_ref()?;
        let name = names::folder_name(mailbox)?;
        // `CREATE a/` asks for `a` (RFC 3501 §6.3.3).
        let name = name.trim_end_matches(names::DELIMITER).to_owned();
        Some((signed_in.access, name))
    }

    pub(crate) async fn create(&mut self, tag: Tag<'static>, mailbox: &Mailbox<'_>) {
        let Some((id, name)) = self.mailbox_and_name(mailbox) else {
            return self.no(tag, Some("CANNOT"), "Folder names are UTF-8");
        };
        match self.core.clone().create_folder(&id, &name).await {
            Ok(_) => self.done(tag, "CREATE completed"),
            Err(e) => self.core_no(tag, &e, "No such folder"),
        }
    }

    pub(crate) async fn delete(&mut self, tag: Tag<'static>, mailbox: &Mailbox<'_>) {
        let Some((id, name)) = self.mailbox_and_name(mailbox) else {
            return self.no(tag, Some("NONEXISTENT"), "No such folder");
        };
        match self.core.clone().delete_folder(&id, &name).await {
            Ok(()) => {
                // A deleted selected folder is no longer selected.
                if let Some(s) = self.signed_in.as_mut()
                    && s.selected
                        .as_ref()
                        .is_some_and(|sel| sel.folder.name == name)
                {
                    s.selected = None;
                }
                self.done(tag, "DELETE completed");
            }
            Err(e) => self.core_no(tag, &e, "No such folder"),
        }
    }

    pub(crate) async fn rename(&mut self, tag: Tag<'static>, from: &Mailbox<'_>, to: &Mailbox<'_>) {
        let (Some((id, from)), Some((_, to))) =
            (self.mailbox_and_name(from), self.mailbox_and_name(to))
        else {
            return self.no(tag, Some("NONEXISTENT"), "No such folder");
        };
        match self.core.clone().rename_folder(&id, &from, &to).await {
            Ok(()) => {
                if let Some(sel) = self.signed_in.as_mut().and_then(|s| s.selected.as_mut())
                    && sel.folder.name == from
                    && !from.eq_ignore_ascii_case("INBOX")
                {
                    sel.folder.name = to;
                }
                self.done(tag, "RENAME completed");
            }
            Err(e) => self.core_no(tag, &e, "No such folder"),
        }
    }

    pub(crate) async fn subscribe(&mut self, tag: Tag<'static>, mailbox: &Mailbox<'_>, on: bool) {
        let Some((id, name)) = self.mailbox_and_name(mailbox) else {
            return self.no(tag, Some("NONEXISTENT"), "No such folder");
        };
        match self.core.clone().set_subscribed(&id, &name, on).await {
            Ok(()) if on => self.done(tag, "SUBSCRIBE completed"),
            Ok(()) => self.done(tag, "UNSUBSCRIBE completed"),
            Err(e) => self.core_no(tag, &e, "No such folder"),
        }
    }
}
