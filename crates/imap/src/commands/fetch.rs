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
use crate::selection::uid_sequence;
use crate::transport::Transport;
use crate::view::View;
use crate::view_flags::SEEN;
use imap_codec::imap_types::command::FetchModifier;
use imap_codec::imap_types::core::{IString, Literal, NString, Tag, Vec1};
use imap_codec::imap_types::datetime::DateTime;
use imap_codec::imap_types::fetch::{
    Macro, MacroOrMessageDataItemNames, MessageDataItem, MessageDataItemName,
};
use imap_codec::imap_types::response::Data;
use imap_codec::imap_types::sequence::SequenceSet;
use std::collections::{HashMap, HashSet};
use std::num::{NonZeroU32, NonZeroU64};
use trekmail_core::mail::{FlagChange, Flags, MessageMeta};

type Name = MessageDataItemName<'static>;

/// How many messages' rows one store read covers; bodies are read, sent and dropped one
/// message at a time.
const CHUNK: usize = 256;

/// A FETCH as asked: its items and its CONDSTORE/QRESYNC modifiers (RFC 7162 §3.1.4, §3.2.6).
pub(crate) struct Request {
    names: Vec<Name>,
    by_uid: bool,
    changed_since: Option<u64>,
    vanished: bool,
}

impl Request {
    pub(crate) fn new(
        items: MacroOrMessageDataItemNames<'static>,
        modifiers: &[FetchModifier],
        by_uid: bool,
    ) -> Request {
        let names = match items {
            MacroOrMessageDataItemNames::Macro(m) => expand(m),
            MacroOrMessageDataItemNames::MessageDataItemNames(names) => names,
        };
        let mut request = Request {
            names,
            by_uid,
            changed_since: None,
            vanished: false,
        };
        for modifier in modifiers {
            match modifier {
                FetchModifier::ChangedSince(n) => request.changed_since = Some(n.get()),
                FetchModifier::Vanished => request.vanished = true,
            }
        }
        request
    }
}

impl Connection {
    pub(crate) async fn fetch(
        &mut self,
        tag: Tag<'static>,
        set: &SequenceSet,
        request: Request,
        transport: &mut Transport,
    ) {
        let Request {
            mut names,
            by_uid,
            changed_since,
            vanished,
        } = request;
        let Some(signed_in) = self.signed_in.as_mut() else {
            return self.bad(tag, "Sign in first");
        };
        if vanished && !(by_uid && changed_since.is_some() && signed_in.qresync) {
            return self.bad(tag, "VANISHED needs UID FETCH, CHANGEDSINCE and QRESYNC");
        }
        if changed_since.is_some() || names.contains(&Name::ModSeq) {
            self.enable_condstore();
        }
        let condstore = self.signed_in.as_ref().is_some_and(|s| s.condstore);
        if by_uid && !names.contains(&Name::Uid) {
            names.push(Name::Uid);
        }
        if changed_since.is_some() && !names.contains(&Name::ModSeq) {
            names.push(Name::ModSeq);
        }
        let Some(mut target) = self.target(&tag, set, by_uid, false) else {
            return;
        };
        let core = self.core.clone();
        if let Some(since) = changed_since {
            let Some(view) = self.view() else {
                return;
            };
            target
                .chosen
                .retain(|(_, seq)| view.modseq_at(position(*seq)).is_some_and(|m| m > since));
            if vanished {
                match core
                    .changes_since(&target.access, &target.folder, since)
                    .await
                {
                    Ok(changes) => self.tell_vanished_earlier(set, changes.expunged),
                    Err(e) => return self.core_no(tag, &e, "No such folder"),
                }
            }
        }
        // Reading a body section marks the message \Seen (RFC 3501 §6.4.5).
        let mut flags_changed = HashSet::new();
        if !target.read_only && names.iter().any(sets_seen) {
            match self.mark_seen(&target).await {
                Ok(changed) => flags_changed = changed,
                Err(e) => return self.core_no(tag, &e, "No such folder"),
            }
        }
        let needs_meta = names.iter().any(needs_meta);
        let needs_body = names.iter().any(needs_body);
        let mut expunge_issued = false;
        // Rows 256 at a time; with bodies, each message is written out before the next is
        // read, so a FETCH holds one body whatever the range.
        for part in target.chosen.chunks(CHUNK) {
            let uids: Vec<u32> = part.iter().map(|(uid, _)| *uid).collect();
            let read = match (needs_body, needs_meta) {
                (true, _) => {
                    core.messages_with_bodies(&target.access, &target.folder, &uids)
                        .await
                }
                (false, true) => core
                    .messages_with_uids(&target.access, &target.folder, &uids)
                    .await
                    .map(|metas| metas.into_iter().map(|m| (m, None)).collect()),
                (false, false) => Ok(Vec::new()),
            };
            let mut metas: HashMap<u32, (MessageMeta, Option<Vec<u8>>)> = match read {
                Ok(read) => read.into_iter().map(|m| (m.0.uid, m)).collect(),
                Err(e) => return self.core_no(tag, &e, "No such folder"),
            };
            let mut last = None;
            for (uid, seq) in part {
                let (meta, read_body) = metas.remove(uid).unzip();
                let meta = meta.as_ref();
                // Expunged by another session meanwhile: the rest is answered, then NO.
                if needs_meta && meta.is_none() {
                    expunge_issued = true;
                    continue;
                }
                let body = match (needs_body, meta, read_body.flatten()) {
                    (true, Some(_), Some(body)) => body,
                    (true, Some(meta), None) => match core
                        .message_body(&target.access, &target.folder, meta)
                        .await
                    {
                        Ok(b) => b,
                        Err(_) => {
                            expunge_issued = true;
                            continue;
                        }
                    },
                    _ => Vec::new(),
                };
                let Some(view) = self.view() else {
                    return;
                };
                let extra = flags_changed.contains(uid);
                let responses =
                    match answer(&names, view, *uid, *seq, meta, &body, extra, condstore) {
                        Ok(answer) => answer,
                        Err(e) => return self.no(tag, Some("UNKNOWN-CTE"), &e.to_string()),
                    };
                drop(body);
                for (data, origin) in responses {
                    let handle = self.server.enqueue_data(data);
                    if let Some(origin) = origin {
                        self.edits.insert_after(handle, origin.marker, origin.text);
                    }
                    last = Some(handle);
                }
                if needs_body
                    && let Some(handle) = last.take()
                    && !self.send_now(transport, handle).await
                {
                    return;
                }
            }
            if let Some(handle) = last
                && !self.send_now(transport, handle).await
            {
                return;
            }
        }
        match expunge_issued {
            true => self.no(
                tag,
                Some("EXPUNGEISSUED"),
                "Some of the requested messages no longer exist",
            ),
            false => self.done(tag, "FETCH completed"),
        }
    }

    /// Sets \Seen on the chosen messages that lack it; returns the UIDs it changed.
    async fn mark_seen(
        &mut self,
        target: &super::Target,
    ) -> Result<HashSet<u32>, trekmail_core::CoreError> {
        let Some(view) = self.view() else {
            return Ok(HashSet::new());
        };
        let unseen: Vec<u32> = target
            .chosen
            .iter()
            .filter(|(uid, seq)| {
                !view.is_gone(*uid) && view.flags_at(position(*seq)).is_some_and(|f| !f.has(SEEN))
            })
            .map(|(uid, _)| *uid)
            .collect();
        if unseen.is_empty() {
            return Ok(HashSet::new());
        }
        let seen = Flags::new(["\\Seen"]);
        let stored = self
            .core
            .store_flags(
                &target.access,
                &target.folder,
                &unseen,
                FlagChange::Add,
                &seen,
            )
            .await?;
        let Some(view) = self.view_mut() else {
            return Ok(HashSet::new());
        };
        for meta in &stored {
            view.stored(meta.uid, &meta.flags, meta.modseq);
        }
        Ok(stored.into_iter().map(|m| m.uid).collect())
    }

    /// `* VANISHED (EARLIER)` for the UIDs of `set` expunged since the client's mod-sequence.
    fn tell_vanished_earlier(&mut self, set: &SequenceSet, expunged: Vec<u32>) {
        let known: Vec<u32> = expunged
            .into_iter()
            .filter(|uid| crate::sequence::contains(set, *uid, u32::MAX))
            .collect();
        if let Some(known_uids) = uid_sequence(&known) {
            self.server.enqueue_data(Data::Vanished {
                earlier: true,
                known_uids,
            });
        }
    }
}

/// The zero-based position of a sequence number.
fn position(seq: u32) -> usize {
    usize::try_from(seq.saturating_sub(1)).unwrap_or(usize::MAX)
}

/// A partial BINARY's `<origin>` (RFC 3516 §4.2), which imap-codec does not encode: the
/// text that goes right after the item's name in its response.
struct Origin {
    marker: Vec<u8>,
    text: Vec<u8>,
}

/// One message's FETCH responses. FLAGS, UID and MODSEQ come from the session's view (a
/// message expunged elsewhere still has them); the rest from the stored message. A message
/// whose flags this FETCH changed shows them, with UID and MODSEQ under CONDSTORE (RFC 7162
/// §3.1). Each partial BINARY goes in a response of its own (with the UID), its name first, so
/// its `<origin>` is edited in where no literal can be in the way.
#[allow(clippy::too_many_arguments)]
fn answer(
    names: &[Name],
    view: &View,
    uid: u32,
    seq: u32,
    meta: Option<&MessageMeta>,
    body: &[u8],
    flags_changed: bool,
    condstore: bool,
) -> Result<Vec<(Data<'static>, Option<Origin>)>, UnknownCte> {
    let at = position(seq);
    let from_view = |name: &Name| match name {
        Name::Flags => Some(MessageDataItem::Flags(view.fetch_flags(at))),
        Name::Uid => NonZeroU32::new(uid).map(MessageDataItem::Uid),
        Name::ModSeq => view
            .modseq_at(at)
            .and_then(NonZeroU64::new)
            .map(MessageDataItem::ModSeq),
        _ => None,
    };
    let Some(seq) = NonZeroU32::new(seq) else {
        return Ok(Vec::new());
    };
    let mut items: Vec<MessageDataItem<'static>> = Vec::with_capacity(names.len());
    let mut partials = Vec::new();
    for name in names {
        let found = match (name, meta) {
            (Name::Flags | Name::Uid | Name::ModSeq, _) => from_view(name),
            (other, Some(meta)) => match binary_item(other, body)? {
                Some(binary) => match origin(other) {
                    Some(origin) => {
                        let mut own: Vec<_> = from_view(&Name::Uid)
                            .filter(|_| names.contains(&Name::Uid))
                            .into_iter()
                            .collect();
                        own.push(binary);
                        if let Ok(own) = Vec1::try_from(own) {
                            partials.push((Data::Fetch { seq, items: own }, Some(origin)));
                        }
                        None
                    }
                    None => Some(binary),
                },
                None => item(other, meta, body),
            },
            (_, None) => None,
        };
        items.extend(found);
    }
    if flags_changed {
        let mut implied = vec![Name::Flags];
        if condstore {
            implied.extend([Name::Uid, Name::ModSeq]);
        }
        for name in implied {
            if !names.contains(&name) {
                items.extend(from_view(&name));
            }
        }
    }
    // The UID alone says nothing the partial BINARY responses do not.
    let only_uid = items.iter().all(|i| matches!(i, MessageDataItem::Uid(_)));
    let mut out = Vec::with_capacity(1 + partials.len());
    if let Ok(items) = Vec1::try_from(items)
        && (!only_uid || partials.is_empty())
    {
        out.push((Data::Fetch { seq, items }, None));
    }
    out.extend(partials);
    Ok(out)
}

/// The `<origin>` edit of a partial BINARY item; `None` for any other item.
fn origin(name: &Name) -> Option<Origin> {
    let Name::Binary {
        section,
        partial: Some((start, _)),
        ..
    } = name
    else {
        return None;
    };
    let parts: Vec<String> = section.iter().map(|p| p.to_string()).collect();
    Some(Origin {
        marker: format!("BINARY[{}]", parts.join(".")).into_bytes(),
        text: format!("<{start}>").into_bytes(),
    })
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

fn sets_seen(name: &Name) -> bool {
    matches!(
        name,
        Name::BodyExt { peek: false, .. }
            | Name::Binary { peek: false, .. }
            | Name::Rfc822
            | Name::Rfc822Text
    )
}

/// Whether the item needs the stored message, not only the session's view.
fn needs_meta(name: &Name) -> bool {
    !matches!(name, Name::Flags | Name::Uid | Name::ModSeq)
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
        Name::ModSeq => MessageDataItem::ModSeq(NonZeroU64::new(meta.modseq)?),
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
