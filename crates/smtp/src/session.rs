//! One SMTP connection: the command loop, its state (greeted, TLS, signed in, an envelope),
//! and its endings: `421` when the live session is ended, the server stops or the peer idles.
//! What a recipient may be and where a message goes is in `submission` and `inbound`.

use crate::bdat::{self, Chunks};
use crate::data::Data;
use crate::listener::{Role, Smtp};
use crate::parser::{self, BadCommand, Line, MAX_COMMAND_LINE};
use crate::reply::{self as r, Reply};
use crate::spool::Spool;
use smtp_proto::Request;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncWrite, AsyncWriteExt, BufReader};
use tokio_util::sync::CancellationToken;
use trekmail_core::access::MailboxAccess;
use trekmail_core::domain::Mailbox;
use trekmail_core::metrics::{SmtpRole, SmtpStage};
use trekmail_core::services::Target;
use trekmail_core::sessions::LiveSession;

/// Protocol errors a connection may make before it is let go.
const MAX_ERRORS: u32 = 20;

/// A byte stream, plain or TLS.
pub(crate) trait Io: AsyncRead + AsyncWrite + Unpin + Send {}
impl<T: AsyncRead + AsyncWrite + Unpin + Send> Io for T {}

/// A signed-in submission connection: its registered live session and mailbox.
pub(crate) struct SignedIn {
    pub(crate) session: LiveSession,
    /// The signed-in mailbox, as the registry let it in.
    pub(crate) access: MailboxAccess,
    pub(crate) mailbox: Mailbox,
}

/// MAIL FROM and the accepted RCPT TOs.
pub(crate) struct Envelope {
    /// The reverse path, empty for the null sender.
    pub(crate) from: String,
    pub(crate) to: Vec<Target>,
}

/// What happens after a command.
pub(crate) enum Flow {
    Go,
    Close,
}

enum Event {
    Line(Line),
    End(Reply),
    Gone,
}

pub(crate) struct Session {
    pub(crate) smtp: Arc<Smtp>,
    pub(crate) role: Role,
    pub(crate) peer: SocketAddr,
    io: BufReader<Box<dyn Io>>,
    pub(crate) tls: bool,
    pub(crate) helo: Option<String>,
    pub(crate) signed_in: Option<SignedIn>,
    pub(crate) envelope: Option<Envelope>,
    /// A message arriving in BDAT chunks.
    chunks: Option<Chunks>,
    errors: u32,
    buf: Vec<u8>,
}

impl Session {
    pub(crate) fn new(
        smtp: Arc<Smtp>,
        role: Role,
        peer: SocketAddr,
        io: Box<dyn Io>,
        tls: bool,
    ) -> Session {
        Session {
            smtp,
            role,
            peer,
            io: BufReader::new(io),
            tls,
            helo: None,
            signed_in: None,
            envelope: None,
            chunks: None,
            errors: 0,
            buf: Vec::new(),
        }
    }

    pub(crate) async fn run(mut self, shutdown: CancellationToken) {
        let greeting = Reply::owned(
            220,
            "",
            format!("{} ESMTP TrekMail ready", self.smtp.options.hostname),
        );
        if self.send(&greeting).await.is_err() {
            return;
        }
        let idle = self.smtp.options.idle_timeout;
        let sign_in_by = tokio::time::Instant::now() + self.smtp.options.pre_auth_timeout;
        loop {
            // Submission that has not signed in gets less time than the idle timeout.
            let must_sign_in = self.role == Role::Submission && self.signed_in.is_none();
            let wait = match must_sign_in {
                true => sign_in_by
                    .saturating_duration_since(tokio::time::Instant::now())
                    .min(idle),
                false => idle,
            };
            // Biased, the ending first: with pipelined input the read is always ready, and
            // an ended session must not run one more command.
            let event = tokio::select! {
                biased;
                () = ended(&self.signed_in) => Event::End(r::SESSION_ENDED),
                () = shutdown.cancelled() => Event::End(r::SHUTTING_DOWN),
                read = tokio::time::timeout(
                    wait,
                    parser::read_line(&mut self.io, MAX_COMMAND_LINE, &mut self.buf),
                ) => match read {
                    Err(_) if must_sign_in => Event::End(r::SIGN_IN_SOONER),
                    Err(_) => Event::End(r::IDLE),
                    Ok(Err(_)) => Event::Gone,
                    Ok(Ok(line)) => Event::Line(line),
                },
            };
            let flow = match event {
                Event::End(reply) => self.end(reply).await,
                Event::Gone => Flow::Close,
                Event::Line(line) => self.on_line(line, &shutdown).await,
            };
            if let Flow::Close = flow {
                let _ = tokio::time::timeout(Duration::from_secs(2), self.io.shutdown()).await;
                return;
            }
        }
    }

    async fn on_line(&mut self, line: Line, shutdown: &CancellationToken) -> Flow {
        if self.is_ended() {
            return self.end(r::SESSION_ENDED).await;
        }
        let text = match line {
            Line::Text(text) => text,
            Line::BareLf => return self.error(r::BARE_LF).await,
            Line::BareCr => return self.error(r::BARE_CR).await,
            Line::TooLong => return self.error(r::LINE_TOO_LONG).await,
            Line::Closed => return Flow::Close,
        };
        match parser::parse(&text) {
            Ok(request) => self.on_request(request, shutdown).await,
            Err(BadCommand::Unknown) => self.error(r::UNKNOWN).await,
            Err(BadCommand::Syntax) => self.error(r::SYNTAX).await,
            Err(BadCommand::Address) => self.error(r::BAD_ADDRESS).await,
            Err(BadCommand::Parameter) => self.error(r::UNKNOWN_PARAMETER).await,
        }
    }

    async fn on_request(&mut self, request: Request<String>, shutdown: &CancellationToken) -> Flow {
        let reply = match request {
            Request::Ehlo { host } => return self.ehlo(host).await,
            Request::Helo { host } => {
                self.helo = Some(host);
                self.reset_transaction();
                Reply::owned(250, "", self.smtp.options.hostname.clone())
            }
            Request::StartTls => return self.starttls().await,
            Request::Auth {
                mechanism,
                initial_response,
            } => match self.role {
                Role::Submission => self.auth(mechanism, initial_response).await,
                Role::Inbound => r::NOT_IMPLEMENTED,
            },
            Request::Mail { from } => match self.check_mail() {
                Err(reply) => reply,
                Ok(()) if from.size > self.smtp.options.max_message_bytes => r::TOO_BIG,
                Ok(()) => self.mail(from.address).await,
            },
            Request::Rcpt { to } => {
                let reply = match self.check_rcpt() {
                    Err(reply) => reply,
                    Ok(()) => self.rcpt(&to.address).await,
                };
                self.count(SmtpStage::Rcpt, &reply);
                reply
            }
            Request::Data if self.chunks.is_some() => r::CHUNKS_PENDING,
            Request::Data => return self.data(shutdown).await,
            Request::Bdat {
                chunk_size,
                is_last,
            } => return self.bdat(chunk_size, is_last, shutdown).await,
            Request::Rset => {
                self.reset_transaction();
                r::RESET
            }
            Request::Noop { .. } => r::OK,
            Request::Quit => {
                let _ = self.send(&r::BYE).await;
                return Flow::Close;
            }
            Request::Vrfy { .. } => Reply::new(252, "2.5.2", "Cannot VRFY; send the message"),
            Request::Help { .. } => Reply::new(214, "2.0.0", "See RFC 5321"),
            Request::Lhlo { .. } => return self.error(r::UNKNOWN).await,
            Request::Expn { .. }
            | Request::Etrn { .. }
            | Request::Atrn { .. }
            | Request::Burl { .. } => r::NOT_IMPLEMENTED,
        };
        if reply.code >= 500 && reply.status.starts_with("5.5") {
            return self.error(reply).await;
        }
        self.reply(&reply).await
    }

    async fn ehlo(&mut self, host: String) -> Flow {
        self.helo = Some(host);
        self.reset_transaction();
        let options = &self.smtp.options;
        let mut lines = vec![
            format!("{} greets {}", options.hostname, self.peer.ip()),
            "PIPELINING".to_owned(),
            format!("SIZE {}", options.max_message_bytes),
            "8BITMIME".to_owned(),
            "SMTPUTF8".to_owned(),
            "ENHANCEDSTATUSCODES".to_owned(),
            "CHUNKING".to_owned(),
        ];
        if !self.tls && self.smtp.tls.is_some() {
            lines.push("STARTTLS".to_owned());
        }
        if self.role == Role::Submission && self.auth_allowed() && self.signed_in.is_none() {
            lines.push("AUTH PLAIN LOGIN".to_owned());
        }
        let mut wire = String::new();
        for (i, line) in lines.iter().enumerate() {
            let sep = if i + 1 == lines.len() { ' ' } else { '-' };
            wire.push_str(&format!("250{sep}{line}\r\n"));
        }
        match self.send_raw(wire.as_bytes()).await {
            Ok(()) => Flow::Go,
            Err(_) => Flow::Close,
        }
    }

    /// Passwords only over TLS, or over loopback when the config allows it.
    pub(crate) fn auth_allowed(&self) -> bool {
        let plaintext = self.smtp.options.plaintext_auth;
        plaintext.allows(self.tls, self.peer.ip())
    }

    /// RFC 3207: the old stream's buffered bytes are dropped (no command injected before the
    /// handshake counts), and everything learnt before it is forgotten.
    async fn starttls(&mut self) -> Flow {
        let reply = if self.tls {
            Some(r::ALREADY_TLS)
        } else if self.helo.is_none() {
            Some(r::HELLO_FIRST)
        } else {
            None
        };
        if let Some(reply) = reply {
            return self.reply(&reply).await;
        }
        let Some(acceptor) = self.smtp.tls.clone() else {
            return self.reply(&r::NOT_IMPLEMENTED).await;
        };
        if self.send(&r::READY_TLS).await.is_err() {
            return Flow::Close;
        }
        let placeholder: Box<dyn Io> = Box::new(tokio::io::duplex(1).0);
        let plain = std::mem::replace(&mut self.io, BufReader::new(placeholder)).into_inner();
        match tokio::time::timeout(trekmail_net::HANDSHAKE_TIMEOUT, acceptor.accept(plain)).await {
            Ok(Ok(trekmail_net::Accepted::Stream(tls))) => {
                self.io = BufReader::new(tls);
                self.tls = true;
                self.helo = None;
                self.reset_transaction();
                self.signed_in = None;
                Flow::Go
            }
            _ => Flow::Close,
        }
    }

    fn check_mail(&self) -> Result<(), Reply> {
        if self.helo.is_none() {
            return Err(r::HELLO_FIRST);
        }
        if self.envelope.is_some() {
            return Err(r::NESTED_MAIL);
        }
        if self.role == Role::Submission && self.signed_in.is_none() {
            return Err(r::AUTH_REQUIRED);
        }
        Ok(())
    }

    fn check_rcpt(&self) -> Result<(), Reply> {
        if self.chunks.is_some() {
            return Err(r::CHUNKS_PENDING);
        }
        match &self.envelope {
            None => Err(r::MAIL_FIRST),
            Some(e) if e.to.len() >= self.smtp.options.max_recipients => {
                Err(r::TOO_MANY_RECIPIENTS)
            }
            Some(_) => Ok(()),
        }
    }

    async fn data(&mut self, shutdown: &CancellationToken) -> Flow {
        let reply = match &self.envelope {
            None => Some(r::MAIL_FIRST),
            Some(e) if e.to.is_empty() => Some(r::NO_RECIPIENTS),
            Some(_) => None,
        };
        if let Some(reply) = reply {
            return self.error(reply).await;
        }
        let mut spool = match Spool::create(&self.smtp.options.spool_dir).await {
            Ok(spool) => spool,
            Err(e) => {
                tracing::error!(error = %e, "SMTP cannot spool a message");
                return self.reply(&r::TEMPORARY).await;
            }
        };
        if self.send(&r::START_DATA).await.is_err() {
            return Flow::Close;
        }
        let (max, idle) = (
            self.smtp.options.max_message_bytes,
            self.smtp.options.idle_timeout,
        );
        let read = tokio::select! {
            biased;
            () = ended(&self.signed_in) => Err(r::SESSION_ENDED),
            () = shutdown.cancelled() => Err(r::SHUTTING_DOWN),
            data = crate::data::read(&mut self.io, &mut spool, max, idle) => Ok(data),
        };
        let envelope = self.envelope.take();
        let data = match read {
            Ok(_) if self.is_ended() => return self.end(r::SESSION_ENDED).await,
            Ok(data) => data,
            Err(reply) => return self.end(reply).await,
        };
        let reply = match (data, envelope) {
            (Data::Message, Some(envelope)) => self.deliver(envelope, spool).await,
            (Data::Message, None) => r::MAIL_FIRST,
            (Data::TooBig, _) => r::TOO_BIG,
            (Data::Failed, _) => r::TEMPORARY,
            (Data::BareLf, _) => r::BAD_DATA_LF,
            (Data::BareCr, _) => r::BAD_DATA_CR,
            (Data::LineTooLong, _) => r::BAD_DATA_LONG,
            (Data::Gone, _) => return Flow::Close,
        };
        self.count(SmtpStage::Data, &reply);
        self.reply(&reply).await
    }

    /// Forgets MAIL, RCPTs and any chunks received (RSET, EHLO, a new TLS layer).
    fn reset_transaction(&mut self) {
        self.envelope = None;
        self.chunks = None;
    }

    /// RFC 3030: one BDAT chunk, read even when it cannot be kept; the message is delivered
    /// with the LAST one, or refused whole.
    async fn bdat(&mut self, size: usize, last: bool, shutdown: &CancellationToken) -> Flow {
        let out_of_order = match &self.envelope {
            None => Some(r::MAIL_FIRST),
            Some(e) if e.to.is_empty() => Some(r::NO_RECIPIENTS),
            Some(_) => None,
        };
        let max = self.smtp.options.max_message_bytes;
        let mut chunks = match (out_of_order.is_some(), self.chunks.take()) {
            (true, _) => None,
            (false, Some(chunks)) => Some(chunks),
            (false, None) => Some(Chunks::new(&self.smtp.options.spool_dir).await),
        };
        if let Some(c) = chunks.as_mut()
            && (c.too_big || c.len.saturating_add(size) > max)
        {
            c.too_big = true;
            c.spool = None;
        }
        let into = chunks.as_mut().filter(|c| !c.too_big && c.spool.is_some());
        let idle = self.smtp.options.idle_timeout;
        let read = tokio::select! {
            biased;
            () = ended(&self.signed_in) => Err(r::SESSION_ENDED),
            () = shutdown.cancelled() => Err(r::SHUTTING_DOWN),
            read = bdat::read_chunk(&mut self.io, size, into, idle) => Ok(read),
        };
        match read {
            Ok(Ok(())) if self.is_ended() => return self.end(r::SESSION_ENDED).await,
            Ok(Ok(())) => {}
            Ok(Err(bdat::Gone)) => return Flow::Close,
            Err(reply) => return self.end(reply).await,
        }
        let Some(chunks) = chunks else {
            return self.error(out_of_order.unwrap_or(r::MAIL_FIRST)).await;
        };
        // The transaction has failed either way: later chunks get 503 until a new MAIL.
        let failed = match (chunks.too_big, &chunks.spool) {
            (true, _) => Some(r::TOO_BIG),
            (false, None) => Some(r::TEMPORARY),
            (false, Some(_)) => None,
        };
        if let Some(reply) = failed {
            self.reset_transaction();
            self.count(SmtpStage::Data, &reply);
            return self.reply(&reply).await;
        }
        if !last {
            self.chunks = Some(chunks);
            let received = Reply::owned(250, "2.0.0", format!("{size} octets received"));
            return self.reply(&received).await;
        }
        let Some(envelope) = self.envelope.take() else {
            return self.error(r::MAIL_FIRST).await;
        };
        let reply = match (chunks.rules.finish(), chunks.spool) {
            (Some(reply), _) => reply,
            (None, Some(spool)) => self.deliver(envelope, spool).await,
            (None, None) => r::TEMPORARY,
        };
        self.count(SmtpStage::Data, &reply);
        self.reply(&reply).await
    }

    /// Counts a recipient's or a message's answer in the metrics.
    fn count(&self, stage: SmtpStage, reply: &Reply) {
        let role = match self.role {
            Role::Submission => SmtpRole::Submission,
            Role::Inbound => SmtpRole::Inbound,
        };
        self.smtp.core.metrics().smtp_reply(role, stage, reply.code);
    }

    /// Whether the live session was ended (a password change, an administrator): then no
    /// command may start, even one already read.
    fn is_ended(&self) -> bool {
        self.signed_in
            .as_ref()
            .is_some_and(|s| s.session.is_ended())
    }

    /// The closing reply; the connection closes after it.
    async fn end(&mut self, reply: Reply) -> Flow {
        let _ = self.send(&reply).await;
        Flow::Close
    }

    /// A protocol error: answered, and counted; too many close the connection.
    async fn error(&mut self, reply: Reply) -> Flow {
        self.errors += 1;
        if self.errors > MAX_ERRORS {
            let _ = self.send(&r::TOO_MANY_ERRORS).await;
            return Flow::Close;
        }
        self.reply(&reply).await
    }

    async fn reply(&mut self, reply: &Reply) -> Flow {
        match self.send(reply).await {
            Ok(()) => Flow::Go,
            Err(_) => Flow::Close,
        }
    }

    pub(crate) async fn send(&mut self, reply: &Reply) -> std::io::Result<()> {
        self.send_raw(&reply.to_wire()).await
    }

    pub(crate) async fn send_raw(&mut self, bytes: &[u8]) -> std::io::Result<()> {
        let io = self.io.get_mut();
        io.write_all(bytes).await?;
        io.flush().await
    }

    /// One line of an AUTH exchange; `None` when the peer left, idled or sent a bad line.
    pub(crate) async fn read_response(&mut self) -> Option<Vec<u8>> {
        let idle = self.smtp.options.idle_timeout;
        let read = parser::read_line(&mut self.io, MAX_COMMAND_LINE, &mut self.buf);
        match tokio::time::timeout(idle, read).await {
            Ok(Ok(Line::Text(text))) => Some(text),
            _ => None,
        }
    }

    /// The `Received:` line this server adds to what it accepts.
    pub(crate) fn received(&self) -> String {
        let with = match (self.tls, self.signed_in.is_some()) {
            (false, false) => "ESMTP",
            (true, false) => "ESMTPS",
            (false, true) => "ESMTPA",
            (true, true) => "ESMTPSA",
        };
        let helo: String = self
            .helo
            .as_deref()
            .unwrap_or("unknown")
            .chars()
            .filter(|c| c.is_ascii_graphic())
            .take(255)
            .collect();
        format!(
            "Received: from {helo} ([{}])\r\n\tby {} with {with};\r\n\t{}\r\n",
            self.peer.ip(),
            self.smtp.options.hostname,
            self.smtp.core.clock().now().to_rfc2822()
        )
    }
}

async fn ended(signed_in: &Option<SignedIn>) {
    match signed_in {
        Some(s) => s.session.ended().await,
        None => std::future::pending().await,
    }
}
