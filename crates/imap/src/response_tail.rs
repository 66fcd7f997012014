//! Text at the end of a response line that imap-codec cannot encode yet: LIST's extended data
//! items (RFC 5258 §9, such as CHILDINFO). The response is queued without it; when imap-next
//! hands over the response's bytes, the transport adds the tail before the line's CRLF.

use crate::transport::Transport;
use imap_next::server::ResponseHandle;
use std::collections::VecDeque;

/// Tails waiting for their response to be written. Responses go out in the order they were
/// queued, so the next tail is always at the front.
#[derive(Debug, Default)]
pub(crate) struct Tails(VecDeque<(ResponseHandle, &'static [u8])>);

impl Tails {
    pub(crate) fn add(&mut self, handle: ResponseHandle, tail: &'static [u8]) {
        self.0.push_back((handle, tail));
    }

    /// Adds the tail of the response just handed to `transport`, if it has one.
    pub(crate) fn write(&mut self, handle: ResponseHandle, transport: &mut Transport) {
        if let Some((_, tail)) = self.0.pop_front_if(|(h, _)| *h == handle) {
            transport.extend_line(tail);
        }
    }
}
