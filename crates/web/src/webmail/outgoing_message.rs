//! A message the owner writes, as webmail builds it: headers with encoded words where needed
//! and a MIME body of the text and the attachments, both by mail-builder, so no field typed
//! in a form is ever written into the message as raw header text.

use chrono::{DateTime, Utc};
use mail_builder::MessageBuilder;
use mail_builder::headers::address::Address;
use mail_builder::mime::{BodyPart, MimePart};
use trekmail_core::domain::EmailAddress;

/// An address with the name written beside it, if any.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Person {
    pub name: Option<String>,
    pub address: EmailAddress,
}

impl Person {
    fn header(&self) -> Address<'_> {
        match &self.name {
            Some(name) => (name.as_str(), self.address.as_str()).into(),
            None => self.address.as_str().into(),
        }
    }
}

/// A file attached to a message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attachment {
    pub name: String,
    pub content_type: String,
    pub data: Vec<u8>,
}

/// `message/rfc822`: a forwarded message, attached whole.
pub const MESSAGE_TYPE: &str = "message/rfc822";

/// Everything a written message holds.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Outgoing {
    pub from: Option<Person>,
    pub to: Vec<Person>,
    pub cc: Vec<Person>,
    pub bcc: Vec<Person>,
    pub subject: String,
    pub text: String,
    /// The Message-ID answered, without angle brackets.
    pub in_reply_to: Option<String>,
    pub references: Vec<String>,
    pub attachments: Vec<Attachment>,
}

/// Whether the built message carries its Bcc line: a draft keeps it, sent mail must not.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Bcc {
    Kept,
    Left,
}

impl Outgoing {
    /// Every recipient, To then Cc then Bcc.
    pub fn recipients(&self) -> Vec<EmailAddress> {
        let all = self.to.iter().chain(&self.cc).chain(&self.bcc);
        let mut out: Vec<EmailAddress> = Vec::new();
        for person in all {
            if !out.contains(&person.address) {
                out.push(person.address.clone());
            }
        }
        out
    }

    /// The message as RFC 5322 bytes.
    pub fn build(
        &self,
        message_id: &str,
        date: DateTime<Utc>,
        bcc: Bcc,
    ) -> std::io::Result<Vec<u8>> {
        let mut message = MessageBuilder::new()
            .message_id(message_id)
            .date(date.timestamp())
            .subject(self.subject.as_str())
            .header(
                "User-Agent",
                mail_builder::headers::raw::Raw::new("TrekMail webmail"),
            );
        if let Some(from) = &self.from {
            message = message.from(from.header());
        }
        if !self.to.is_empty() {
            message = message.to(list(&self.to));
        }
        if !self.cc.is_empty() {
            message = message.cc(list(&self.cc));
        }
        if bcc == Bcc::Kept && !self.bcc.is_empty() {
            message = message.bcc(list(&self.bcc));
        }
        if let Some(answered) = &self.in_reply_to {
            message = message.in_reply_to(answered.as_str());
        }
        if !self.references.is_empty() {
            let ids: Vec<&str> = self.references.iter().map(String::as_str).collect();
            message = message.references(ids);
        }
        let text = MimePart::new("text/plain; charset=utf-8", self.text.as_str());
        let body = match self.attachments.is_empty() {
            true => text,
            false => {
                let mut parts = vec![text];
                parts.extend(self.attachments.iter().map(attachment_part));
                MimePart::new("multipart/mixed", parts)
            }
        };
        message.body(body).write_to_vec()
    }
}

fn list(people: &[Person]) -> Address<'_> {
    Address::new_list(people.iter().map(Person::header).collect())
}

fn attachment_part(file: &Attachment) -> MimePart<'_> {
    let part = MimePart::new(
        file.content_type.as_str(),
        BodyPart::Binary(file.data.as_slice().into()),
    )
    .attachment(file.name.as_str());
    match file.content_type == MESSAGE_TYPE {
        // RFC 2046 5.2.1: a message part is never base64.
        true => part.transfer_encoding("8bit"),
        false => part,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use mail_parser::{MessageParser, MimeHeaders};

    fn person(name: Option<&str>, address: &str) -> Person {
        Person {
            name: name.map(str::to_owned),
            address: EmailAddress::parse(address).unwrap(),
        }
    }

    fn sample() -> Outgoing {
        Outgoing {
            from: Some(person(Some("Ann Ö"), "ann@example.com")),
            to: vec![person(None, "bo@example.net")],
            cc: vec![person(Some("Cy"), "cy@example.org")],
            bcc: vec![person(None, "dee@example.com")],
            subject: "Héllo".into(),
            text: "Dear Bo,\n\ncafé\n".into(),
            in_reply_to: Some("orig@example.net".into()),
            references: vec!["first@example.net".into(), "orig@example.net".into()],
            attachments: vec![Attachment {
                name: "notes ü.txt".into(),
                content_type: "application/octet-stream".into(),
                data: vec![0, 159, 146, 150],
            }],
        }
    }

    #[test]
    fn builds_headers_text_and_attachments_that_a_parser_reads_back() {
        let raw = sample()
            .build("id1@example.com", Utc::now(), Bcc::Left)
            .unwrap();
        let parsed = MessageParser::default().parse(&raw).unwrap();
        assert_eq!(parsed.subject(), Some("Héllo"));
        assert_eq!(parsed.message_id(), Some("id1@example.com"));
        assert_eq!(parsed.in_reply_to().as_text(), Some("orig@example.net"));
        assert_eq!(parsed.references().as_text_list().unwrap().len(), 2);
        let from = parsed.from().unwrap().first().unwrap();
        assert_eq!(from.name(), Some("Ann Ö"));
        assert_eq!(
            parsed.body_text(0).unwrap().trim_end(),
            "Dear Bo,\r\n\r\ncafé"
        );
        let file = parsed.attachment(0).unwrap();
        assert_eq!(file.attachment_name(), Some("notes ü.txt"));
        assert_eq!(file.contents(), &[0, 159, 146, 150]);
        assert!(parsed.header("Bcc").is_none(), "sent mail carries no Bcc");
        let kept = sample()
            .build("id1@example.com", Utc::now(), Bcc::Kept)
            .unwrap();
        let draft = MessageParser::default().parse(&kept).unwrap();
        assert!(draft.header("Bcc").is_some(), "a draft keeps its Bcc");
    }

    #[test]
    fn recipients_are_each_address_once() {
        let mut message = sample();
        message.bcc.push(person(None, "bo@example.net"));
        let all: Vec<String> = message
            .recipients()
            .iter()
            .map(|a| a.as_str().to_owned())
            .collect();
        assert_eq!(all, ["bo@example.net", "cy@example.org", "dee@example.com"]);
    }
}
