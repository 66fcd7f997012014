//! The entry point `cargo fuzz` drives (crates/smtp/fuzz, feature `fuzzing`): the command and
//! DATA path without a network or a database. Client bytes are framed into lines as a
//! connection reads them (through a small buffer, so lines and chunks cross its edges) and
//! parsed as commands; DATA and BDAT read the message that follows into a spool, with the line
//! rules, as a session does; a whole message goes through the header-sender check and a
//! bounce's quoting; AUTH's initial response through SASL PLAIN. The rules behind the database
//! are driven over TCP by the binary's bad-input tests.

use crate::bdat::{self, Chunks};
use crate::data::{self, Data};
use crate::dsn::{self, Failure};
use crate::parser::{self, Line, MAX_COMMAND_LINE};
use crate::spool::Spool;
use crate::submission;
use smtp_proto::Request;
use std::path::PathBuf;
use std::sync::OnceLock;
use std::time::Duration;
use tokio::io::BufReader;
use tokio::runtime::Runtime;

/// Commands taken per input: bounds the work of one input.
const MAX_COMMANDS: usize = 1_000;
/// The size limit, as `max_message_mb` would set it.
const MAX_MESSAGE: usize = 64 * 1024;
/// Reads from memory never wait; a bound all the same.
const TIMEOUT: Duration = Duration::from_secs(1);

/// Runs `data` through the command and DATA path; it must never panic.
pub fn command_path(data: &[u8]) {
    static RUNTIME: OnceLock<Option<Runtime>> = OnceLock::new();
    let runtime = RUNTIME.get_or_init(|| {
        tokio::runtime::Builder::new_current_thread()
            .enable_time()
            .build()
            .ok()
    });
    if let Some(runtime) = runtime {
        runtime.block_on(session(data));
    }
}

async fn session(input: &[u8]) {
    let spool_dir: PathBuf = std::env::temp_dir().join("trekmail-smtp-fuzz");
    let mut reader = BufReader::with_capacity(64, input);
    let mut buf = Vec::new();
    let mut chunks: Option<Chunks> = None;
    for _ in 0..MAX_COMMANDS {
        let line = match parser::read_line(&mut reader, MAX_COMMAND_LINE, &mut buf).await {
            Ok(Line::Text(line)) => line,
            Ok(Line::BareLf | Line::BareCr | Line::TooLong) => continue,
            Ok(Line::Closed) | Err(_) => return,
        };
        match parser::parse(&line) {
            Ok(Request::Data) => {
                let Ok(mut spool) = Spool::create(&spool_dir).await else {
                    return;
                };
                match data::read(&mut reader, &mut spool, MAX_MESSAGE, TIMEOUT).await {
                    Data::Message => message(spool).await,
                    Data::Gone => return,
                    _ => {}
                }
            }
            Ok(Request::Bdat {
                chunk_size,
                is_last,
            }) => {
                let mut taken = match chunks.take() {
                    Some(taken) => taken,
                    None => Chunks::new(&spool_dir).await,
                };
                let keep = taken.len.saturating_add(chunk_size) <= MAX_MESSAGE;
                let into = keep.then_some(&mut taken);
                if bdat::read_chunk(&mut reader, chunk_size, into, TIMEOUT)
                    .await
                    .is_err()
                {
                    return;
                }
                match (is_last, taken.rules.finish(), taken.spool.take()) {
                    (false, _, spool) if keep => {
                        taken.spool = spool;
                        chunks = Some(taken);
                    }
                    (true, None, Some(spool)) if keep => message(spool).await,
                    _ => {}
                }
            }
            Ok(Request::Auth {
                initial_response, ..
            }) => {
                if let Ok(bytes) = data_encoding::BASE64.decode(initial_response.as_bytes()) {
                    let _ = trekmail_net::sasl_plain(&bytes);
                }
            }
            _ => {}
        }
    }
}

/// What a whole message meets before delivery: the header-sender check, and a bounce.
async fn message(spool: Spool) {
    let mut message = Vec::new();
    if spool.read_into(&mut message).await.is_err() {
        return;
    }
    let _ = submission::header_senders(dsn::headers_of(&message));
    let now = chrono::DateTime::UNIX_EPOCH;
    let failure = Failure {
        hostname: "fuzz.example",
        sender: "ann@example.com",
        recipient: "bob@far.example",
        diagnostic: "550 5.1.1 no such user",
        queued_at: now,
        now,
        token: "fuzz",
    };
    let _ = dsn::bounce(&failure, &message);
}
