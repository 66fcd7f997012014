//! FETCH and UID FETCH: flags, UIDs, sizes, dates, ENVELOPE, BODY and BODYSTRUCTURE, any
//! section (the whole message, its header or text, a MIME part, its MIME header) and its
//! decoded BINARY form (RFC 3516), whole or in part.

use super::binary::{binary_bytes, nstring8};
use super::bodystructure::body_structure;
use super::fetch_flags;
use super::sections::{header, section_bytes, text};
use crate::connection::Connection;
use crate::content_transfer::UnknownCte;
use crate::mime;
use imap_codec::imap_types::core::{IString, Literal, NString, Tag, Vec1};
use imap_codec::imap_types::datetime::DateTime;
use imap_codec::imap_types::fetch::{
    Macro, MacroOrMessageDataItemNames, MessageDataItem, MessageDataItemName,
};
use imap_codec::imap_types::response::Data;
use imap_codec::imap_types::sequence::SequenceSet;
use std::collections::{HashMap, HashSet};
use std::num::NonZeroU32;
use trekmail_core::mail::{FlagChange, Flags, MessageMeta};

type Name = MessageDataItemName<'static>;

impl Connection {
    pub(crate) async fn fetch(
        &mut self,
        tag: Tag<'static>,
        set: &SequenceSet,
        items: MacroOrMessageDataItemNames<'static>,
        by_uid: bool,
    ) {
        let mut names = match items {
            MacroOrMessageDataItemNames::Macro(m) => expand(m),
            MacroOrMessageDataItemNames::MessageDataItemNames(names) => names,
        };
        if let Some(refused) = names.iter().find_map(unsupported) {
            return self.bad(
                tag,
                &format!("{refused} is not supported by this server yet"),
            );
        }
        if by_uid && !names.contains(&Name::Uid) {
            names.push(Name::Uid);
        }
        let Some(target) = self.target(&tag, set, by_uid, false) else {
            return;
        };
        let core = self.core.clone();
        let metas = match core.messages(&target.access, &target.folder).await {
            Ok(m) => m,
            Err(e) => return self.core_no(tag, &e, "No such folder"),
        };
        let mut by_uid_meta: HashMap<u32, MessageMeta> =
            metas.into_iter().map(|m| (m.uid, m)).collect();
        // Reading a body section marks the message \Seen (RFC 3501 §6.4.5).
        let mut flags_changed = HashSet::new();
        if !target.read_only && names.iter().any(sets_seen) {
            let unseen: Vec<u32> = target
                .chosen
                .iter()
                .filter(|(uid, _)| {
                    by_uid_meta
                        .get(uid)
                        .is_some_and(|m| !m.flags.contains("\\Seen"))
                })
                .map(|(uid, _)| *uid)
                .collect();
            if !unseen.is_empty() {
                let seen = Flags::new(["\\Seen"]);
                match core
                    .store_flags(
                        &target.access,
                        &target.folder,
                        &unseen,
                        FlagChange::Add,
                        &seen,
                    )
                    .await
                {
                    Ok(updated) => {
                        for meta in updated {
                            flags_changed.insert(meta.uid);
                            by_uid_meta.insert(meta.uid, meta);
                        }
                    }
                    Err(e) => return self.core_no(tag, &e, "No such folder"),
                }
            }
        }
        let needs_body = names.iter().any(needs_body);
        for (uid, seq) in &target.chosen {
            // Gone since the last report (another session expunged it): nothing to show.
            let Some(meta) = by_uid_meta.get(uid) else {
                continue;
            };
            let body = match needs_body {
                true => match core
                    .message_body(&target.access, &target.folder, meta)
                    .await
                {
                    Ok(b) => b,
                    Err(e) => return self.core_no(tag, &e, "The message is gone"),
                },
                false => Vec::new(),
            };
            let mut items = match message_items(&names, meta, &body) {
                Ok(items) => items,
                Err(e) => return self.no(tag, Some("UNKNOWN-CTE"), &e.to_string()),
            };
            if flags_changed.contains(uid) && !names.contains(&Name::Flags) {
                items.push(MessageDataItem::Flags(fetch_flags(&meta.flags)));
            }
            let (Some(seq), Ok(items)) = (NonZeroU32::new(*seq), Vec1::try_from(items)) else {
                continue;
            };
            self.server.enqueue_data(Data::Fetch { seq, items });
        }
        self.done(tag, "FETCH completed");
    }
}

fn expand(m: Macro) -> Vec<Name> {
    let mut names = vec![Name::Flags, Name::InternalDate, Name::Rfc822Size];
    match m {
        Macro::Fast => {}
        Macro::All => names.push(Name::Envelope),
        Macro::Full => names.extend([Name::Envelope, Name::Body]),
        // A macro this code does not know: its items are answered BAD.
        #[allow(unreachable_patterns)]
        _ => names.push(Name::Envelope),
    }
    names
}

/// The item's name when this server cannot answer it truthfully yet.
fn unsupported(name: &Name) -> Option<&'static str> {
    match name {
        // CONDSTORE is not advertised yet: no MODSEQ to tell truthfully.
        Name::ModSeq => Some("MODSEQ"),
        _ => None,
    }
}

fn sets_seen(name: &Name) -> bool {
    matches!(
        name,
        Name::BodyExt { peek: false, .. }
            | Name::Binary { peek: false, .. }
            | Name::Rfc822
            | Name::Rfc822Text
    )
}

fn needs_body(name: &Name) -> bool {
    matches!(
        name,
        Name::BodyExt { .. }
            | Name::Body
            | Name::BodyStructure
            | Name::Envelope
            | Name::Rfc822
            | Name::Rfc822Header
            | Name::Rfc822Text
            | Name::Binary { .. }
            | Name::BinarySize { .. }
    )
}

/// The items of one message, in the order asked; an encoding BINARY cannot undo fails them.
fn message_items(
    names: &[Name],
    meta: &MessageMeta,
    body: &[u8],
) -> Result<Vec<MessageDataItem<'static>>, UnknownCte> {
    let mut items = Vec::with_capacity(names.len());
    for name in names {
        if let Some(item) = binary_item(name, body)? {
            items.push(item);
        } else if let Some(item) = item(name, meta, body) {
            items.push(item);
        }
    }
    Ok(items)
}

/// BINARY and BINARY.SIZE; `None` for any other item.
fn binary_item(name: &Name, body: &[u8]) -> Result<Option<MessageDataItem<'static>>, UnknownCte> {
    Ok(Some(match name {
        Name::Binary {
            section, partial, ..
        } => {
            let binary = binary_bytes(section, body)?;
            MessageDataItem::Binary {
                section: section.clone(),
                value: nstring8(partial_range(&binary.bytes, *partial), binary.decoded),
            }
        }
        Name::BinarySize { section } => MessageDataItem::BinarySize {
            section: section.clone(),
            size: u32::try_from(binary_bytes(section, body)?.bytes.len()).unwrap_or(u32::MAX),
        },
        _ => return Ok(None),
    }))
}

/// `<start.length>` of `whole`: empty past the end, cut short at it.
fn partial_range(whole: &[u8], partial: Option<(u32, NonZeroU32)>) -> &[u8] {
    let Some((start, length)) = partial else {
        return whole;
    };
    let from = (start as usize).min(whole.len());
    let to = from.saturating_add(length.get() as usize).min(whole.len());
    whole.get(from..to).unwrap_or_default()
}

fn item(name: &Name, meta: &MessageMeta, body: &[u8]) -> Option<MessageDataItem<'static>> {
    Some(match name {
        Name::Flags => MessageDataItem::Flags(fetch_flags(&meta.flags)),
        Name::Uid => MessageDataItem::Uid(NonZeroU32::new(meta.uid)?),
        Name::Envelope => MessageDataItem::Envelope(super::envelope::envelope(body)),
        Name::Rfc822Size => MessageDataItem::Rfc822Size(u32::try_from(meta.size).unwrap_or(0)),
        Name::InternalDate => MessageDataItem::InternalDate(internal_date(meta)?),
        Name::Rfc822 => MessageDataItem::Rfc822(nstring(body)),
        Name::Rfc822Header => MessageDataItem::Rfc822Header(nstring(header(body))),
        Name::Rfc822Text => MessageDataItem::Rfc822Text(nstring(text(body))),
        Name::Body => MessageDataItem::Body(body_structure(&mime::parse(body), false)),
        Name::BodyStructure => {
            MessageDataItem::BodyStructure(body_structure(&mime::parse(body), true))
        }
        Name::BodyExt {
            section, partial, ..
        } => {
            let whole = section_bytes(section.as_ref(), body);
            MessageDataItem::BodyExt {
                section: section.clone(),
                origin: partial.map(|(start, _)| start),
                data: nstring(partial_range(&whole, *partial)),
            }
        }
        _ => return None,
    })
}

fn internal_date(meta: &MessageMeta) -> Option<DateTime> {
    let whole_seconds = chrono::DateTime::from_timestamp(meta.internal_date.timestamp(), 0)?;
    DateTime::try_from(whole_seconds.fixed_offset()).ok()
}

/// Bytes as a literal. A literal cannot carry NUL (RFC 3501 §4.3), so a stray one is sent as a
/// space rather than failing the whole FETCH.
fn nstring(bytes: &[u8]) -> NString<'static> {
    let clean: Vec<u8> = bytes
        .iter()
        .map(|b| if *b == 0 { b' ' } else { *b })
        .collect();
    NString(Literal::try_from(clean).ok().map(IString::from))
}
