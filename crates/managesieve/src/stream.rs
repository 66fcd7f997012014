//! The byte stream under a connection (`trekmail_net::Stream`), which a failed STARTTLS
//! handshake leaves gone: the connection code keeps one place for it either way.

use std::io;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use trekmail_net::Stream;
use trekmail_net::Tls;

/// `None` once a TLS handshake failed: nothing more to say or hear.
pub(crate) struct Link(Option<Stream>);

impl Link {
    pub(crate) fn new(stream: Stream) -> Link {
        Link(Some(stream))
    }

    pub(crate) fn is_tls(&self) -> bool {
        self.0.as_ref().is_some_and(Stream::is_tls)
    }

    /// Reads what has come, `Ok(0)` at the end. Cancel-safe: a read either completes or takes
    /// nothing.
    pub(crate) async fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        match &mut self.0 {
            Some(stream) => stream.read(buf).await,
            None => Ok(0),
        }
    }

    pub(crate) async fn write(&mut self, bytes: &[u8]) -> io::Result<()> {
        let Some(stream) = &mut self.0 else {
            return Err(io::ErrorKind::NotConnected.into());
        };
        stream.write_all(bytes).await?;
        stream.flush().await
    }

    /// STARTTLS on the same socket; false (and the link gone) if it fails.
    pub(crate) async fn start_tls(&mut self, acceptor: &Tls) -> bool {
        let Some(stream) = self.0.take() else {
            return false;
        };
        self.0 = stream.start_tls(acceptor).await;
        self.0.is_some()
    }

    /// Closes with a moment's linger, for the closing response to be read.
    pub(crate) async fn close(&mut self) {
        if let Some(stream) = &mut self.0 {
            stream.close().await;
        }
    }
}
