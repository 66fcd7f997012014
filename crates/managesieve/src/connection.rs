//! One ManageSieve connection: not signed in, then signed in as one mailbox. One `select!`
//! waits on the client's input, the live session's end and the server's shutdown; an ended
//! session or a stopping server wins over input already read, so no command runs after it.

use crate::command::{Input, Reader, Refusal, TooMuch, Word};
use crate::listener::ManageSieveServer;
use crate::response::{self as r, Capabilities, Code};
use crate::stream::Link;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;
use trekmail_core::access::MailboxAccess;
use trekmail_core::audit::Channel;
use trekmail_core::routing::invalid_script_name;
use trekmail_core::services::{Actor, Manager};
use trekmail_core::sessions::LiveSession;
use trekmail_core::{Core, CoreError};

/// How long one response may take to leave: a client that does not read is let go.
const WRITE_TIMEOUT: Duration = Duration::from_secs(30);
/// Bad commands in a row before the client is taken for a flood and let go.
const MAX_BAD_IN_A_ROW: u32 = 20;
/// Bytes read at a time.
const READ_CHUNK: usize = 4096;

const SESSION_ENDED: &str =
    "Session ended: the mailbox's password changed or an administrator ended it";

/// Commands that need a signed-in mailbox.
const SIGNED_IN_ONLY: &[&str] = &[
    "HAVESPACE",
    "PUTSCRIPT",
    "CHECKSCRIPT",
    "LISTSCRIPTS",
    "SETACTIVE",
    "GETSCRIPT",
    "DELETESCRIPT",
    "RENAMESCRIPT",
];

struct SignedIn {
    session: LiveSession,
    access: MailboxAccess,
    /// The address signed in with: OWNER, and the actor of every change.
    address: String,
}

/// Whether the connection goes on after a command.
enum Flow {
    Go,
    Close,
}

struct Connection {
    core: Arc<Core>,
    service: Arc<ManageSieveServer>,
    peer: SocketAddr,
    link: Link,
    reader: Reader,
    signed_in: Option<SignedIn>,
    /// AUTHENTICATE without an initial response sent its empty challenge: the next line is
    /// the client's answer.
    awaiting_sasl: bool,
    bad_in_a_row: u32,
    /// When the client last sent a command: the idle timer runs from here.
    last_command: Instant,
    /// When the connection was accepted: the sign-in timer runs from here.
    connected: Instant,
}

/// Refuses a connection over the limit.
pub(crate) async fn refuse(mut link: Link) {
    let bye = r::bye(
        Some(Code::TryLater),
        "Too many connections, try again later",
    );
    let _ = tokio::time::timeout(WRITE_TIMEOUT, link.write(&bye)).await;
    link.close().await;
}

pub(crate) async fn run(
    link: Link,
    peer: SocketAddr,
    service: Arc<ManageSieveServer>,
    shutdown: CancellationToken,
) {
    let max_literal = service.core.sieve_limits().max_script_bytes;
    let mut conn = Connection {
        core: service.core.clone(),
        reader: Reader::new(service.options.max_line, max_literal),
        service,
        peer,
        link,
        signed_in: None,
        awaiting_sasl: false,
        bad_in_a_row: 0,
        last_command: Instant::now(),
        connected: Instant::now(),
    };
    // The greeting is the capability listing (RFC 5804 §1.7).
    let greeting = conn.capabilities();
    if conn.send(&greeting).await
        && let Some(bye) = conn.serve(&shutdown).await
    {
        let _ = conn.send(&bye).await;
    }
    // The live session is let go as soon as the BYE is out: whoever ended it waits for that,
    // not for the client to hang up.
    conn.signed_in = None;
    conn.link.close().await;
}

impl Connection {
    /// Runs commands until the connection should close; the `BYE` to say first, if any.
    async fn serve(&mut self, shutdown: &CancellationToken) -> Option<Vec<u8>> {
        loop {
            // Checked before every command: one read may bring several pipelined ones.
            if shutdown.is_cancelled() {
                return Some(shutting_down());
            }
            if self.session_ended() {
                return Some(r::bye(None, SESSION_ENDED));
            }
            match self.reader.next() {
                Ok(Some(input)) => {
                    self.last_command = Instant::now();
                    match self.on_input(input).await {
                        Flow::Go => continue,
                        Flow::Close => return None,
                    }
                }
                Ok(None) => {}
                Err(e) => {
                    tracing::debug!(peer = %self.peer, error = %e, "ManageSieve input too long");
                    return Some(r::bye(
                        None,
                        match e {
                            TooMuch::Line(_) => "Command line too long",
                            TooMuch::BeforeSignIn => "Command too long before sign-in",
                        },
                    ));
                }
            }
            let deadline = match self.signed_in {
                Some(_) => self.last_command + self.service.options.idle_timeout,
                None => self.connected + self.service.options.pre_auth_timeout,
            };
            let mut chunk = [0u8; READ_CHUNK];
            tokio::select! {
                biased;
                () = shutdown.cancelled() => return Some(shutting_down()),
                () = ended(&self.signed_in) => return Some(r::bye(None, SESSION_ENDED)),
                () = tokio::time::sleep_until(deadline) => {
                    let text = match self.signed_in {
                        Some(_) => "Idle for too long",
                        None => "Sign in sooner: closing",
                    };
                    return Some(r::bye(None, text));
                }
                read = self.link.read(&mut chunk) => match read {
                    Ok(0) | Err(_) => return None,
                    Ok(n) => self.reader.feed(chunk.get(..n).unwrap_or_default()),
                },
            }
        }
    }

    async fn on_input(&mut self, input: Input) -> Flow {
        let words = match input {
            Input::Command(words) => words,
            Input::Refused(refusal) => {
                self.awaiting_sasl = false;
                let response = match refusal {
                    Refusal::TooLarge => r::no(Some(Code::MaxSize), "Too large"),
                    Refusal::Syntax(why) => return self.bad(why).await,
                };
                return self.reply(&response).await;
            }
        };
        if std::mem::take(&mut self.awaiting_sasl) {
            let response = self.sasl_answer(&words).await;
            return self.reply(&response).await;
        }
        let mut words = words.into_iter();
        let Some(Word::Atom(name)) = words.next() else {
            return self.bad("A command starts with its name").await;
        };
        let args: Vec<Word> = words.collect();
        self.on_command(&name.to_ascii_uppercase(), &args).await
    }

    async fn on_command(&mut self, name: &str, args: &[Word]) -> Flow {
        let signed_in = self
            .signed_in
            .as_ref()
            .map(|s| (s.access, s.address.clone()));
        let response = match (name, signed_in) {
            ("CAPABILITY", _) => self.capabilities(),
            ("LOGOUT", _) => {
                let _ = self.send(&r::ok(None, "Logout")).await;
                return Flow::Close;
            }
            ("NOOP", _) => match args {
                [] => r::ok(None, "Done"),
                [tag] => match tag.text() {
                    Some(tag) => r::ok(Some(Code::Tag(tag)), "Done"),
                    None => return self.bad("NOOP takes an optional string").await,
                },
                _ => return self.bad("NOOP takes an optional string").await,
            },
            ("STARTTLS", _) => return self.start_tls(args).await,
            ("AUTHENTICATE", None) => match self.authenticate(args).await {
                Some(response) => response,
                // The empty challenge is out; the client's answer comes next.
                None => return Flow::Go,
            },
            ("AUTHENTICATE", Some(_)) => r::no(None, "Already signed in"),
            (name, None) if SIGNED_IN_ONLY.contains(&name) => r::no(None, "Sign in first"),
            (name, Some((access, address))) if SIGNED_IN_ONLY.contains(&name) => {
                let actor = Actor {
                    channel: Channel::ManageSieve,
                    remote: Some(self.peer.ip()),
                    name: address,
                };
                match self.scripts(name, args, &access, &actor).await {
                    Ok(response) => response,
                    Err(why) => return self.bad(why).await,
                }
            }
            _ => return self.bad("Unknown command").await,
        };
        self.bad_in_a_row = 0;
        self.reply(&response).await
    }

    /// The commands on the mailbox's scripts; `Err` for arguments that do not fit the command.
    async fn scripts(
        &mut self,
        name: &str,
        args: &[Word],
        access: &MailboxAccess,
        actor: &Actor,
    ) -> Result<Vec<u8>, &'static str> {
        let core = self.core.clone();
        let manager = Manager::Owner(access);
        let max_size = core.sieve_limits().max_script_bytes;
        Ok(match name {
            "HAVESPACE" => {
                let [script, size] = args else {
                    return Err("HAVESPACE <name> <size>");
                };
                let (Some(script), Word::Atom(size)) = (script.text(), size) else {
                    return Err("HAVESPACE <name> <size>");
                };
                let size: u64 = size.parse().map_err(|_| "HAVESPACE <name> <size>")?;
                if size > max_size as u64 {
                    too_large(max_size)
                } else {
                    match core.sieve_space(manager, script, size).await {
                        Ok(()) => r::ok(None, ""),
                        Err(e) => failure(&e),
                    }
                }
            }
            "PUTSCRIPT" => {
                let [script, source] = texts(args, "PUTSCRIPT <name> <script>")?;
                if source.len() > max_size {
                    too_large(max_size)
                } else {
                    match core.put_sieve_script(manager, script, source, actor).await {
                        Ok(_) => r::ok(None, ""),
                        Err(e) => failure(&e),
                    }
                }
            }
            "CHECKSCRIPT" => {
                let [source] = texts(args, "CHECKSCRIPT <script>")?;
                match core.check_sieve(source) {
                    Ok(()) => r::ok(None, ""),
                    Err(errors) => r::no(None, &errors.to_string()),
                }
            }
            "LISTSCRIPTS" => {
                let [] = texts(args, "LISTSCRIPTS takes no arguments")?;
                match core.sieve_scripts(manager).await {
                    Ok(scripts) => {
                        let mut out = Vec::new();
                        for script in scripts {
                            r::string(&mut out, script.name.as_bytes());
                            if script.active {
                                out.extend_from_slice(b" ACTIVE");
                            }
                            out.extend_from_slice(b"\r\n");
                        }
                        out.extend_from_slice(&r::ok(None, ""));
                        out
                    }
                    Err(e) => failure(&e),
                }
            }
            "SETACTIVE" => {
                let [script] = texts(args, "SETACTIVE <name>")?;
                // An empty name deactivates (RFC 5804 §2.8).
                let script = Some(script).filter(|s| !s.is_empty());
                match core.activate_sieve_script(manager, script, actor).await {
                    Ok(()) => r::ok(None, ""),
                    Err(e) => failure(&e),
                }
            }
            "GETSCRIPT" => {
                let [script] = texts(args, "GETSCRIPT <name>")?;
                match core.sieve_script(manager, script).await {
                    Ok(script) => {
                        let mut out = Vec::new();
                        r::literal(&mut out, script.source.as_bytes());
                        out.extend_from_slice(b"\r\n");
                        out.extend_from_slice(&r::ok(None, ""));
                        out
                    }
                    Err(e) => failure(&e),
                }
            }
            "DELETESCRIPT" => {
                let [script] = texts(args, "DELETESCRIPT <name>")?;
                match core.delete_sieve_script(manager, script, actor).await {
                    Ok(()) => r::ok(None, ""),
                    // The one refusal of a script that exists: it is the active one.
                    Err(CoreError::Invalid(why)) => r::no(Some(Code::Active), &why),
                    Err(e) => failure(&e),
                }
            }
            "RENAMESCRIPT" => {
                let [from, to] = texts(args, "RENAMESCRIPT <old name> <new name>")?;
                if let Some(why) = invalid_script_name(to) {
                    r::no(None, &why)
                } else {
                    match core.rename_sieve_script(manager, from, to, actor).await {
                        Ok(()) => r::ok(None, ""),
                        // The new name is good (checked above), so it is taken.
                        Err(CoreError::Invalid(why)) => r::no(Some(Code::AlreadyExists), &why),
                        Err(e) => failure(&e),
                    }
                }
            }
            _ => return Err("Unknown command"),
        })
    }

    /// AUTHENTICATE "PLAIN" with or without an initial response; `None` when the empty
    /// challenge was sent and the answer is awaited.
    async fn authenticate(&mut self, args: &[Word]) -> Option<Vec<u8>> {
        let mechanism = match args.first() {
            Some(Word::Str(m)) => String::from_utf8_lossy(m).into_owned(),
            Some(Word::Atom(m)) => m.clone(),
            None => return Some(r::no(None, "AUTHENTICATE <mechanism> [<response>]")),
        };
        if !mechanism.eq_ignore_ascii_case("PLAIN") {
            return Some(r::no(None, "Only the PLAIN mechanism"));
        }
        if !self.login_allowed() {
            return Some(r::no(Some(Code::EncryptNeeded), "Sign-in needs TLS"));
        }
        match args {
            [_] => {
                // RFC 5804 §2.1: an empty challenge, as a string.
                let mut challenge = Vec::new();
                r::string(&mut challenge, b"");
                challenge.extend_from_slice(b"\r\n");
                if !self.send(&challenge).await {
                    return Some(Vec::new());
                }
                self.awaiting_sasl = true;
                None
            }
            [_, Word::Str(response)] => Some(self.sign_in(response).await),
            _ => Some(r::no(None, "AUTHENTICATE <mechanism> [<response>]")),
        }
    }

    /// The client's answer to the empty challenge: a string, or `"*"` to give up.
    async fn sasl_answer(&mut self, words: &[Word]) -> Vec<u8> {
        match words {
            [Word::Str(answer)] if answer == b"*" => r::no(None, "Authentication cancelled"),
            [Word::Str(answer)] => self.sign_in(answer).await,
            _ => r::no(None, "Authentication failed"),
        }
    }

    /// Signs in with a base64 PLAIN message through the core's door.
    async fn sign_in(&mut self, message: &[u8]) -> Vec<u8> {
        let failed = || r::no(None, "Authentication failed");
        let decoded = data_encoding::BASE64.decode(message).ok();
        let Some((login, secret)) = decoded.as_deref().and_then(trekmail_net::sasl_plain) else {
            return failed();
        };
        let ip = Some(self.peer.ip());
        let core = self.core.clone();
        let auth = match core
            .door()
            .password_and_code(Channel::ManageSieve, &login, &secret, ip)
            .await
        {
            Ok(auth) => auth,
            Err(_) => return failed(),
        };
        let session = match core
            .registry()
            .open_connection(&auth, Channel::ManageSieve, ip)
            .await
        {
            Ok(session) => session,
            Err(_) => return failed(),
        };
        let Some(access) = session.mailbox_access() else {
            return failed();
        };
        self.signed_in = Some(SignedIn {
            session,
            access,
            address: auth.login().to_owned(),
        });
        self.reader.signed_in();
        r::ok(None, "Signed in")
    }

    /// STARTTLS (RFC 5804 §2.2): the handshake, then the capabilities again.
    async fn start_tls(&mut self, args: &[Word]) -> Flow {
        let acceptor = match &self.service.tls {
            Some(acceptor) if args.is_empty() && self.starttls_offered() => acceptor.clone(),
            _ => {
                return self
                    .reply(&r::no(None, "STARTTLS is not available now"))
                    .await;
            }
        };
        if !self.send(&r::ok(None, "Begin TLS negotiation now")).await {
            return Flow::Close;
        }
        if !self.link.start_tls(&acceptor).await {
            return Flow::Close;
        }
        // Plaintext sent after the command is not taken as said under TLS.
        self.reader.clear();
        let capabilities = self.capabilities();
        self.reply(&capabilities).await
    }

    /// A command that could not be taken: `NO`, and a client that sends nothing else is let go.
    async fn bad(&mut self, why: &str) -> Flow {
        self.bad_in_a_row += 1;
        if self.bad_in_a_row > MAX_BAD_IN_A_ROW {
            let _ = self.send(&r::bye(None, "Too many bad commands")).await;
            return Flow::Close;
        }
        self.reply(&r::no(None, why)).await
    }

    async fn reply(&mut self, response: &[u8]) -> Flow {
        match self.send(response).await {
            true => Flow::Go,
            false => Flow::Close,
        }
    }

    /// Writes `bytes`; false if the client is gone or does not read.
    async fn send(&mut self, bytes: &[u8]) -> bool {
        matches!(
            tokio::time::timeout(WRITE_TIMEOUT, self.link.write(bytes)).await,
            Ok(Ok(()))
        )
    }

    fn capabilities(&self) -> Vec<u8> {
        r::capabilities(&Capabilities {
            sasl: self.login_allowed(),
            starttls: self.starttls_offered(),
            max_redirects: self.core.sieve_limits().max_redirects,
            owner: self.signed_in.as_ref().map(|s| s.address.as_str()),
        })
    }

    /// Passwords only over TLS, or over loopback when the config allows it.
    fn login_allowed(&self) -> bool {
        let plaintext = self.service.options.plaintext_auth;
        plaintext.allows(self.link.is_tls(), self.peer.ip())
    }

    /// Before sign-in and not on TLS yet, when there is a certificate.
    fn starttls_offered(&self) -> bool {
        !self.link.is_tls() && self.service.tls.is_some() && self.signed_in.is_none()
    }

    fn session_ended(&self) -> bool {
        self.signed_in
            .as_ref()
            .is_some_and(|s| s.session.is_ended())
    }
}

async fn ended(signed_in: &Option<SignedIn>) {
    match signed_in {
        Some(s) => s.session.ended().await,
        None => std::future::pending().await,
    }
}

fn shutting_down() -> Vec<u8> {
    r::bye(Some(Code::TryLater), "TrekMail is shutting down")
}

fn too_large(max: usize) -> Vec<u8> {
    r::no(
        Some(Code::MaxSize),
        &format!("A script is at most {max} bytes"),
    )
}

/// Exactly `N` string arguments, as text; `usage` otherwise.
fn texts<'a, const N: usize>(
    args: &'a [Word],
    usage: &'static str,
) -> Result<[&'a str; N], &'static str> {
    let texts: Vec<&str> = args.iter().filter_map(Word::text).collect();
    if texts.len() != args.len() {
        return Err(usage);
    }
    texts.try_into().map_err(|_| usage)
}

/// A refusal from the core, in RFC 5804's words.
fn failure(e: &CoreError) -> Vec<u8> {
    match e {
        CoreError::NotFound => r::no(Some(Code::Nonexistent), "No such script"),
        CoreError::Invalid(why) => r::no(None, why),
        // Sizes are checked before the core is asked: what is left is the count.
        CoreError::LimitReached(why) => r::no(Some(Code::MaxScripts), why),
        _ => {
            tracing::error!(error = %e, "ManageSieve command failed");
            r::no(Some(Code::TryLater), "Internal error; try again")
        }
    }
}
