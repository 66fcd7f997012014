//! SMTP replies: a code, an RFC 3463 enhanced status and a text, written as one line.

use std::borrow::Cow;

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Reply {
    pub(crate) code: u16,
    pub(crate) status: &'static str,
    pub(crate) text: Cow<'static, str>,
}

impl Reply {
    pub(crate) const fn new(code: u16, status: &'static str, text: &'static str) -> Reply {
        Reply {
            code,
            status,
            text: Cow::Borrowed(text),
        }
    }

    pub(crate) fn owned(code: u16, status: &'static str, text: String) -> Reply {
        Reply {
            code,
            status,
            text: Cow::Owned(text),
        }
    }

    /// The wire form; CR and LF in the text (from a peer's words) become spaces.
    pub(crate) fn to_wire(&self) -> Vec<u8> {
        let text: String = self
            .text
            .chars()
            .map(|c| if c == '\r' || c == '\n' { ' ' } else { c })
            .collect();
        match self.status {
            "" => format!("{} {text}\r\n", self.code),
            status => format!("{} {status} {text}\r\n", self.code),
        }
        .into_bytes()
    }
}

pub(crate) const OK: Reply = Reply::new(250, "2.0.0", "OK");
pub(crate) const SENDER_OK: Reply = Reply::new(250, "2.1.0", "Sender OK");
pub(crate) const RECIPIENT_OK: Reply = Reply::new(250, "2.1.5", "Recipient OK");
pub(crate) const RESET: Reply = Reply::new(250, "2.0.0", "Reset");
pub(crate) const BYE: Reply = Reply::new(221, "2.0.0", "Bye");
pub(crate) const START_DATA: Reply =
    Reply::new(354, "", "Send the message, end with <CRLF>.<CRLF>");
pub(crate) const READY_TLS: Reply = Reply::new(220, "2.0.0", "Ready to start TLS");
pub(crate) const AUTH_OK: Reply = Reply::new(235, "2.7.0", "Authentication successful");
pub(crate) const SESSION_ENDED: Reply = Reply::new(
    421,
    "4.7.0",
    "Session ended: the mailbox's password changed or an administrator ended it",
);
pub(crate) const SHUTTING_DOWN: Reply = Reply::new(421, "4.3.2", "Shutting down, try again later");
pub(crate) const IDLE: Reply = Reply::new(421, "4.4.2", "Idle for too long, closing");
pub(crate) const SIGN_IN_SOONER: Reply = Reply::new(
    421,
    "4.4.2",
    "Not signed in after pre_auth_timeout, closing",
);
pub(crate) const TOO_MANY_ERRORS: Reply = Reply::new(421, "4.7.0", "Too many errors, closing");
pub(crate) const TOO_MANY_CONNECTIONS: Reply =
    Reply::new(421, "4.7.0", "Too many connections, try again later");
pub(crate) const LINE_TOO_LONG: Reply = Reply::new(500, "5.5.2", "Line too long");
pub(crate) const BARE_LF: Reply = Reply::new(500, "5.5.2", "Lines must end in CRLF, not bare LF");
pub(crate) const BARE_CR: Reply =
    Reply::new(500, "5.5.2", "Bare CR refused: CR only as part of CRLF");
pub(crate) const UNKNOWN: Reply = Reply::new(500, "5.5.1", "Command not recognised");
pub(crate) const SYNTAX: Reply = Reply::new(501, "5.5.4", "Syntax error in parameters");
pub(crate) const UNKNOWN_PARAMETER: Reply = Reply::new(555, "5.5.4", "Parameter not recognised");
pub(crate) const NOT_IMPLEMENTED: Reply = Reply::new(502, "5.5.1", "Command not implemented");
pub(crate) const HELLO_FIRST: Reply = Reply::new(503, "5.5.1", "Say EHLO first");
pub(crate) const MAIL_FIRST: Reply = Reply::new(503, "5.5.1", "MAIL first");
pub(crate) const CHUNKS_PENDING: Reply = Reply::new(
    503,
    "5.5.1",
    "BDAT in progress; finish with BDAT LAST or RSET",
);
pub(crate) const NESTED_MAIL: Reply = Reply::new(503, "5.5.1", "MAIL already given; RSET first");
pub(crate) const ALREADY_AUTHENTICATED: Reply = Reply::new(503, "5.5.1", "Already authenticated");
pub(crate) const ALREADY_TLS: Reply = Reply::new(503, "5.5.1", "TLS already active");
pub(crate) const MECHANISM: Reply =
    Reply::new(504, "5.5.4", "Unrecognised authentication mechanism");
pub(crate) const AUTH_REQUIRED: Reply = Reply::new(530, "5.7.0", "Authentication required");
pub(crate) const TLS_REQUIRED: Reply =
    Reply::new(538, "5.7.11", "Encryption required: STARTTLS first");
pub(crate) const AUTH_FAILED: Reply =
    Reply::new(535, "5.7.8", "Authentication credentials invalid");
pub(crate) const AUTH_CANCELLED: Reply = Reply::new(501, "5.0.0", "Authentication cancelled");
pub(crate) const NOT_YOURS: Reply = Reply::new(
    553,
    "5.7.1",
    "Sender address must be one of the authenticated mailbox's addresses",
);
pub(crate) const HEADER_NOT_YOURS: Reply = Reply::new(
    550,
    "5.7.1",
    "Message refused: From: and Sender: must be the authenticated mailbox's addresses",
);
pub(crate) const NO_FROM: Reply = Reply::new(
    550,
    "5.6.0",
    "Message refused: a From: header is required (RFC 5322)",
);
pub(crate) const SENDER_BLOCKED: Reply = Reply::new(
    550,
    "5.7.1",
    "Message refused: the recipient does not accept mail from this sender",
);
pub(crate) const BAD_ADDRESS: Reply = Reply::new(501, "5.1.3", "Bad address syntax");
pub(crate) const UNKNOWN_USER: Reply = Reply::new(550, "5.1.1", "No such mailbox here");
pub(crate) const MAILBOX_FULL: Reply = Reply::new(452, "4.2.2", "Mailbox full");
/// RFC 3463 X.2.2 for the sender's own mailbox: mail waiting to go out counts against it.
pub(crate) const SENDER_FULL: Reply = Reply::new(
    452,
    "4.2.2",
    "Your mailbox is full (mail waiting to be sent counts too); make room and try again",
);
pub(crate) const RELAY_DENIED: Reply = Reply::new(554, "5.7.1", "Relay access denied");
pub(crate) const TOO_MANY_RECIPIENTS: Reply = Reply::new(452, "4.5.3", "Too many recipients");
pub(crate) const TOO_BIG: Reply = Reply::new(552, "5.3.4", "Message too big for this server");
pub(crate) const NO_RECIPIENTS: Reply = Reply::new(554, "5.5.1", "No valid recipients");
pub(crate) const TEMPORARY: Reply = Reply::new(451, "4.3.0", "Temporary failure, try again later");
pub(crate) const BAD_DATA_LF: Reply = Reply::new(
    550,
    "5.6.0",
    "Message refused: lines must end in CRLF, not bare LF",
);
pub(crate) const BAD_DATA_CR: Reply = Reply::new(
    550,
    "5.6.0",
    "Message refused: bare CR (a CR must be followed by LF)",
);
pub(crate) const BAD_DATA_LONG: Reply = Reply::new(
    550,
    "5.6.0",
    "Message refused: a line is longer than 1000 bytes",
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replies_are_one_line_whatever_the_text() {
        assert_eq!(OK.to_wire(), b"250 2.0.0 OK\r\n");
        assert_eq!(START_DATA.to_wire()[..4], *b"354 ");
        let odd = Reply::owned(550, "5.0.0", "a\r\nb".into());
        assert_eq!(odd.to_wire(), b"550 5.0.0 a  b\r\n");
    }
}
