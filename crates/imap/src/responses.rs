//! Building responses. Texts here are constants or validated, so a failure to build one is a
//! bug; it falls back to a plain status rather than panicking.

use imap_codec::imap_types::core::{Tag, Text, Vec1};
use imap_codec::imap_types::response::{
    Capability, Code, CodeOther, CommandContinuationRequest, Data, Status,
};

fn text(s: &str) -> Text<'static> {
    Text::try_from(s.to_owned()).unwrap_or_else(|_| Text::unvalidated("error"))
}

pub fn ok(
    tag: Option<Tag<'static>>,
    code: Option<Code<'static>>,
    message: &str,
) -> Status<'static> {
    Status::ok(tag, code, text(message)).unwrap_or_else(|_| fallback())
}

pub fn no(
    tag: Option<Tag<'static>>,
    code: Option<Code<'static>>,
    message: &str,
) -> Status<'static> {
    Status::no(tag, code, text(message)).unwrap_or_else(|_| fallback())
}

pub fn bad(tag: Option<Tag<'static>>, message: &str) -> Status<'static> {
    Status::bad(tag, None, text(message)).unwrap_or_else(|_| fallback())
}

pub fn bye(message: &str) -> Status<'static> {
    Status::bye(None, text(message)).unwrap_or_else(|_| fallback())
}

/// A response code not modelled by imap-types, such as `AUTHENTICATIONFAILED` (RFC 5530).
pub fn code(name: &'static str) -> Code<'static> {
    Code::Other(CodeOther::unvalidated(name.as_bytes()))
}

pub fn continuation(message: &str) -> CommandContinuationRequest<'static> {
    CommandContinuationRequest::basic(None, message.to_owned())
        .unwrap_or_else(|_| CommandContinuationRequest::Base64(Vec::new().into()))
}

/// An empty `+ ` for SASL: the client sends its initial response next.
pub fn empty_challenge() -> CommandContinuationRequest<'static> {
    CommandContinuationRequest::Base64(Vec::new().into())
}

/// What this server does, as CAPABILITY lists it: every extension named here is implemented.
/// Passwords are offered only when they may be sent (TLS, or loopback when configured).
pub fn capabilities(login_allowed: bool, starttls: bool) -> Data<'static> {
    Data::Capability(capability_list(login_allowed, starttls))
}

/// The list CAPABILITY answers, also sent in the greeting's `[CAPABILITY …]` code.
pub fn capability_list(login_allowed: bool, starttls: bool) -> Vec1<Capability<'static>> {
    use imap_codec::imap_types::auth::AuthMechanism;
    use imap_codec::imap_types::core::Atom;
    let mut caps = vec![
        Capability::Imap4Rev1,
        Capability::LiteralPlus,
        Capability::SaslIr,
        Capability::Idle,
        Capability::Unselect,
        Capability::UidPlus,
        Capability::Move,
        Capability::Namespace,
        Capability::Id,
        Capability::Enable,
        Capability::Quota,
        Capability::QuotaRes(imap_codec::imap_types::extensions::quota::Resource::Storage),
        Capability::CondStore,
        Capability::QResync,
        Capability::Binary,
    ];
    caps.extend([
        Capability::ListExtended,
        Capability::StatusSize,
        Capability::Compress {
            algorithm: imap_codec::imap_types::extensions::compress::CompressionAlgorithm::Deflate,
        },
    ]);
    for word in ["SPECIAL-USE", "LIST-STATUS", "ESEARCH", "MULTIAPPEND"] {
        if let Ok(atom) = Atom::try_from(word) {
            caps.push(Capability::from(atom));
        }
    }
    {
        use imap_codec::imap_types::extensions::{sort::SortAlgorithm, thread::ThreadingAlgorithm};
        caps.extend([
            Capability::Sort(None),
            Capability::Sort(Some(SortAlgorithm::Display)),
            Capability::Thread(ThreadingAlgorithm::OrderedSubject),
            Capability::Thread(ThreadingAlgorithm::References),
        ]);
    }
    if starttls {
        caps.push(Capability::StartTls);
    }
    if login_allowed {
        caps.push(Capability::Auth(AuthMechanism::Plain));
    } else {
        caps.push(Capability::LoginDisabled);
    }
    Vec1::try_from(caps).unwrap_or_else(|_| Vec1::from(Capability::Imap4Rev1))
}

fn fallback() -> Status<'static> {
    Status::Untagged(imap_codec::imap_types::response::StatusBody {
        kind: imap_codec::imap_types::response::StatusKind::Bad,
        code: None,
        text: Text::unvalidated("error"),
    })
}
