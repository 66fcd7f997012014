//! COMPRESS=DEFLATE (RFC 4978): raw DEFLATE (RFC 1951) in both directions under the protocol,
//! between the socket (or TLS) and the line guard, which so sees the client's bytes
//! decompressed.
//!
//! Memory per compressed connection is bounded and does not depend on what is sent: the
//! compressor uses a 4 KiB window (zlib-rs: 2 × 4 KiB window, 8 KiB chain links, a 128 KiB hash
//! table and 112 KiB of symbol buffers, about 260 KiB); the decompressor must accept the
//! client's 32 KiB window (about 40 KiB with its tables); input waiting to be inflated stays
//! under one read (4 KiB), since the socket is read again only once inflating gives nothing, and one
//! inflate gives at most [`INFLATE_CHUNK`] bytes, however much a small input would expand to.
//! Output is compressed as it is written, [`DEFLATE_PIECE`] bytes at a time (so the compressed
//! copy of a large response is never held whole), and each burst ends with a sync flush so the
//! client can decode all of it at once.

use flate2::{Compress, Compression, Decompress, FlushCompress, FlushDecompress, Status};
use std::io;

/// The compressor's window, as log2: small, since the decompressor on the client takes any.
const WINDOW_BITS: u8 = 12;
/// The most output compressed at a time.
pub(crate) const DEFLATE_PIECE: usize = 16 * 1024;
/// The most decompressed bytes one inflate gives, before the line guard sees them.
pub(crate) const INFLATE_CHUNK: usize = 4096;

pub(crate) struct Deflate {
    out: Compress,
    inflate: Decompress,
    /// Compressed bytes read, not inflated yet.
    input: Vec<u8>,
    /// The last inflate filled its buffer: it may hold more output, even without input.
    more: bool,
}

impl Deflate {
    pub(crate) fn new() -> Deflate {
        Deflate {
            out: Compress::new_with_window_bits(Compression::fast(), false, WINDOW_BITS),
            inflate: Decompress::new(false),
            input: Vec::new(),
            more: false,
        }
    }

    /// Compresses `plain` onto the end of `wire`; the `last` piece of a burst ends with a sync
    /// flush.
    pub(crate) fn compress(
        &mut self,
        plain: &[u8],
        wire: &mut Vec<u8>,
        last: bool,
    ) -> io::Result<()> {
        let flush = match last {
            true => FlushCompress::Sync,
            false => FlushCompress::None,
        };
        let mut consumed = 0;
        loop {
            wire.reserve(plain.len().saturating_sub(consumed) / 2 + 64);
            let before = self.out.total_in();
            let rest = plain.get(consumed..).unwrap_or_default();
            self.out
                .compress_vec(rest, wire, flush)
                .map_err(io::Error::other)?;
            consumed += usize::try_from(self.out.total_in() - before).unwrap_or(usize::MAX);
            // Done once everything is in and there was room to spare (the flush is complete).
            if consumed >= plain.len() && wire.len() < wire.capacity() {
                return Ok(());
            }
        }
    }

    /// Takes compressed bytes from the client.
    pub(crate) fn feed(&mut self, compressed: &[u8]) {
        self.input.extend_from_slice(compressed);
    }

    /// Whether [`Self::inflate`] may give bytes without more input.
    pub(crate) fn has_pending(&self) -> bool {
        !self.input.is_empty() || self.more
    }

    /// Up to [`INFLATE_CHUNK`] decompressed bytes; empty when more input is needed. A stream
    /// the client ends or corrupts is an error: nothing after it could be read.
    pub(crate) fn inflate(&mut self) -> io::Result<Vec<u8>> {
        let mut plain = Vec::with_capacity(INFLATE_CHUNK);
        let before = self.inflate.total_in();
        let status = self
            .inflate
            .decompress_vec(&self.input, &mut plain, FlushDecompress::None)
            .map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e))?;
        let used = usize::try_from(self.inflate.total_in() - before).unwrap_or(usize::MAX);
        self.input.drain(..used.min(self.input.len()));
        if status == Status::StreamEnd {
            return Err(io::Error::new(
                io::ErrorKind::InvalidData,
                "the client ended its compressed stream",
            ));
        }
        self.more = plain.len() == plain.capacity();
        if self.input.is_empty() && !self.more {
            // A connection that goes quiet keeps no buffer.
            self.input = Vec::new();
        }
        Ok(plain)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What a client would read: raw inflate of everything sent so far.
    fn client_inflate(inflate: &mut Decompress, wire: &[u8]) -> Vec<u8> {
        let mut plain = Vec::with_capacity(1 << 20);
        inflate
            .decompress_vec(wire, &mut plain, FlushDecompress::Sync)
            .unwrap();
        plain
    }

    fn client_deflate(deflate: &mut Compress, plain: &[u8]) -> Vec<u8> {
        let mut wire = Vec::with_capacity(plain.len() + 1024);
        deflate
            .compress_vec(plain, &mut wire, FlushCompress::Sync)
            .unwrap();
        wire
    }

    #[test]
    fn each_burst_is_readable_on_its_own() {
        let mut server = Deflate::new();
        let mut client = Decompress::new(false);
        for burst in [
            b"* OK first\r\n".to_vec(),
            b"* 1 FETCH (BODY[] {100000}\r\n".repeat(5000),
            b"a1 OK done\r\n".to_vec(),
        ] {
            let mut wire = Vec::new();
            let (head, tail) = burst.split_at(burst.len() / 2);
            server.compress(head, &mut wire, false).unwrap();
            server.compress(tail, &mut wire, true).unwrap();
            assert!(wire.ends_with(&[0, 0, 0xff, 0xff]), "sync flush marker");
            assert_eq!(client_inflate(&mut client, &wire), burst);
        }
    }

    #[test]
    fn input_is_inflated_in_bounded_chunks() {
        let mut server = Deflate::new();
        let mut client = Compress::new(Compression::best(), false);
        // A small input that expands a thousandfold.
        let plain = vec![b'a'; 1 << 20];
        let wire = client_deflate(&mut client, &plain);
        assert!(wire.len() < 4096);
        let mut got = Vec::new();
        for piece in wire.chunks(100) {
            server.feed(piece);
            while server.has_pending() {
                let chunk = server.inflate().unwrap();
                assert!(chunk.len() <= INFLATE_CHUNK);
                if chunk.is_empty() {
                    break;
                }
                got.extend(chunk);
            }
        }
        assert_eq!(got.len(), plain.len());
        assert!(got == plain);
    }

    #[test]
    fn garbage_is_an_error() {
        let mut server = Deflate::new();
        server.feed(&[0xff; 64]);
        assert!(server.inflate().is_err());
    }
}
