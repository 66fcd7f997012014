//! LIST and LSUB (RFC 3501), LIST-EXTENDED (RFC 5258) with CHILDREN (RFC 3348), SPECIAL-USE
//! (RFC 6154) and LIST-STATUS (RFC 5819): which names to answer is `folder_tree`'s, how each is
//! said is here.

use crate::connection::{Connection, failure};
use crate::folder_tree::{self, Ask, Listed, Node};
use crate::names;
use crate::refused::list::{ListCommand, Returns, Selection};
use imap_codec::imap_types::core::{Atom, QuotedChar, Tag};
use imap_codec::imap_types::flag::FlagNameAttribute;
use imap_codec::imap_types::mailbox::{ListMailbox, Mailbox};
use imap_codec::imap_types::response::Data;
use std::collections::{BTreeMap, HashMap};
use trekmail_core::mail::Folder;

/// How the answer is worded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Form {
    Lsub,
    /// RFC 3501's LIST, with RFC 3348's children attributes.
    List,
    /// RFC 5258's: `\NonExistent`, `\Subscribed` and CHILDINFO as asked.
    Extended,
}

impl Connection {
    /// LIST and LSUB as imap-codec parses them.
    pub(crate) async fn list(
        &mut self,
        tag: Tag<'static>,
        reference: &Mailbox<'_>,
        pattern: &ListMailbox<'_>,
        lsub: bool,
    ) {
        let pattern = match pattern {
            ListMailbox::Token(t) => String::from_utf8_lossy(t.as_ref()).into_owned(),
            ListMailbox::String(s) => String::from_utf8_lossy(s.as_ref()).into_owned(),
        };
        let command = ListCommand {
            selection: Selection {
                subscribed: lsub,
                ..Selection::default()
            },
            reference: names::folder_name(reference).unwrap_or_default(),
            patterns: vec![pattern],
            returns: Returns::default(),
        };
        let form = if lsub { Form::Lsub } else { Form::List };
        self.answer_list(tag, command, form).await;
    }

    /// A LIST in RFC 5258's form, which `refused::list` parsed.
    pub(crate) async fn list_extended(&mut self, tag: Tag<'static>, command: ListCommand) {
        self.answer_list(tag, command, Form::Extended).await;
    }

    async fn answer_list(&mut self, tag: Tag<'static>, command: ListCommand, form: Form) {
        let Some(signed_in) = self.signed_in.as_ref() else {
            return self.bad(tag, "Sign in first");
        };
        let access = signed_in.access;
        let completed = match form {
            Form::Lsub => "LSUB completed",
            Form::List | Form::Extended => "LIST completed",
        };
        // `LIST "" ""` asks for the delimiter and the root (RFC 3501 §6.3.8).
        if form != Form::Lsub && command.patterns.iter().all(String::is_empty) {
            if let Ok(root) = Mailbox::try_from("") {
                self.server.enqueue_data(Data::List {
                    items: vec![FlagNameAttribute::Noselect],
                    delimiter: delimiter(),
                    mailbox: root,
                });
            }
            return self.done(tag, completed);
        }
        let patterns: Vec<String> = command
            .patterns
            .iter()
            .map(|p| format!("{}{p}", command.reference))
            .collect();
        let length: usize = patterns.iter().map(|p| p.chars().count()).sum();
        if length > names::MAX_PATTERN_CHARS {
            return self.no(tag, Some("LIMIT"), "Patterns too long");
        }
        let folders = match self.core.folders(&access).await {
            Ok(f) => f,
            Err(e) => {
                self.server
                    .enqueue_status(failure(tag, &e, "Cannot list folders"));
                return;
            }
        };
        // Subscriptions are read only when the answer speaks of them.
        let of_subscriptions = form == Form::Lsub
            || command.selection.subscribed
            || (form == Form::Extended && command.returns.subscribed);
        let subscriptions = match of_subscriptions {
            true => match self.core.subscriptions(&access).await {
                Ok(names) => names,
                Err(e) => {
                    self.server
                        .enqueue_status(failure(tag, &e, "Cannot list subscriptions"));
                    return;
                }
            },
            false => Vec::new(),
        };
        let tree = tree(&folders, subscriptions);
        let by_name: HashMap<&str, &Folder> =
            folders.iter().map(|f| (f.name.as_str(), f)).collect();
        let ask = Ask {
            patterns: &patterns,
            subscribed: command.selection.subscribed,
            special_use: command.selection.special_use,
            parents: form == Form::Lsub || command.selection.recursive_match,
        };
        for listed in folder_tree::list(&tree, ask) {
            let Ok(mailbox) = Mailbox::try_from(listed.name.clone()) else {
                continue;
            };
            let items = attributes(&listed, form, &command.returns);
            let handle = self.server.enqueue_data(match form {
                Form::Lsub => Data::Lsub {
                    items,
                    delimiter: delimiter(),
                    mailbox: mailbox.clone(),
                },
                Form::List | Form::Extended => Data::List {
                    items,
                    delimiter: delimiter(),
                    mailbox: mailbox.clone(),
                },
            });
            if form == Form::Extended && listed.for_children {
                self.edits.add_tail(handle, CHILD_INFO);
            }
            if let (Some(items), Some(folder)) =
                (&command.returns.status, by_name.get(&*listed.name))
            {
                self.list_status(folder, mailbox, items).await;
            }
        }
        self.done(tag, completed);
    }

    /// RFC 5819: a folder whose STATUS cannot be had is listed without one.
    async fn list_status(
        &mut self,
        folder: &Folder,
        mailbox: Mailbox<'static>,
        items: &[imap_codec::imap_types::status::StatusDataItemName],
    ) {
        let Some(access) = self.signed_in.as_ref().map(|s| s.access) else {
            return;
        };
        match self.status_data(&access, folder, mailbox, items).await {
            Ok(data) => {
                self.server.enqueue_data(data);
            }
            Err(e) => tracing::debug!(error = %e, folder = %folder.name, "LIST-STATUS skipped"),
        }
    }
}

/// The folders and the subscribed names, a deleted folder's among them.
fn tree(folders: &[Folder], subscriptions: Vec<String>) -> BTreeMap<String, Node> {
    let mut tree: BTreeMap<String, Node> = subscriptions
        .into_iter()
        .map(|name| {
            let node = Node {
                exists: false,
                subscribed: true,
                special_use: None,
            };
            (name, node)
        })
        .collect();
    for f in folders {
        let subscribed = tree.contains_key(&f.name);
        let node = Node {
            exists: true,
            subscribed,
            special_use: f.special_use.map(|u| u.as_str()),
        };
        tree.insert(f.name.clone(), node);
    }
    tree
}

/// The name attributes of one answer line.
fn attributes(listed: &Listed, form: Form, returns: &Returns) -> Vec<FlagNameAttribute<'static>> {
    let mut words: Vec<&str> = Vec::new();
    let mut items = Vec::new();
    match form {
        Form::Lsub => {
            // Listed only for subscribed folders below it (RFC 3501 §6.3.9).
            if !listed.subscribed {
                items.push(FlagNameAttribute::Noselect);
            }
        }
        Form::List => {
            if !listed.exists {
                items.push(FlagNameAttribute::Noselect);
            }
            words.push(children(listed));
        }
        Form::Extended => {
            if !listed.exists {
                words.push("NonExistent");
            }
            if returns.subscribed && listed.subscribed {
                words.push("Subscribed");
            }
            if returns.children {
                words.push(children(listed));
            }
        }
    }
    // Special-use attributes go with every LIST, asked for or not (RFC 6154 §2).
    words.extend(listed.special_use);
    items.extend(
        words
            .into_iter()
            .filter_map(|w| Atom::try_from(w).ok())
            .map(FlagNameAttribute::from),
    );
    items
}

fn children(listed: &Listed) -> &'static str {
    match listed.has_children {
        true => "HasChildren",
        false => "HasNoChildren",
    }
}

/// RFC 5258 §3.5's extended data item of a parent listed for its subscribed children:
/// RECURSIVEMATCH only modifies SUBSCRIBED.
const CHILD_INFO: &[u8] = b" (\"CHILDINFO\" (\"SUBSCRIBED\"))";

fn delimiter() -> Option<QuotedChar> {
    QuotedChar::try_from(names::DELIMITER).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn listed(exists: bool, subscribed: bool, has_children: bool) -> Listed {
        Listed {
            name: "a".into(),
            exists,
            subscribed,
            has_children,
            for_children: false,
            special_use: None,
        }
    }

    fn words(items: &[FlagNameAttribute<'_>]) -> Vec<String> {
        items.iter().map(ToString::to_string).collect()
    }

    #[test]
    fn each_form_says_what_it_should() {
        let asked = Returns {
            subscribed: true,
            children: true,
            status: None,
        };
        let missing = listed(false, false, true);
        assert_eq!(
            words(&attributes(&missing, Form::List, &Returns::default())),
            ["\\Noselect", "\\HasChildren"]
        );
        assert_eq!(
            words(&attributes(&missing, Form::Extended, &asked)),
            ["\\NonExistent", "\\HasChildren"]
        );
        let mut sent = listed(true, true, false);
        sent.special_use = Some("Sent");
        assert_eq!(
            words(&attributes(&sent, Form::Extended, &asked)),
            ["\\Subscribed", "\\HasNoChildren", "\\Sent"]
        );
        assert_eq!(
            words(&attributes(&sent, Form::Extended, &Returns::default())),
            ["\\Sent"]
        );
        let mut parent = listed(true, false, true);
        parent.for_children = true;
        assert_eq!(
            words(&attributes(&parent, Form::Lsub, &Returns::default())),
            ["\\Noselect"]
        );
        assert!(attributes(&listed(true, true, false), Form::Lsub, &asked).is_empty());
        // Subscribed itself, with subscribed folders below that the pattern misses.
        let mut both = listed(true, true, true);
        both.for_children = true;
        assert!(attributes(&both, Form::Lsub, &asked).is_empty());
    }
}
