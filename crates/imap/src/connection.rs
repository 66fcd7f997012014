//! One IMAP connection: its state (not signed in, signed in, a folder selected) and the loop
//! that answers commands, watches its live session and its mailbox, and says `* BYE` when the
//! session is ended, the server stops or the client idles too long.

use crate::limits::{BYE_TIMEOUT, FloodMeter, LineTooLong, MAX_BAD_IN_A_ROW, max_command};
use crate::listener::ImapServer;
use crate::refused::{self, Command as RefusedCommand, Refused};
use crate::response_edits::Edits;
use crate::responses as r;
use crate::selection::Selected;
use crate::transport::{Transport, TransportError};
use imap_codec::imap_types::auth::{AuthMechanism, AuthenticateData};
use imap_codec::imap_types::command::{Command, CommandBody};
use imap_codec::imap_types::core::Tag;
use imap_codec::imap_types::response::{Code, Greeting, Status};
use imap_next::server::{Event, Options, Server};
use imap_next::types::CommandAuthenticate;
use imap_next::{Interrupt, Io, State};
use std::net::SocketAddr;
use std::sync::Arc;
use tokio::sync::broadcast;
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;
use trekmail_core::access::MailboxAccess;
use trekmail_core::audit::Channel;
use trekmail_core::mail::{Heard, MailChange};
use trekmail_core::sessions::LiveSession;
use trekmail_core::{Core, CoreError};

/// A signed-in connection: its registered session and what it watches.
pub(crate) struct SignedIn {
    session: LiveSession,
    /// The signed-in mailbox, as the registry let it in.
    pub(crate) access: MailboxAccess,
    watch: broadcast::Receiver<MailChange>,
    pub(crate) selected: Option<Selected>,
    /// A change to the selected folder was heard (at this mark) and is not in its view yet.
    pub(crate) stale: Option<Heard>,
    /// CONDSTORE is on (RFC 7162 §3.1): untagged FETCHes carry MODSEQ.
    pub(crate) condstore: bool,
    /// QRESYNC is on (RFC 7162 §3.2): expunges are told as VANISHED.
    pub(crate) qresync: bool,
}

const SESSION_ENDED: &str =
    "Session ended: the mailbox's password changed or an administrator ended it";

enum Signal {
    SessionEnded,
    Mail(Result<MailChange, broadcast::error::RecvError>),
}

/// Why the loop stopped.
enum Ending {
    /// Close after this `* BYE`.
    Bye(&'static str),
    /// LOGOUT: its BYE and tagged OK are queued already.
    LoggedOut,
    /// The client went away.
    Gone,
    /// STARTTLS: its tagged OK is queued; the handshake follows.
    StartTls,
    /// COMPRESS: its tagged OK is queued; compression starts after it.
    Compress,
}

pub(crate) struct Connection {
    pub(crate) core: Arc<Core>,
    pub(crate) service: Arc<ImapServer>,
    peer: SocketAddr,
    /// Over TLS, implicit or after STARTTLS.
    tls: bool,
    /// After COMPRESS=DEFLATE.
    compressed: bool,
    /// Responses imap-codec cannot encode, edited in as they are written.
    pub(crate) edits: Edits,
    pub(crate) server: Server,
    pub(crate) signed_in: Option<SignedIn>,
    authenticate_tag: Option<Tag<'static>>,
    idle_tag: Option<Tag<'static>>,
    bad_in_a_row: u32,
    flood: FloodMeter,
    /// When the client last sent a command: the autologout timer runs from here.
    last_command: Instant,
    /// When the connection was accepted: the sign-in timer runs from here.
    connected: Instant,
}

/// Refuses a connection over the limit with `* BYE`.
pub(crate) async fn refuse(mut transport: Transport) {
    let bye = b"* BYE Too many connections, try again later\r\n";
    transport.queue(bye);
    let _ = tokio::time::timeout(BYE_TIMEOUT, transport.flush()).await;
    transport.close().await;
}

pub(crate) async fn run(
    transport: Transport,
    peer: SocketAddr,
    service: Arc<ImapServer>,
    shutdown: CancellationToken,
) {
    let mut transport = transport;
    let tls = transport.is_tls();
    // The greeting names the capabilities, so clients need not ask (RFC 3501 §7.1).
    let capabilities = r::capability_list(
        service.options.plaintext_auth.allows(tls, peer.ip()),
        !tls && service.tls.is_some(),
    );
    let mut conn = Connection {
        core: service.core.clone(),
        tls,
        compressed: false,
        edits: Edits::default(),
        server: protocol_state(&service, Some(Code::Capability(capabilities))),
        service,
        peer,
        signed_in: None,
        authenticate_tag: None,
        idle_tag: None,
        bad_in_a_row: 0,
        flood: FloodMeter::new(),
        last_command: Instant::now(),
        connected: Instant::now(),
    };
    loop {
        match conn.serve(&mut transport, &shutdown).await {
            Ending::Bye(text) => {
                let handle = conn.server.enqueue_status(r::bye(text));
                conn.flush_until_sent(&mut transport, Some(handle)).await;
            }
            Ending::LoggedOut => conn.flush_until_sent(&mut transport, None).await,
            Ending::Gone => {}
            Ending::StartTls => {
                conn.flush_until_sent(&mut transport, None).await;
                let Some(acceptor) = conn.service.tls.clone() else {
                    return;
                };
                match transport.start_tls(&acceptor).await {
                    Some(upgraded) => {
                        transport = upgraded;
                        // Plaintext sent after the command is dropped with the old state.
                        conn.server = protocol_state(&conn.service, None);
                        conn.tls = true;
                        continue;
                    }
                    None => return,
                }
            }
            Ending::Compress => {
                conn.flush_until_sent(&mut transport, None).await;
                transport.start_compression();
                conn.compressed = true;
                continue;
            }
        }
        // The live session is let go as soon as the BYE is out: whoever ended it waits for
        // that, not for the client to hang up.
        conn.signed_in = None;
        transport.close().await;
        return;
    }
}

/// A fresh protocol state, its greeting carrying `greeting_code`. Without one it is the state
/// after STARTTLS, where there is no second greeting: the new state's is taken out unsent.
fn protocol_state(service: &ImapServer, greeting_code: Option<Code<'static>>) -> Server {
    let mut options = Options::default();
    options.max_literal_size = service.options.max_literal;
    options.max_command_size = max_command(service.options.max_line, service.options.max_literal);
    let greet = greeting_code.is_some();
    let greeting = Greeting::ok(greeting_code, "TrekMail IMAP ready")
        .unwrap_or_else(|_| Greeting::ok(None, "ready").unwrap_or_else(|_| unreachable_greeting()));
    let mut server = Server::new(options, greeting);
    if !greet {
        // The greeting's bytes, then its GreetingSent event; nothing else is queued yet.
        while let Err(Interrupt::Io(Io::Output(_))) = server.next() {}
    }
    server
}

fn unreachable_greeting() -> Greeting<'static> {
    Greeting {
        kind: imap_codec::imap_types::response::GreetingKind::Ok,
        code: None,
        text: imap_codec::imap_types::core::Text::unvalidated("ready"),
    }
}

impl Connection {
    async fn serve(&mut self, transport: &mut Transport, shutdown: &CancellationToken) -> Ending {
        loop {
            // Before sign-in the clock runs from the connection's start, and for less long.
            let autologout = match self.signed_in {
                Some(_) => self.last_command + self.service.options.idle_timeout,
                None => self.connected + self.service.options.pre_auth_timeout,
            };
            // In this order: an ended session or a stopping server wins over input the client
            // has already pipelined, so no command runs after the ending.
            let ending = tokio::select! {
                biased;
                () = shutdown.cancelled() => Some(Ending::Bye("TrekMail is shutting down")),
                signal = signal(&mut self.signed_in) => match signal {
                    Signal::SessionEnded => Some(Ending::Bye(SESSION_ENDED)),
                    Signal::Mail(change) => {
                        self.on_mail_change(change).await;
                        None
                    }
                },
                () = tokio::time::sleep_until(autologout) => Some(Ending::Bye(
                    match self.signed_in {
                        Some(_) => "Autologout: idle for too long",
                        None => "Sign in sooner: closing",
                    },
                )),
                event = transport.next(&mut self.server) => match event {
                    Ok(event) => {
                        if let Event::ResponseSent { handle, .. } = &event {
                            self.edits.write(*handle, transport);
                        }
                        let ending = self.on_event(event, transport).await;
                        if self.signed_in.is_some() {
                            transport.signed_in();
                        }
                        ending
                    }
                    Err(TransportError::Input(e)) => match refused::read(e) {
                        Ok(refused) => self.on_refused(refused).await,
                        Err(e) => self.on_bad_input(e),
                    },
                    Err(TransportError::LineTooLong(e)) => {
                        tracing::debug!(peer = %self.peer, error = %e, "IMAP input too long");
                        Some(Ending::Bye(match e {
                            LineTooLong::Line(_) => "Command line too long",
                            LineTooLong::BeforeSignIn(_) => "Command too long before sign-in",
                        }))
                    }
                    Err(TransportError::Closed | TransportError::Io(_)) => Some(Ending::Gone),
                },
            };
            if let Some(ending) = ending {
                return ending;
            }
        }
    }

    async fn on_event(&mut self, event: Event, transport: &mut Transport) -> Option<Ending> {
        match event {
            Event::GreetingSent { .. } | Event::ResponseSent { .. } => None,
            Event::CommandReceived { .. } | Event::IdleCommandReceived { .. }
                if self.session_ended() =>
            {
                Some(Ending::Bye(SESSION_ENDED))
            }
            Event::CommandReceived { command } => {
                self.bad_in_a_row = 0;
                self.last_command = Instant::now();
                if self.flood.flooding() {
                    return Some(Ending::Bye("Too many commands"));
                }
                self.on_command(command, transport).await
            }
            Event::CommandAuthenticateReceived {
                command_authenticate,
            } => {
                self.on_authenticate(command_authenticate).await;
                None
            }
            Event::AuthenticateDataReceived { authenticate_data } => {
                self.on_authenticate_data(authenticate_data).await;
                None
            }
            Event::IdleCommandReceived { tag } => {
                self.last_command = Instant::now();
                if self.signed_in.is_some() {
                    if self.server.idle_accept(r::continuation("idling")).is_ok() {
                        self.idle_tag = Some(tag);
                        self.refresh(true).await;
                    }
                } else {
                    let _ = self.server.idle_reject(r::bad(Some(tag), "Sign in first"));
                }
                None
            }
            Event::IdleDoneReceived => {
                self.last_command = Instant::now();
                if let Some(tag) = self.idle_tag.take() {
                    self.server
                        .enqueue_status(r::ok(Some(tag), None, "IDLE terminated"));
                }
                None
            }
        }
    }

    /// A command imap-codec refused and `refused` read: run like any other command.
    async fn on_refused(&mut self, refused: Refused) -> Option<Ending> {
        if self.session_ended() {
            return Some(Ending::Bye(SESSION_ENDED));
        }
        self.bad_in_a_row = 0;
        self.last_command = Instant::now();
        if self.flood.flooding() {
            return Some(Ending::Bye("Too many commands"));
        }
        let Refused {
            tag,
            command,
            bytes,
        } = refused;
        let tag = Tag::try_from(tag).ok();
        match (tag, command) {
            (tag, Err(reason)) => {
                self.server.enqueue_status(r::bad(tag, reason));
            }
            (None, Ok(_)) => {
                self.server.enqueue_status(r::bad(None, "Bad tag"));
            }
            (Some(tag), Ok(RefusedCommand::List(command))) => {
                self.list_extended(tag, command).await
            }
            (Some(tag), Ok(_)) if self.signed_in.is_none() => {
                self.server
                    .enqueue_status(r::bad(Some(tag), "Sign in first"));
            }
            (Some(tag), Ok(RefusedCommand::Search(search))) => {
                self.extended_search(tag, search).await
            }
            (Some(tag), Ok(RefusedCommand::Append(append))) => {
                self.multi_append(tag, append, bytes.declassify()).await
            }
        }
        None
    }

    /// A line that does not parse: `BAD`, tagged when its tag can be read, and the connection
    /// goes on; a client that sends nothing else is let go.
    fn on_bad_input(&mut self, error: imap_next::server::Error) -> Option<Ending> {
        self.bad_in_a_row += 1;
        self.last_command = Instant::now();
        if self.bad_in_a_row > MAX_BAD_IN_A_ROW {
            return Some(Ending::Bye("Too many bad commands"));
        }
        use imap_next::server::Error as E;
        let (discarded, text) = match &error {
            E::ExpectedCrlfGotLf { discarded_bytes } => (discarded_bytes, "Lines end in CRLF"),
            E::MalformedMessage { discarded_bytes } => {
                (discarded_bytes, "Could not parse the command")
            }
            E::LiteralTooLong { discarded_bytes } => (discarded_bytes, "Literal too long"),
            E::CommandTooLong { discarded_bytes } => (discarded_bytes, "Command too long"),
        };
        tracing::debug!(peer = %self.peer, %error, "bad IMAP input");
        let tag = tag_of(discarded.declassify());
        self.server.enqueue_status(r::bad(tag, text));
        None
    }

    async fn on_command(
        &mut self,
        command: Command<'static>,
        transport: &mut Transport,
    ) -> Option<Ending> {
        let tag = command.tag;
        match command.body {
            CommandBody::Capability => {
                let caps = r::capabilities(self.login_allowed(), self.starttls_offered());
                self.server.enqueue_data(caps);
                self.done(tag, "CAPABILITY completed");
            }
            CommandBody::StartTLS => {
                if !self.starttls_offered() || self.signed_in.is_some() {
                    self.server
                        .enqueue_status(r::bad(Some(tag), "STARTTLS is not available now"));
                } else {
                    self.done(tag, "Begin TLS negotiation now");
                    return Some(Ending::StartTls);
                }
            }
            CommandBody::Noop => {
                self.refresh(true).await;
                self.done(tag, "NOOP completed");
            }
            CommandBody::Logout => {
                self.server.enqueue_status(r::bye("TrekMail logging out"));
                self.done(tag, "LOGOUT completed");
                return Some(Ending::LoggedOut);
            }
            CommandBody::Login { username, password } => {
                let login = String::from_utf8_lossy(username.as_ref()).into_owned();
                let secret = String::from_utf8_lossy(password.declassify().as_ref()).into_owned();
                let status = self.sign_in(tag, &login, &secret).await;
                self.server.enqueue_status(status);
            }
            CommandBody::Select {
                mailbox,
                parameters,
            } => self.select(tag, &mailbox, &parameters, false).await,
            CommandBody::Examine {
                mailbox,
                parameters,
            } => self.select(tag, &mailbox, &parameters, true).await,
            CommandBody::List {
                reference,
                mailbox_wildcard,
            } => self.list(tag, &reference, &mailbox_wildcard, false).await,
            CommandBody::Lsub {
                reference,
                mailbox_wildcard,
            } => self.list(tag, &reference, &mailbox_wildcard, true).await,
            CommandBody::Id { parameters } => self.id(tag, parameters.as_deref().unwrap_or(&[])),
            CommandBody::Compress { .. } => return self.compress(tag),
            CommandBody::Close => self.close(tag, true).await,
            CommandBody::Unselect => self.close(tag, false).await,
            body if self.signed_in.is_some() => self.on_mail_command(tag, body, transport).await,
            _ => {
                let status = match self.signed_in {
                    None => r::bad(Some(tag), "Sign in first"),
                    Some(_) => r::bad(Some(tag), "Command not supported by this server yet"),
                };
                self.server.enqueue_status(status);
            }
        }
        None
    }

    /// COMPRESS=DEFLATE (RFC 4978), once, after sign-in.
    fn compress(&mut self, tag: Tag<'static>) -> Option<Ending> {
        if self.signed_in.is_none() {
            self.server
                .enqueue_status(r::bad(Some(tag), "Sign in first"));
            return None;
        }
        if self.compressed {
            let active = r::no(
                Some(tag),
                Some(Code::CompressionActive),
                "Already compressed",
            );
            self.server.enqueue_status(active);
            return None;
        }
        self.done(tag, "DEFLATE active");
        Some(Ending::Compress)
    }

    /// Whether this connection's session was ended since the last look: checked again right
    /// before a command runs, since one read may bring several pipelined commands.
    fn session_ended(&self) -> bool {
        self.signed_in
            .as_ref()
            .is_some_and(|s| s.session.is_ended())
    }

    pub(crate) fn done(&mut self, tag: Tag<'static>, text: &str) {
        self.server.enqueue_status(r::ok(Some(tag), None, text));
    }

    fn login_allowed(&self) -> bool {
        let plaintext = self.service.options.plaintext_auth;
        plaintext.allows(self.tls, self.peer.ip())
    }

    fn starttls_offered(&self) -> bool {
        !self.tls && self.service.tls.is_some()
    }

    async fn sign_in(&mut self, tag: Tag<'static>, login: &str, secret: &str) -> Status<'static> {
        if self.signed_in.is_some() {
            return r::bad(Some(tag), "Already signed in");
        }
        if !self.login_allowed() {
            return r::no(
                Some(tag),
                Some(r::code("PRIVACYREQUIRED")),
                "Sign-in needs TLS",
            );
        }
        let ip = Some(self.peer.ip());
        let core = self.core.clone();
        let auth = match core
            .door()
            .password_and_code(Channel::Imap, login, secret, ip)
            .await
        {
            Ok(auth) => auth,
            Err(_) => return failed(tag),
        };
        let session = match core
            .registry()
            .open_connection(&auth, Channel::Imap, ip)
            .await
        {
            Ok(session) => session,
            Err(_) => return failed(tag),
        };
        let Some(access) = session.mailbox_access() else {
            return failed(tag);
        };
        self.signed_in = Some(SignedIn {
            session,
            access,
            watch: core.watch_mail(&access),
            selected: None,
            stale: None,
            condstore: false,
            qresync: false,
        });
        r::ok(Some(tag), None, "Signed in")
    }

    async fn on_authenticate(&mut self, command: CommandAuthenticate) {
        if command.mechanism != AuthMechanism::Plain || self.signed_in.is_some() {
            let status = r::no(Some(command.tag), None, "Only AUTHENTICATE PLAIN, once");
            let _ = self.server.authenticate_finish(status);
            return;
        }
        match command.initial_response {
            Some(response) => {
                let status = self.plain(command.tag, response.declassify()).await;
                let _ = self.server.authenticate_finish(status);
            }
            None => {
                self.authenticate_tag = Some(command.tag);
                let _ = self.server.authenticate_continue(r::empty_challenge());
            }
        }
    }

    async fn on_authenticate_data(&mut self, data: AuthenticateData<'static>) {
        let Some(tag) = self.authenticate_tag.take() else {
            return;
        };
        let status = match data {
            AuthenticateData::Continue(message) => self.plain(tag, message.declassify()).await,
            AuthenticateData::Cancel => r::bad(Some(tag), "AUTHENTICATE cancelled"),
        };
        let _ = self.server.authenticate_finish(status);
    }

    async fn plain(&mut self, tag: Tag<'static>, message: &[u8]) -> Status<'static> {
        match trekmail_net::sasl_plain(message) {
            Some((login, secret)) => self.sign_in(tag, &login, &secret).await,
            None => failed(tag),
        }
    }

    async fn on_mail_change(&mut self, change: Result<MailChange, broadcast::error::RecvError>) {
        let Some(signed_in) = self.signed_in.as_mut() else {
            return;
        };
        let Some(selected) = &signed_in.selected else {
            return;
        };
        let relevant = match change {
            Ok(change) => change.folder == Some(selected.folder.id),
            // Fell behind: re-read to be safe.
            Err(_) => true,
        };
        if relevant {
            signed_in.stale = Some(self.core.mail_heard());
            if self.idle_tag.is_some() {
                self.refresh(true).await;
            }
        }
    }

    /// Writes the responses queued up to `handle` now, without reading input: a long FETCH
    /// holds one message's bodies at a time. False if the client is gone.
    pub(crate) async fn send_now(
        &mut self,
        transport: &mut Transport,
        handle: imap_next::server::ResponseHandle,
    ) -> bool {
        // Sending comes before reading in the protocol state, so no input event is taken
        // before `handle` is out.
        loop {
            match self.server.next() {
                Err(Interrupt::Io(Io::Output(bytes))) => transport.queue(&bytes),
                Ok(Event::ResponseSent { handle: sent, .. }) => {
                    self.edits.write(sent, transport);
                    if sent == handle {
                        break;
                    }
                }
                Ok(_) | Err(_) => break,
            }
        }
        transport.flush().await.is_ok()
    }

    /// Writes what is queued up to `handle` (or the next tagged status), without reading on:
    /// the connection is ending or changing its stream.
    async fn flush_until_sent(
        &mut self,
        transport: &mut Transport,
        handle: Option<imap_next::server::ResponseHandle>,
    ) {
        let _ = tokio::time::timeout(BYE_TIMEOUT, async {
            loop {
                match self.server.next() {
                    Err(Interrupt::Io(Io::Output(bytes))) => transport.queue(&bytes),
                    Ok(Event::ResponseSent {
                        handle: sent,
                        response,
                    }) => {
                        self.edits.write(sent, transport);
                        let last = match handle {
                            Some(handle) => sent == handle,
                            None => matches!(
                                response,
                                imap_codec::imap_types::response::Response::Status(Status::Tagged(
                                    _
                                ))
                            ),
                        };
                        if last {
                            break;
                        }
                    }
                    // Input events are of no interest any more; nothing left to send.
                    Ok(_) => {}
                    Err(_) => break,
                }
            }
            let _ = transport.flush().await;
        })
        .await;
    }
}

async fn signal(signed_in: &mut Option<SignedIn>) -> Signal {
    match signed_in {
        None => std::future::pending().await,
        Some(s) => tokio::select! {
            () = s.session.ended() => Signal::SessionEnded,
            change = s.watch.recv() => Signal::Mail(change),
        },
    }
}

fn failed(tag: Tag<'static>) -> Status<'static> {
    r::no(
        Some(tag),
        Some(r::code("AUTHENTICATIONFAILED")),
        "Authentication failed",
    )
}

pub(crate) fn failure(tag: Tag<'static>, e: &CoreError, not_found: &str) -> Status<'static> {
    match e {
        CoreError::NotFound => r::no(Some(tag), Some(r::code("NONEXISTENT")), not_found),
        _ => {
            tracing::error!(error = %e, "IMAP command failed");
            r::no(
                Some(tag),
                Some(r::code("SERVERBUG")),
                "Internal error; try again",
            )
        }
    }
}

/// The tag at the start of a line that did not parse, if it is a valid one.
fn tag_of(line: &[u8]) -> Option<Tag<'static>> {
    let first = line.split(|b| *b == b' ').next()?;
    let text = std::str::from_utf8(first).ok()?;
    Tag::try_from(text.to_owned()).ok()
}
