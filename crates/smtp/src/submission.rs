//! Submission's rules: AUTH PLAIN and LOGIN through the sign-in door (the session is then
//! registered as live), and the envelope sender and the header `From:` and `Sender:` must be
//! addresses the signed-in mailbox owns (the core's `sends_as` says which).

use crate::listener::Role;
use crate::reply::{self as r, Reply};
use crate::session::{Envelope, Session, SignedIn};
use data_encoding::BASE64;
use smtp_proto::{AUTH_LOGIN, AUTH_PLAIN};
use trekmail_core::audit::Channel;
use trekmail_core::services;

/// RFC 4954's prompts, base64 of "Username:" and "Password:".
const USERNAME_PROMPT: &[u8] = b"334 VXNlcm5hbWU6\r\n";
const PASSWORD_PROMPT: &[u8] = b"334 UGFzc3dvcmQ6\r\n";

/// What the client answered to a prompt.
enum Answer {
    Text(Vec<u8>),
    Cancelled,
    Bad,
    Gone,
}

impl Session {
    pub(crate) async fn auth(&mut self, mechanism: u64, initial: String) -> Reply {
        if self.helo.is_none() {
            return r::HELLO_FIRST;
        }
        if self.signed_in.is_some() || self.envelope.is_some() {
            return r::ALREADY_AUTHENTICATED;
        }
        if !self.auth_allowed() {
            return r::TLS_REQUIRED;
        }
        let credentials = match mechanism {
            AUTH_PLAIN => self.plain(&initial).await,
            AUTH_LOGIN => self.login(&initial).await,
            _ => return r::MECHANISM,
        };
        match credentials {
            Ok((login, secret)) => self.sign_in(&login, &secret).await,
            Err(reply) => reply,
        }
    }

    async fn plain(&mut self, initial: &str) -> Result<(String, String), Reply> {
        let message = match initial {
            "" => self.prompt(b"334 \r\n").await?,
            "=" => Vec::new(),
            text => decode(text.as_bytes())?,
        };
        trekmail_net::sasl_plain(&message).ok_or(r::AUTH_FAILED)
    }

    async fn login(&mut self, initial: &str) -> Result<(String, String), Reply> {
        let login = match initial {
            "" => self.prompt(USERNAME_PROMPT).await?,
            text => decode(text.as_bytes())?,
        };
        let secret = self.prompt(PASSWORD_PROMPT).await?;
        let text = |bytes: Vec<u8>| String::from_utf8(bytes).map_err(|_| r::AUTH_FAILED);
        Ok((text(login)?, text(secret)?))
    }

    /// Sends a `334` prompt and decodes the base64 answer.
    async fn prompt(&mut self, prompt: &[u8]) -> Result<Vec<u8>, Reply> {
        let answer = match self.send_raw(prompt).await {
            Ok(()) => match self.read_response().await {
                None => Answer::Gone,
                Some(line) if line == b"*" => Answer::Cancelled,
                Some(line) => decode(&line).map_or(Answer::Bad, Answer::Text),
            },
            Err(_) => Answer::Gone,
        };
        match answer {
            Answer::Text(bytes) => Ok(bytes),
            Answer::Cancelled => Err(r::AUTH_CANCELLED),
            Answer::Bad | Answer::Gone => Err(r::SYNTAX),
        }
    }

    /// Through the door (which delays failures), then registered as a live session.
    async fn sign_in(&mut self, login: &str, secret: &str) -> Reply {
        let core = self.smtp.core.clone();
        let ip = Some(self.peer.ip());
        let Ok(auth) = core
            .door()
            .password_and_code(Channel::Smtp, login, secret, ip)
            .await
        else {
            return r::AUTH_FAILED;
        };
        let Ok(session) = core
            .registry()
            .open_connection(&auth, Channel::Smtp, ip)
            .await
        else {
            return r::AUTH_FAILED;
        };
        let Some(access) = session.mailbox_access() else {
            return r::AUTH_FAILED;
        };
        match core.own_mailbox(&access).await {
            Ok(mailbox) => {
                self.signed_in = Some(SignedIn {
                    session,
                    access,
                    mailbox,
                });
                r::AUTH_OK
            }
            Err(_) => r::AUTH_FAILED,
        }
    }

    /// MAIL FROM: on submission only an address the signed-in mailbox owns.
    pub(crate) async fn mail(&mut self, from: String) -> Reply {
        if self.role == Role::Submission {
            let own = match &self.signed_in {
                Some(s) => self.smtp.core.sends_as(&s.mailbox, &from).await,
                None => Ok(false),
            };
            match own {
                Ok(true) => {}
                Ok(false) => return r::NOT_YOURS,
                Err(e) => {
                    tracing::error!(error = %e, "SMTP sender check failed");
                    return r::TEMPORARY;
                }
            }
        }
        self.envelope = Some(Envelope {
            from,
            to: Vec::new(),
        });
        r::SENDER_OK
    }

    /// On submission, a message whose `From:` (required, RFC 5322 3.6) or `Sender:` names an
    /// address the signed-in mailbox does not own is refused: the envelope alone would let a
    /// mailbox sign mail as anyone its recipients trust.
    pub(crate) async fn header_senders_refused(&mut self, header: &[u8]) -> Option<Reply> {
        let signed_in = self.signed_in.as_ref()?;
        let addresses = match header_senders(header) {
            Ok(addresses) => addresses,
            Err(reply) => return Some(reply),
        };
        for address in addresses {
            match self.smtp.core.sends_as(&signed_in.mailbox, &address).await {
                Ok(true) => {}
                Ok(false) => return Some(r::HEADER_NOT_YOURS),
                Err(e) => {
                    tracing::error!(error = %e, "SMTP header sender check failed");
                    return Some(r::TEMPORARY);
                }
            }
        }
        None
    }
}

/// Every header sender, or the refusal: no `From:`, or a sender that names no address.
pub(crate) fn header_senders(header: &[u8]) -> Result<Vec<String>, Reply> {
    services::header_senders(header).map_err(|field| match field {
        None => r::NO_FROM,
        Some(_) => r::HEADER_NOT_YOURS,
    })
}

fn decode(text: &[u8]) -> Result<Vec<u8>, Reply> {
    BASE64.decode(text).map_err(|_| r::SYNTAX)
}
