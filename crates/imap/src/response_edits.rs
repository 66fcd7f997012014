//! Responses imap-codec cannot encode yet, sent through imap-next all the same so they keep
//! their place among the others: one is queued as a stand-in imap-codec can encode, and when
//! imap-next hands over the stand-in's bytes the transport edits them. Either a tail goes
//! before the line's CRLF (LIST's extended data items, RFC 5258 §9, such as CHILDINFO), text
//! goes after the first occurrence of a marker (a partial BINARY's `<origin>`, RFC 3516), or
//! the whole response is replaced (ESEARCH, RFC 4731).

use crate::transport::Transport;
use imap_next::server::ResponseHandle;
use std::collections::VecDeque;

/// What becomes of a stand-in's bytes.
#[derive(Debug)]
enum Edit {
    Tail(&'static [u8]),
    InsertAfter { marker: Vec<u8>, text: Vec<u8> },
    Replace(Vec<u8>),
}

/// Edits waiting for their response to be written. Responses go out in the order they were
/// queued, so the next edit is always at the front.
#[derive(Debug, Default)]
pub(crate) struct Edits(VecDeque<(ResponseHandle, Edit)>);

impl Edits {
    /// `tail` goes at the end of the response's line, before its CRLF.
    pub(crate) fn add_tail(&mut self, handle: ResponseHandle, tail: &'static [u8]) {
        self.0.push_back((handle, Edit::Tail(tail)));
    }

    /// `text` goes right after the first `marker` in the response: the caller makes sure the
    /// marker comes before any literal in it.
    pub(crate) fn insert_after(&mut self, handle: ResponseHandle, marker: Vec<u8>, text: Vec<u8>) {
        self.0
            .push_back((handle, Edit::InsertAfter { marker, text }));
    }

    /// `response` (whole lines, CRLF included) is written instead of the stand-in.
    pub(crate) fn replace(&mut self, handle: ResponseHandle, response: Vec<u8>) {
        self.0.push_back((handle, Edit::Replace(response)));
    }

    /// Edits the response just handed to `transport`, if it has an edit.
    pub(crate) fn write(&mut self, handle: ResponseHandle, transport: &mut Transport) {
        match self.0.pop_front_if(|(h, _)| *h == handle) {
            Some((_, Edit::Tail(tail))) => transport.extend_line(tail),
            Some((_, Edit::InsertAfter { marker, text })) => transport.insert_after(&marker, &text),
            Some((_, Edit::Replace(response))) => transport.replace_response(&response),
            None => {}
        }
    }
}
