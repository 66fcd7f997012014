//! Text at the end of a response line that imap-codec cannot encode yet: LIST's extended data
//! items (RFC 5258 §9, such as CHILDINFO). The response is queued without it; when imap-next
//! hands over the response's bytes, the transport adds the tail before the line's CRLF.

use crate::transport::Transport;
use imap_next::server::ResponseHandle;

/// Tails waiting for their response to be written; only a LIST's, so few and short-lived.
#[derive(Debug, Default)]
pub(crate) struct Tails(Vec<(ResponseHandle, Vec<u8>)>);

impl Tails {
    pub(crate) fn add(&mut self, handle: ResponseHandle, tail: Vec<u8>) {
        self.0.push((handle, tail));
    }

    /// Adds the tail of the response just handed to `transport`, if it has one.
    pub(crate) fn write(&mut self, handle: ResponseHandle, transport: &mut Transport) {
        if let Some(i) = self.0.iter().position(|(h, _)| *h == handle) {
            transport.extend_line(&self.0.swap_remove(i).1);
        }
    }
}
