//! The entry point `cargo fuzz` drives (crates/imap/fuzz, feature `fuzzing`): the part of the
//! command path that needs no database. Client bytes go through the line guard into imap-next's
//! protocol state as a connection feeds them (a refused one read again by `refused`);
//! every command is answered so the state moves on
//! (AUTHENTICATE and IDLE included), and a FETCH is served over a message made of the same
//! bytes: the MIME tree, BODY/BODYSTRUCTURE, ENVELOPE and every section it names, decoded
//! for BINARY too. The server logic behind the database is fuzzed over TCP by the binary's
//! bad-input test.

use crate::commands::binary::binary_bytes;
use crate::commands::bodystructure::body_structure;
use crate::commands::envelope::envelope;
use crate::commands::sections::section_bytes;
use crate::limits::LineGuard;
use crate::{mime, responses as r};
use imap_codec::imap_types::command::CommandBody;
use imap_codec::imap_types::fetch::{MacroOrMessageDataItemNames, MessageDataItemName};
use imap_codec::imap_types::response::Greeting;
use imap_next::server::{Event, Options, Server};
use imap_next::{Interrupt, Io, State};

/// Steps the protocol state may take per chunk: bounds the work of one input.
const MAX_STEPS: usize = 10_000;

/// Runs `data` through the command path; it must never panic.
pub fn command_path(data: &[u8]) {
    let mut guard = LineGuard::new(1024, 4096);
    let mut options = Options::default();
    options.max_literal_size = 4096;
    options.max_command_size = 8192;
    let Ok(greeting) = Greeting::ok(None, "fuzz") else {
        return;
    };
    let mut server = Server::new(options, greeting);
    // Two chunks, split where the first byte says, as reads would deliver them.
    let split = usize::from(data.first().copied().unwrap_or(0)).min(data.len());
    let (first, second) = data.split_at(split);
    for chunk in [first, second] {
        if guard.check(chunk).is_err() {
            return;
        }
        server.enqueue_input(chunk);
        for _ in 0..MAX_STEPS {
            match server.next() {
                Ok(Event::CommandReceived { command }) => {
                    serve_fetch(&command.body, data);
                    server.enqueue_status(r::ok(Some(command.tag), None, "done"));
                }
                Ok(Event::CommandAuthenticateReceived { .. }) => {
                    let _ = server.authenticate_continue(r::empty_challenge());
                }
                Ok(Event::AuthenticateDataReceived { .. }) => {
                    let _ = server.authenticate_finish(r::ok(None, None, "done"));
                }
                Ok(Event::IdleCommandReceived { .. }) => {
                    let _ = server.idle_accept(r::continuation("idling"));
                }
                // A refused command is read again (LIST-EXTENDED, ESEARCH, MULTIAPPEND), as a
                // connection does.
                Err(Interrupt::Error(e)) => drop(crate::refused::read(e)),
                Ok(_) | Err(Interrupt::Io(Io::Output(_))) => {}
                Err(Interrupt::Io(Io::NeedMoreInput)) => break,
            }
        }
    }
}

fn serve_fetch(body: &CommandBody<'_>, message: &[u8]) {
    let CommandBody::Fetch {
        macro_or_item_names: MacroOrMessageDataItemNames::MessageDataItemNames(names),
        ..
    } = body
    else {
        return;
    };
    for name in names {
        match name {
            MessageDataItemName::BodyExt { section, .. } => {
                let _ = section_bytes(section.as_ref(), message);
            }
            MessageDataItemName::Body | MessageDataItemName::BodyStructure => {
                let _ = body_structure(&mime::parse(message), true);
            }
            MessageDataItemName::Envelope => {
                let _ = envelope(message);
            }
            MessageDataItemName::Binary { section, .. }
            | MessageDataItemName::BinarySize { section } => {
                let _ = binary_bytes(section, message);
            }
            _ => {}
        }
    }
}
