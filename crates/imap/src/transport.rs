//! The byte stream under a connection, plain TCP or TLS, driving imap-next's protocol state:
//! its output is written before more input is read, and input is fed through the line guard so
//! an over-long line is refused before it is buffered. The connection code is the same over
//! both; STARTTLS swaps the stream underneath, and COMPRESS puts DEFLATE between the stream
//! and the line guard.

use crate::deflate::{DEFLATE_PIECE, Deflate};
use crate::limits::{InFlightBudget, LineGuard, LineTooLong};
use imap_next::server::{Error as ServerError, Event, Server};
use imap_next::{Interrupt, Io, State};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::sync::OwnedSemaphorePermit;
use trekmail_net::Stream;
use trekmail_net::Tls;

/// Bytes read at a time; on plain TCP they live on the stack only while a read completes, so an
/// idle connection holds no read buffer.
const READ_CHUNK: usize = 4096;

/// Why the stream could not give the next event.
#[derive(Debug, thiserror::Error)]
pub(crate) enum TransportError {
    /// A line the protocol state could not take: answer `BAD` and go on.
    #[error("bad input: {0}")]
    Input(ServerError),
    #[error(transparent)]
    LineTooLong(#[from] LineTooLong),
    #[error("the client closed the connection")]
    Closed,
    #[error(transparent)]
    Io(#[from] std::io::Error),
}

pub(crate) struct Transport {
    link: Stream,
    guard: LineGuard,
    /// Output handed over by the protocol state, not written yet.
    out: Vec<u8>,
    /// Where in `out` the last response handed over begins.
    last_response: usize,
    budget: InFlightBudget,
    /// The budget the literals of the command being read hold, and their bytes.
    held: Vec<OwnedSemaphorePermit>,
    held_bytes: u64,
    /// Bytes read and checked, waiting for budget before the protocol state takes them.
    pending: Option<Vec<u8>>,
    need: u64,
    /// After COMPRESS: both directions deflated.
    deflate: Option<Box<Deflate>>,
    /// Compressed output not written yet.
    wire: Vec<u8>,
    /// How much of `out` is in `wire` already.
    out_compressed: usize,
}

impl Transport {
    pub(crate) fn new(link: Stream, guard: LineGuard, budget: InFlightBudget) -> Transport {
        Transport {
            link,
            guard,
            out: Vec::new(),
            last_response: 0,
            budget,
            held: Vec::new(),
            held_bytes: 0,
            pending: None,
            need: 0,
            deflate: None,
            wire: Vec::new(),
            out_compressed: 0,
        }
    }

    /// The client signed in: the full line and literal limits apply from now on.
    pub(crate) fn signed_in(&mut self) {
        self.guard.signed_in();
    }

    pub(crate) fn is_tls(&self) -> bool {
        self.link.is_tls()
    }

    /// COMPRESS=DEFLATE (RFC 4978) from the next byte on, both ways: the caller has queued
    /// the command's tagged OK, which is written uncompressed.
    pub(crate) fn start_compression(&mut self) {
        // What a slow client has not taken yet of the OK still goes out as it is, first.
        self.wire.append(&mut self.out);
        self.deflate = Some(Box::new(Deflate::new()));
    }

    /// Adds `tail` to the end of the line just taken from the protocol state, before its
    /// CRLF: see `response_edits`.
    pub(crate) fn extend_line(&mut self, tail: &[u8]) {
        if self.out.ends_with(b"\r\n") {
            let at = self.out.len() - 2;
            self.out.splice(at..at, tail.iter().copied());
        }
    }

    /// Puts `text` after the first `marker` in the response just taken from the protocol
    /// state: see `response_edits`.
    pub(crate) fn insert_after(&mut self, marker: &[u8], text: &[u8]) {
        if self.last_response < self.out_compressed || self.last_response > self.out.len() {
            return;
        }
        let response = self.out.get(self.last_response..).unwrap_or_default();
        if let Some(at) = response.windows(marker.len()).position(|w| w == marker) {
            let at = self.last_response + at + marker.len();
            self.out.splice(at..at, text.iter().copied());
        }
    }

    /// Puts `response` in place of the response just taken from the protocol state: see
    /// `response_edits`. Nothing is written between the two, so it is all still in `out`.
    pub(crate) fn replace_response(&mut self, response: &[u8]) {
        if self.last_response >= self.out_compressed && self.last_response <= self.out.len() {
            self.out.truncate(self.last_response);
            self.out.extend_from_slice(response);
        }
    }

    /// STARTTLS (RFC 3501 §6.2.1): the handshake on the same socket. Anything the client sent
    /// after the command in plaintext is dropped with the old protocol state by the caller.
    pub(crate) async fn start_tls(self, acceptor: &Tls) -> Option<Transport> {
        let guard = LineGuard::new(self.guard.max_line(), self.guard.max_literal());
        let link = self.link.start_tls(acceptor).await?;
        Some(Transport::new(link, guard, self.budget))
    }

    /// Progresses `server` to its next event: writes what it has to say, reads when it needs
    /// more. Cancel-safe (it runs in a `select!`): output not written yet stays queued, a read
    /// either completes or takes nothing, and events are returned without awaiting.
    pub(crate) async fn next(&mut self, server: &mut Server) -> Result<Event, TransportError> {
        loop {
            match server.next() {
                // Queued output goes out on the next call or an explicit flush: awaiting
                // here could drop an event that was already taken from the state.
                Ok(event) => return Ok(event),
                Err(Interrupt::Error(e)) => return Err(TransportError::Input(e)),
                Err(Interrupt::Io(Io::Output(bytes))) => self.queue(&bytes),
                Err(Interrupt::Io(Io::NeedMoreInput)) => {
                    self.flush().await?;
                    self.read_into(server).await?;
                }
            }
        }
    }

    /// Writes the queued output (after COMPRESS, compressed piece by piece as one burst). Each
    /// written piece leaves the queue at once, so a cancelled flush resumes where it stopped.
    pub(crate) async fn flush(&mut self) -> Result<(), TransportError> {
        loop {
            if let Some(deflate) = &mut self.deflate
                && self.wire.is_empty()
                && self.out_compressed < self.out.len()
            {
                let end = self.out.len().min(self.out_compressed + DEFLATE_PIECE);
                let piece = self.out.get(self.out_compressed..end).unwrap_or_default();
                deflate.compress(piece, &mut self.wire, end == self.out.len())?;
                self.out_compressed = end;
                if end == self.out.len() {
                    self.out.clear();
                    self.out_compressed = 0;
                }
            }
            let pending = match self.deflate {
                Some(_) => &mut self.wire,
                None => &mut self.out,
            };
            if pending.is_empty() {
                if self.out.is_empty() {
                    break;
                }
                // A piece the compressor kept to itself: compress the next.
                continue;
            }
            let written = self.link.write(pending).await?;
            if written == 0 {
                return Err(TransportError::Closed);
            }
            pending.drain(..written);
        }
        // A large FETCH's buffers are not kept for the rest of an idle connection's life.
        for buffer in [&mut self.out, &mut self.wire] {
            if buffer.is_empty() && buffer.capacity() > READ_CHUNK {
                *buffer = Vec::new();
            }
        }
        // A no-op on plain TCP; TLS sends its buffered record.
        self.link.flush().await?;
        Ok(())
    }

    /// Reads, checks and hands the protocol state the next bytes; a literal they announce
    /// first waits for its share of the in-flight budget (the client waits with it).
    /// Cancel-safe: bytes read are kept until they are handed over.
    async fn read_into(&mut self, server: &mut Server) -> Result<(), TransportError> {
        if self.pending.is_none() {
            let chunk = self.read_chunk().await?;
            self.guard.check(&chunk)?;
            let (announced, ended) = self.guard.take_progress();
            if ended {
                self.held.clear();
                self.held_bytes = 0;
            }
            self.need = self.need.saturating_add(announced);
            self.pending = Some(chunk);
        }
        if self.need > 0 {
            if let Some(permit) = self.budget.reserve(self.held_bytes, self.need).await {
                self.held.push(permit);
            }
            self.held_bytes = self.held_bytes.saturating_add(self.need);
            self.need = 0;
        }
        if let Some(chunk) = self.pending.take() {
            server.enqueue_input(&chunk);
        }
        Ok(())
    }

    /// The client's next bytes, inflated after COMPRESS. Cancel-safe: compressed bytes read
    /// are kept until they are inflated.
    async fn read_chunk(&mut self) -> Result<Vec<u8>, TransportError> {
        loop {
            if let Some(deflate) = &mut self.deflate
                && deflate.has_pending()
            {
                let plain = deflate.inflate()?;
                if !plain.is_empty() {
                    return Ok(plain);
                }
            }
            let raw = self.read_raw().await?;
            match &mut self.deflate {
                Some(deflate) => deflate.feed(&raw),
                None => return Ok(raw),
            }
        }
    }

    async fn read_raw(&mut self) -> Result<Vec<u8>, TransportError> {
        match &mut self.link {
            Stream::Plain(tcp) => loop {
                tcp.readable().await?;
                let mut chunk = [0u8; READ_CHUNK];
                match tcp.try_read(&mut chunk) {
                    Ok(0) => return Err(TransportError::Closed),
                    Ok(n) => return Ok(chunk.get(..n).unwrap_or_default().to_vec()),
                    Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => continue,
                    Err(e) => return Err(e.into()),
                }
            },
            Stream::Tls(tls) => {
                let mut chunk = vec![0u8; READ_CHUNK];
                let n = tls.read(&mut chunk).await?;
                if n == 0 {
                    return Err(TransportError::Closed);
                }
                chunk.truncate(n);
                Ok(chunk)
            }
        }
    }

    /// Queues bytes to write on the next flush: output taken from the protocol state directly,
    /// or a refusal written outside it.
    pub(crate) fn queue(&mut self, bytes: &[u8]) {
        self.last_response = self.out.len();
        self.out.extend_from_slice(bytes);
    }

    /// Closes the stream with a moment's linger, so the `* BYE` is read before a reset.
    pub(crate) async fn close(&mut self) {
        self.link.close().await;
    }
}
