//! The mail commands of a signed-in connection, one file per command family. Each asks the
//! core and answers through the connection's protocol state.

mod append;
pub(crate) mod binary;
pub(crate) mod bodystructure;
mod copy;
pub(crate) mod envelope;
mod esearch;
mod expunge;
mod extensions;
mod fetch;
mod folders;
mod list;
mod search;
mod search_keys;
pub(crate) mod sections;
mod sort;
mod status;
pub(crate) mod store;
mod thread;

use crate::connection::{Connection, failure};
use crate::responses as r;
use crate::sequence;
use crate::transport::Transport;
use imap_codec::imap_types::command::CommandBody;
use imap_codec::imap_types::command::StoreModifier;
use imap_codec::imap_types::core::Tag;
use imap_codec::imap_types::flag::{Flag, FlagFetch};
use imap_codec::imap_types::sequence::SequenceSet;
use trekmail_core::CoreError;
use trekmail_core::access::MailboxAccess;
use trekmail_core::mail::{Flags, Folder};

/// What a command on the selected folder works with, copied out so the connection stays free
/// to answer.
pub(crate) struct Target {
    pub access: MailboxAccess,
    pub folder: Folder,
    pub read_only: bool,
    /// The UIDs the set names, in sequence-number order, with their sequence numbers.
    pub chosen: Vec<(u32, u32)>,
}

impl Connection {
    pub(crate) async fn on_mail_command(
        &mut self,
        tag: Tag<'static>,
        body: CommandBody<'static>,
        transport: &mut Transport,
    ) {
        // Changes heard since the last command are told first; expunges wait while a command
        // by message number runs (RFC 3501 §7.4.1), so the numbers it names stay put.
        let by_number = matches!(
            body,
            CommandBody::Fetch { uid: false, .. }
                | CommandBody::Store { uid: false, .. }
                | CommandBody::Search { uid: false, .. }
                | CommandBody::Copy { uid: false, .. }
                | CommandBody::Move { uid: false, .. }
        );
        self.refresh(!by_number).await;
        match body {
            CommandBody::Fetch {
                sequence_set,
                macro_or_item_names,
                uid,
                modifiers,
            } => {
                let request = fetch::Request::new(macro_or_item_names, &modifiers, uid);
                self.fetch(tag, &sequence_set, request, transport).await
            }
            CommandBody::Store {
                sequence_set,
                kind,
                response,
                flags,
                uid,
                modifiers,
            } => {
                let unchanged_since = modifiers
                    .iter()
                    .map(|StoreModifier::UnchangedSince(n)| *n)
                    .next();
                self.store(
                    tag,
                    &sequence_set,
                    store::Request {
                        kind,
                        response,
                        flags,
                        by_uid: uid,
                        unchanged_since,
                    },
                )
                .await
            }
            CommandBody::Expunge => self.expunge(tag, None).await,
            CommandBody::ExpungeUid { sequence_set } => {
                self.expunge(tag, Some(&sequence_set)).await
            }
            CommandBody::Search {
                charset,
                criteria,
                uid,
            } => self.search(tag, charset, criteria, uid, None).await,
            CommandBody::Sort {
                sort_criteria,
                charset,
                search_criteria,
                uid,
            } => {
                self.sort(tag, sort_criteria, charset, search_criteria, uid)
                    .await
            }
            CommandBody::Thread {
                algorithm,
                charset,
                search_criteria,
                uid,
            } => {
                self.thread(tag, algorithm, charset, search_criteria, uid)
                    .await
            }
            CommandBody::Copy {
                sequence_set,
                mailbox,
                uid,
            } => self.copy(tag, &sequence_set, &mailbox, uid, false).await,
            CommandBody::Move {
                sequence_set,
                mailbox,
                uid,
            } => self.copy(tag, &sequence_set, &mailbox, uid, true).await,
            CommandBody::Append {
                mailbox,
                flags,
                date,
                message,
            } => self.append(tag, &mailbox, &flags, date, message).await,
            CommandBody::Status {
                mailbox,
                item_names,
            } => self.status(tag, &mailbox, &item_names).await,
            CommandBody::Create { mailbox } => self.create(tag, &mailbox).await,
            CommandBody::Delete { mailbox } => self.delete(tag, &mailbox).await,
            CommandBody::Rename { from, to } => self.rename(tag, &from, &to).await,
            CommandBody::Subscribe { mailbox } => self.subscribe(tag, &mailbox, true).await,
            CommandBody::Unsubscribe { mailbox } => self.subscribe(tag, &mailbox, false).await,
            CommandBody::Check => {
                self.refresh(true).await;
                self.done(tag, "CHECK completed");
            }
            CommandBody::Namespace => self.namespace(tag),
            CommandBody::Enable { capabilities } => self.enable(tag, capabilities.as_ref()),
            CommandBody::GetQuota { root } => self.quota(tag, &root).await,
            CommandBody::GetQuotaRoot { mailbox } => self.quota_root(tag, &mailbox).await,
            CommandBody::SetQuota { .. } => {
                self.no(tag, Some("CANNOT"), "Quotas are set in the dashboard")
            }
            _ => self.bad(tag, "Command not supported by this server"),
        }
    }

    pub(crate) fn bad(&mut self, tag: Tag<'static>, text: &str) {
        self.server.enqueue_status(r::bad(Some(tag), text));
    }

    pub(crate) fn no(&mut self, tag: Tag<'static>, code: Option<&'static str>, text: &str) {
        self.server
            .enqueue_status(r::no(Some(tag), code.map(r::code), text));
    }

    /// A core error as a tagged `NO`, with the RFC 5530 code that fits.
    pub(crate) fn core_no(&mut self, tag: Tag<'static>, e: &CoreError, not_found: &str) {
        let status = match e {
            CoreError::Conflict(m) => r::no(Some(tag), Some(r::code("ALREADYEXISTS")), m),
            CoreError::Invalid(m) => r::no(Some(tag), Some(r::code("CANNOT")), m),
            CoreError::LimitReached(m) => r::no(Some(tag), Some(r::code("OVERQUOTA")), m),
            _ => failure(tag, e, not_found),
        };
        self.server.enqueue_status(status);
    }

    /// The selected folder and the messages `set` names; answers `BAD` itself (and gives
    /// `None`) when nothing is selected or a message number is past the end.
    pub(crate) fn target(
        &mut self,
        tag: &Tag<'static>,
        set: &SequenceSet,
        by_uid: bool,
        lenient: bool,
    ) -> Option<Target> {
        let signed_in = self.signed_in.as_ref();
        let selected = signed_in.and_then(|s| Some((s.access, s.selected.as_ref()?)));
        let Some((access, selected)) = selected else {
            self.bad(tag.clone(), "No folder selected");
            return None;
        };
        let Ok(positions) = sequence::resolve(set, selected.view.uids(), by_uid, lenient) else {
            self.bad(tag.clone(), "No such message number");
            return None;
        };
        let chosen = positions
            .into_iter()
            .filter_map(|i| {
                let seq = u32::try_from(i + 1).ok()?;
                Some((*selected.view.uids().get(i)?, seq))
            })
            .collect();
        Some(Target {
            access,
            folder: selected.folder.clone(),
            read_only: selected.view.read_only(),
            chosen,
        })
    }

    /// This session's own expunges (EXPUNGE, MOVE): told at once, with anything else due.
    pub(crate) async fn announce_expunged(&mut self, removed: &[u32]) {
        if let Some(selected) = self.signed_in.as_mut().and_then(|s| s.selected.as_mut()) {
            selected.view.expunged(removed);
        }
        self.refresh(true).await;
    }
}

/// Stored flags as FETCH shows them.
pub(crate) fn fetch_flags(flags: &Flags) -> Vec<FlagFetch<'static>> {
    flags
        .iter()
        .filter_map(wire_flag)
        .map(FlagFetch::Flag)
        .collect()
}

/// One stored flag as a wire flag; one that is not a valid atom is left out.
pub(crate) fn wire_flag(flag: &str) -> Option<Flag<'static>> {
    use imap_codec::imap_types::core::Atom;
    match flag.strip_prefix('\\') {
        Some(system) => Atom::try_from(system.to_owned()).ok().map(Flag::system),
        None => Atom::try_from(flag.to_owned()).ok().map(Flag::Keyword),
    }
}

/// Flags from a command as the core stores them.
pub(crate) fn stored_flags(flags: &[Flag<'_>]) -> Flags {
    let names: Vec<String> = flags.iter().map(ToString::to_string).collect();
    Flags::new(names.iter().map(String::as_str))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flags_round_trip() {
        let flags = Flags::new(["\\Seen", "$Work", "bad flag"]);
        let wire = fetch_flags(&flags);
        assert_eq!(wire.len(), 2, "{wire:?}");
        let back: Vec<Flag<'static>> = wire
            .into_iter()
            .filter_map(|f| match f {
                FlagFetch::Flag(f) => Some(f),
                _ => None,
            })
            .collect();
        assert_eq!(stored_flags(&back), Flags::new(["\\Seen", "$Work"]));
    }
}
