//! ENVELOPE (RFC 3501 §7.4.2) from the message's header: date, subject and ids are the raw
//! header values without their line breaks, addresses come from [`crate::addresses`] with
//! names as sent. An absent field is NIL; Sender and Reply-To default to From.

use super::sections::{field_value, header, unfold};
use crate::addresses::{self, Entry};
use imap_codec::imap_types::core::{IString, NString};
use imap_codec::imap_types::envelope::{Address, Envelope};

/// The envelope of the message (or of the message a message/rfc822 part holds) in `raw`.
pub(crate) fn envelope(raw: &[u8]) -> Envelope<'static> {
    let header = header(raw);
    let value = |name: &str| field_value(header, name);
    let raw_value = |name: &str| text(value(name).map(unfold).as_deref());
    let list = |name: &str| value(name).map(addresses::parse).unwrap_or_default();
    let from = list("From");
    let or_from = |own: Vec<Entry>| match own.is_empty() {
        true => from.clone(),
        false => own,
    };
    Envelope {
        date: raw_value("Date"),
        subject: raw_value("Subject"),
        sender: wire(or_from(list("Sender"))),
        reply_to: wire(or_from(list("Reply-To"))),
        from: wire(from.clone()),
        to: wire(list("To")),
        cc: wire(list("Cc")),
        bcc: wire(list("Bcc")),
        in_reply_to: raw_value("In-Reply-To"),
        message_id: raw_value("Message-ID"),
    }
}

/// A string as the wire carries it; NUL, which no IMAP string allows, becomes a space.
fn text(value: Option<&str>) -> NString<'static> {
    NString(value.and_then(|v| IString::try_from(v.replace('\0', " ")).ok()))
}

fn wire(entries: Vec<Entry>) -> Vec<Address<'static>> {
    entries
        .into_iter()
        .map(|e| Address {
            name: text(e.name.as_deref()),
            adl: text(e.adl.as_deref()),
            mailbox: text(e.mailbox.as_deref()),
            host: text(e.host.as_deref()),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn envelope_of_a_simple_message() {
        let raw = b"Date: Mon, 1 Jan 2024 10:00:00 +0000\r\nFrom: Ann <ann@example.com>\r\n\
            To: bob@example.com, \"Cid C\" <cid@example.net>\r\nSubject: Hello\r\n there\r\n\
            Message-ID: <1@x>\r\n\r\nbody\r\n";
        let env = envelope(raw);
        let s = |n: &NString<'_>| n.0.as_ref().map(|i| i.as_ref().to_vec());
        assert_eq!(s(&env.subject), Some(b"Hello there".to_vec()));
        assert_eq!(s(&env.message_id), Some(b"<1@x>".to_vec()));
        assert_eq!(env.from.len(), 1);
        assert_eq!(s(&env.from[0].name), Some(b"Ann".to_vec()));
        assert_eq!(s(&env.from[0].host), Some(b"example.com".to_vec()));
        assert_eq!(env.sender, env.from);
        assert_eq!(env.reply_to, env.from);
        assert_eq!(env.to.len(), 2);
        assert!(env.cc.is_empty());
        assert_eq!(env.in_reply_to, NString(None));
    }

    fn wire_form(raw: &[u8]) -> String {
        use imap_codec::encode::Encoder;
        use imap_codec::imap_types::core::Vec1;
        use imap_codec::imap_types::fetch::MessageDataItem;
        use imap_codec::imap_types::response::{Data, Response};
        let data = Data::Fetch {
            seq: std::num::NonZeroU32::MIN,
            items: Vec1::from(MessageDataItem::Envelope(envelope(raw))),
        };
        let bytes = imap_codec::ResponseCodec::default()
            .encode(&Response::Data(data))
            .dump();
        String::from_utf8(bytes).unwrap()
    }

    /// RFC 3501 §7.4.2 on the wire: routes, groups, comments as names, empty Sender.
    #[test]
    fn envelopes_on_the_wire() {
        assert_eq!(
            wire_form(b"Date: Sat, 01 Feb 2007 01:02:03 +0200\r\nFrom: <@route:user@domain>\r\n\r\nbody\r\n"),
            "* 1 FETCH (ENVELOPE (\"Sat, 01 Feb 2007 01:02:03 +0200\" NIL ((NIL \"@route\" \"user\" \"domain\")) \
((NIL \"@route\" \"user\" \"domain\")) ((NIL \"@route\" \"user\" \"domain\")) NIL NIL NIL NIL NIL))\r\n"
        );
        assert_eq!(
            wire_form(b"From: user@domain (Real Name)\r\nSender: \r\nTo: group: g1@d1.org;\r\nCc: x:;\r\n\r\n"),
            "* 1 FETCH (ENVELOPE (NIL NIL ((\"Real Name\" NIL \"user\" \"domain\")) ((\"Real Name\" NIL \"user\" \"domain\")) \
((\"Real Name\" NIL \"user\" \"domain\")) ((NIL NIL \"group\" NIL)(NIL NIL \"g1\" \"d1.org\")(NIL NIL NIL NIL)) \
((NIL NIL \"x\" NIL)(NIL NIL NIL NIL)) NIL NIL NIL))\r\n"
        );
    }

    /// Encoded words and quoted names are sent as they stand in the header.
    #[test]
    fn names_and_subjects_are_not_decoded() {
        let env = envelope(
            b"Subject: =?utf-8?q?caf=C3=A9?=\r\nFrom: \"Doe, J.\" <j@x>\r\nTo: =?utf-8?b?w6k=?= <e@x>\r\n\r\n",
        );
        let s = |n: &NString<'_>| n.0.as_ref().map(|i| i.as_ref().to_vec());
        assert_eq!(s(&env.subject), Some(b"=?utf-8?q?caf=C3=A9?=".to_vec()));
        assert_eq!(s(&env.from[0].name), Some(b"Doe, J.".to_vec()));
        assert_eq!(s(&env.to[0].name), Some(b"=?utf-8?b?w6k=?=".to_vec()));
    }

    #[test]
    fn nonsense_does_not_panic() {
        let _ = envelope(b"");
        let _ = envelope(b"\x00\xff: \r\n\r\n");
        let _ = envelope(b"From: <<<@@@>>>\r\nTo: :;\r\n\r\n");
    }
}
