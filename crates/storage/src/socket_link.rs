//! The node link of the embedded (SQLite) mode: one server process, reached by operator
//! commands over a Unix domain socket in the data directory. One JSON envelope per line.

use std::io;
use std::os::unix::fs::{FileTypeExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::time::Duration;
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::{UnixListener, UnixStream};
use tokio::sync::mpsc;
use trekmail_core::cluster::{ClusterLink, Envelope, Inbound};
use trekmail_core::error::CoreError;
use trekmail_core::store::StoreError;

/// A command connection may send at most this much; it needs one short line.
const MAX_BYTES_PER_CONNECTION: u64 = 1024 * 1024;
/// A command connection silent this long is closed.
const READ_TIMEOUT: Duration = Duration::from_secs(30);
/// How long a command waits for the server to take its message.
const SEND_TIMEOUT: Duration = Duration::from_secs(5);

/// The listening server's side, or a command's.
#[derive(Debug, Clone)]
pub struct SocketLink {
    role: Role,
}

#[derive(Debug, Clone)]
enum Role {
    /// The server: the only node, so there is nobody to send to.
    Server,
    /// An operator command: tells the server at this path, if one runs.
    Client(PathBuf),
}

impl SocketLink {
    /// Listens on `path` for the server. A socket file left by a server that died is
    /// replaced; a live server on it, or a file that is not a socket, is an error. The socket
    /// is made private to this user. Listening stops, and the file goes, when the receiver is
    /// dropped.
    pub async fn listen(
        path: impl AsRef<Path>,
        capacity: usize,
    ) -> Result<(SocketLink, mpsc::Receiver<Inbound>), StoreError> {
        let path = path.as_ref().to_path_buf();
        let shown = path.display().to_string();
        remove_stale(&path).await?;
        let listener = UnixListener::bind(&path)
            .map_err(|e| StoreError::Backend(format!("cannot listen on {shown}: {e}")))?;
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600))
            .map_err(|e| StoreError::Backend(format!("cannot restrict {shown}: {e}")))?;
        let (tx, rx) = mpsc::channel(capacity.max(1));
        tokio::spawn(serve(listener, path, tx));
        Ok((SocketLink { role: Role::Server }, rx))
    }

    /// For a command run beside the server: each `send` connects, writes one line and closes.
    pub fn client(path: impl Into<PathBuf>) -> SocketLink {
        SocketLink {
            role: Role::Client(path.into()),
        }
    }
}

#[async_trait::async_trait]
impl ClusterLink for SocketLink {
    /// On a client, no server listening (no socket file, or nobody accepting) is `Ok`: there
    /// are no sessions to tell.
    async fn send(&self, envelope: &Envelope) -> Result<(), CoreError> {
        let path = match &self.role {
            Role::Server => return Ok(()),
            Role::Client(path) => path,
        };
        let mut line = serde_json::to_string(envelope)
            .map_err(|e| CoreError::Internal(format!("cannot encode a cluster message: {e}")))?;
        line.push('\n');
        let write = async {
            let mut stream = UnixStream::connect(path).await?;
            stream.write_all(line.as_bytes()).await?;
            stream.shutdown().await
        };
        match tokio::time::timeout(SEND_TIMEOUT, write).await {
            Ok(Ok(())) => Ok(()),
            Ok(Err(e)) if nobody_listening(&e) => Ok(()),
            Ok(Err(e)) => Err(CoreError::Internal(format!(
                "cannot reach the server at {}: {e}",
                path.display()
            ))),
            Err(_) => Err(CoreError::Internal(format!(
                "the server at {} did not take the message in time",
                path.display()
            ))),
        }
    }
}

fn nobody_listening(e: &io::Error) -> bool {
    matches!(
        e.kind(),
        io::ErrorKind::NotFound
            | io::ErrorKind::ConnectionRefused
            | io::ErrorKind::ConnectionReset
            | io::ErrorKind::BrokenPipe
    )
}

/// Removes a socket file nobody accepts on; refuses to touch a live one or a non-socket.
async fn remove_stale(path: &Path) -> Result<(), StoreError> {
    let shown = path.display();
    let meta = match tokio::fs::symlink_metadata(path).await {
        Ok(meta) => meta,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(StoreError::Backend(format!("cannot inspect {shown}: {e}"))),
    };
    if !meta.file_type().is_socket() {
        return Err(StoreError::Backend(format!(
            "{shown} exists and is not a socket; remove it or choose another path"
        )));
    }
    if UnixStream::connect(path).await.is_ok() {
        return Err(StoreError::Backend(format!(
            "another TrekMail server is already listening on {shown}"
        )));
    }
    match tokio::fs::remove_file(path).await {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(StoreError::Backend(format!(
            "cannot remove stale {shown}: {e}"
        ))),
    }
}

async fn serve(listener: UnixListener, path: PathBuf, tx: mpsc::Sender<Inbound>) {
    loop {
        let accepted = tokio::select! {
            _ = tx.closed() => break,
            accepted = listener.accept() => accepted,
        };
        match accepted {
            Ok((stream, _)) => {
                tokio::spawn(read_envelopes(stream, tx.clone()));
            }
            // Out of file descriptors and the like: wait rather than spin.
            Err(e) => {
                tracing::warn!(error = %e, "cannot accept a command connection");
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        }
    }
    drop(listener);
    let _ = std::fs::remove_file(&path);
}

/// Forwards each JSON line of one connection; malformed lines are logged and skipped.
async fn read_envelopes(stream: UnixStream, tx: mpsc::Sender<Inbound>) {
    let mut lines = BufReader::new(stream.take(MAX_BYTES_PER_CONNECTION)).lines();
    loop {
        let next = tokio::select! {
            _ = tx.closed() => return,
            next = tokio::time::timeout(READ_TIMEOUT, lines.next_line()) => next,
        };
        let line = match next {
            Ok(Ok(Some(line))) => line,
            Ok(Ok(None)) => return,
            Ok(Err(e)) => {
                tracing::warn!(error = %e, "command connection failed");
                return;
            }
            Err(_) => return,
        };
        if line.trim().is_empty() {
            continue;
        }
        match serde_json::from_str::<Envelope>(&line) {
            Ok(envelope) => {
                if tx.send(Inbound::Message(envelope)).await.is_err() {
                    return;
                }
            }
            Err(e) => tracing::warn!(error = %e, "ignoring a malformed command message"),
        }
    }
}
