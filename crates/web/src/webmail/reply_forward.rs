//! Reply, Reply all and Forward start from the message answered: its sender and recipients,
//! `Re:`/`Fwd:` subjects, the quoted text, and In-Reply-To and References (RFC 5322 3.6.4)
//! so the thread holds in every client.

use super::compose_form::ComposeForm;
use mail_parser::{Addr, Address, HeaderValue, Message, MessageParser};
use trekmail_core::domain::EmailAddress;

/// Who a reply goes to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReplyTo {
    Sender,
    All,
}

/// The form for a reply to `raw`, sent from `from` (the address it was sent to, if that is
/// one of `own`).
pub fn reply(raw: &[u8], own: &[EmailAddress], whom: ReplyTo) -> ComposeForm {
    let Some(message) = MessageParser::default().parse(raw) else {
        return ComposeForm::default();
    };
    let is_own = |a: &str| own.iter().any(|o| o.as_str().eq_ignore_ascii_case(a));
    let reply_to = message.reply_to().or(message.from());
    let to: Vec<&Addr<'_>> = reply_to.map(|a| a.iter().collect()).unwrap_or_default();
    let mut cc: Vec<&Addr<'_>> = Vec::new();
    if whom == ReplyTo::All {
        let others = message
            .to()
            .into_iter()
            .chain(message.cc())
            .flat_map(|a| a.iter());
        for addr in others {
            let Some(address) = addr.address() else {
                continue;
            };
            let already = to.iter().chain(&cc).any(|t| t.address() == Some(address));
            if !is_own(address) && !already {
                cc.push(addr);
            }
        }
    }
    // Answer from the address the message came to.
    let received_as = message
        .to()
        .into_iter()
        .chain(message.cc())
        .flat_map(|a| a.iter())
        .filter_map(|a| a.address())
        .find(|a| is_own(a))
        .map(str::to_lowercase);
    let id = message.message_id().map(str::to_owned);
    let mut references = ids(message.references());
    references.extend(id.clone());
    ComposeForm {
        from: received_as.unwrap_or_default(),
        to: people(&to),
        cc: people(&cc),
        subject: prefixed("Re:", message.subject().unwrap_or_default()),
        text: format!(
            "\n\nOn {}, {} wrote:\n{}",
            date(&message),
            field(message.from()),
            quoted(&message)
        ),
        in_reply_to: id.map(|id| format!("<{id}>")).unwrap_or_default(),
        references: references
            .iter()
            .map(|id| format!("<{id}>"))
            .collect::<Vec<_>>()
            .join(" "),
        ..ComposeForm::default()
    }
}

/// The form for forwarding `raw` (folder and UID `source`): inline, its text below a
/// separator and its attachments passed on, or attached whole.
pub fn forward(raw: &[u8], source: (i64, u32), attached: bool) -> ComposeForm {
    let parsed = MessageParser::default().parse(raw);
    let subject = parsed
        .as_ref()
        .and_then(|m| m.subject())
        .unwrap_or_default();
    let text = match (&parsed, attached) {
        (Some(message), false) => {
            format!(
                "\n\n---------- Forwarded message ----------\nFrom: {}\nDate: {}\nSubject: {}\nTo: {}\n\n{}",
                field(message.from()),
                date(message),
                subject,
                field(message.to()),
                message.body_text(0).unwrap_or_default().trim_end()
            )
        }
        _ => String::new(),
    };
    ComposeForm {
        subject: prefixed("Fwd:", subject),
        text,
        forward: Some(source),
        forward_attached: attached,
        ..ComposeForm::default()
    }
}

/// `Re: subject`, without stacking a second prefix.
fn prefixed(prefix: &str, subject: &str) -> String {
    let subject = subject.trim();
    let has = subject
        .get(..prefix.len())
        .is_some_and(|start| start.eq_ignore_ascii_case(prefix));
    match has {
        true => subject.to_owned(),
        false => format!("{prefix} {subject}"),
    }
}

fn quoted(message: &Message<'_>) -> String {
    let text = message.body_text(0).unwrap_or_default();
    text.trim_end()
        .lines()
        .map(|line| match line.starts_with('>') {
            true => format!(">{line}"),
            false => format!("> {line}"),
        })
        .collect::<Vec<_>>()
        .join("\n")
}

fn date(message: &Message<'_>) -> String {
    message
        .date()
        .map(|d| d.to_rfc822())
        .unwrap_or_else(|| "an unknown date".into())
}

fn ids(value: &HeaderValue<'_>) -> Vec<String> {
    match value {
        HeaderValue::Text(id) => vec![id.to_string()],
        HeaderValue::TextList(ids) => ids.iter().map(|id| id.to_string()).collect(),
        _ => Vec::new(),
    }
}

/// A header's addresses as the form writes them.
fn field(value: Option<&Address<'_>>) -> String {
    let list: Vec<&Addr<'_>> = value.map(|a| a.iter().collect()).unwrap_or_default();
    people(&list)
}

fn people(list: &[&Addr<'_>]) -> String {
    list.iter()
        .filter_map(|a| {
            let address = a.address()?;
            Some(match a.name() {
                Some(name) if name.contains([',', ';']) => format!("\"{name}\" <{address}>"),
                Some(name) => format!("{name} <{address}>"),
                None => address.to_owned(),
            })
        })
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    const ORIGINAL: &[u8] = b"From: Ann <ann@example.net>\r\nTo: me@example.com, bo@example.org\r\nCc: Cy <cy@example.org>, ME@example.com\r\nSubject: Plans\r\nMessage-ID: <m2@example.net>\r\nReferences: <m1@example.net>\r\nDate: Mon, 1 Jun 2026 10:00:00 +0000\r\n\r\nSee you\r\n> earlier\r\n";

    fn own() -> Vec<EmailAddress> {
        vec![EmailAddress::parse("me@example.com").unwrap()]
    }

    #[test]
    fn a_reply_threads_quotes_and_answers_from_the_address_written_to() {
        let form = reply(ORIGINAL, &own(), ReplyTo::Sender);
        assert_eq!(form.to, "Ann <ann@example.net>");
        assert_eq!(form.cc, "");
        assert_eq!(form.from, "me@example.com");
        assert_eq!(form.subject, "Re: Plans");
        assert_eq!(form.in_reply_to, "<m2@example.net>");
        assert_eq!(form.references, "<m1@example.net> <m2@example.net>");
        assert!(
            form.text
                .contains("Ann <ann@example.net> wrote:\n> See you\n>> earlier"),
            "{}",
            form.text
        );
    }

    #[test]
    fn reply_all_copies_the_others_but_not_the_owner() {
        let form = reply(ORIGINAL, &own(), ReplyTo::All);
        assert_eq!(form.cc, "bo@example.org, Cy <cy@example.org>");
        assert_eq!(prefixed("Re:", "RE: x"), "RE: x");
    }

    #[test]
    fn a_forward_carries_the_text_or_the_whole_message() {
        let inline = forward(ORIGINAL, (3, 9), false);
        assert_eq!(inline.subject, "Fwd: Plans");
        assert!(inline.text.contains("Forwarded message"));
        assert!(inline.text.contains("See you"));
        assert_eq!(inline.forward, Some((3, 9)));
        let attached = forward(ORIGINAL, (3, 9), true);
        assert!(attached.text.is_empty());
        assert!(attached.forward_attached);
    }
}
