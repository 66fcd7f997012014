//! ENVELOPE (RFC 3501 §7.4.2) from the message's header, parsed by mail-parser. Date,
//! subject and ids are the raw (unfolded) header values, as the RFC asks; addresses are
//! mail-parser's, names decoded to UTF-8 (sent as literals when not plain ASCII).

use imap_codec::imap_types::core::{IString, NString};
use imap_codec::imap_types::envelope::{Address, Envelope};
use mail_parser::{Address as Parsed, MessageParser};

/// The message's envelope; every part NIL when the header cannot be parsed.
pub(crate) fn envelope(raw: &[u8]) -> Envelope<'static> {
    let header = super::sections::header(raw);
    let Some(message) = MessageParser::new().parse_headers(header) else {
        return Envelope {
            date: NString(None),
            subject: NString(None),
            from: Vec::new(),
            sender: Vec::new(),
            reply_to: Vec::new(),
            to: Vec::new(),
            cc: Vec::new(),
            bcc: Vec::new(),
            in_reply_to: NString(None),
            message_id: NString(None),
        };
    };
    let raw_value = |name: &str| text(message.header_raw(name).map(unfold).as_deref());
    let from = addresses(message.from());
    // Sender and Reply-To default to From (RFC 3501 §7.4.2).
    let or_from = |list: Vec<Address<'static>>| match list.is_empty() {
        true => from.clone(),
        false => list,
    };
    Envelope {
        date: raw_value("Date"),
        subject: raw_value("Subject"),
        sender: or_from(addresses(message.sender())),
        reply_to: or_from(addresses(message.reply_to())),
        from: from.clone(),
        to: addresses(message.to()),
        cc: addresses(message.cc()),
        bcc: addresses(message.bcc()),
        in_reply_to: raw_value("In-Reply-To"),
        message_id: raw_value("Message-ID"),
    }
}

/// A raw header value without its line breaks and surrounding blanks.
fn unfold(value: &str) -> String {
    value
        .replace("\r\n", "")
        .replace('\n', "")
        .trim()
        .to_owned()
}

fn text(value: Option<&str>) -> NString<'static> {
    NString(value.and_then(|v| IString::try_from(v.to_owned()).ok()))
}

fn addresses(parsed: Option<&Parsed<'_>>) -> Vec<Address<'static>> {
    let mut out = Vec::new();
    match parsed {
        None => {}
        Some(Parsed::List(list)) => out.extend(list.iter().filter_map(one)),
        Some(Parsed::Group(groups)) => {
            for group in groups {
                match &group.name {
                    // A named group is framed by a start and an end marker.
                    Some(name) => {
                        out.push(marker(Some(name)));
                        out.extend(group.addresses.iter().filter_map(one));
                        out.push(marker(None));
                    }
                    None => out.extend(group.addresses.iter().filter_map(one)),
                }
            }
        }
    }
    out
}

fn one(addr: &mail_parser::Addr<'_>) -> Option<Address<'static>> {
    let address = addr.address.as_deref()?;
    let (mailbox, host) = address.rsplit_once('@').unwrap_or((address, ""));
    Some(Address {
        name: text(addr.name.as_deref()),
        adl: NString(None),
        mailbox: text(Some(mailbox)),
        host: text(Some(host)),
    })
}

fn marker(name: Option<&str>) -> Address<'static> {
    Address {
        name: NString(None),
        adl: NString(None),
        mailbox: text(name),
        host: NString(None),
    }
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

    #[test]
    fn nonsense_does_not_panic() {
        let _ = envelope(b"");
        let _ = envelope(b"\x00\xff: \r\n\r\n");
        let _ = envelope(b"From: <<<@@@>>>\r\nTo: :;\r\n\r\n");
    }
}
