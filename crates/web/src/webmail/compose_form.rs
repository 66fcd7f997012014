//! The compose form as posted: read from `multipart/form-data` with the size limit counted as
//! the bytes arrive, and checked field by field into an [`Outgoing`] message. A line break
//! in a header field (a header-injection attempt) or an address that is not one is an error
//! shown beside its field; nothing is sent or saved from a form with errors.

use super::outgoing_message::{Attachment, Outgoing, Person};
use axum::extract::Multipart;
use axum::extract::multipart::Field;
use trekmail_core::domain::EmailAddress;

/// What the owner pressed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Action {
    Send,
    /// Save the draft (also what an upload and the autosave do).
    #[default]
    Save,
    Discard,
}

/// The form's fields as typed.
#[derive(Debug, Clone, Default)]
pub struct ComposeForm {
    pub csrf: String,
    pub action: Action,
    pub from: String,
    pub to: String,
    pub cc: String,
    pub bcc: String,
    pub subject: String,
    pub text: String,
    pub in_reply_to: String,
    pub references: String,
    /// The draft this form continues, in Drafts.
    pub draft: Option<u32>,
    /// A message being forwarded (`folder:uid`) and how, until the first draft holds it.
    pub forward: Option<(i64, u32)>,
    pub forward_attached: bool,
    /// The draft's attachments (by position) the owner removed.
    pub removed: Vec<usize>,
    pub files: Vec<Attachment>,
    /// The files passed the size limit: none of them was kept.
    pub oversized: bool,
}

/// One field's error, for the page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    pub field: &'static str,
    pub message: String,
}

/// Why the form could not be read at all.
#[derive(Debug, PartialEq, Eq)]
pub enum Unread {
    /// The upload went on far past the size limit: the connection is let go unread.
    TooLarge,
    Malformed,
}

/// How far past the size limit an upload is still read (and thrown away), so that a browser
/// without the page's script gets its answer rather than a reset connection.
pub const DRAINED_FACTOR: usize = 4;

impl ComposeForm {
    /// Reads the posted form. Files past `limit` bytes in all are counted and dropped, up to
    /// [`DRAINED_FACTOR`] times the limit, where reading stops.
    pub async fn read(mut multipart: Multipart, limit: usize) -> Result<ComposeForm, Unread> {
        let mut form = ComposeForm::default();
        let mut attached = 0usize;
        while let Some(field) = multipart
            .next_field()
            .await
            .map_err(|_| Unread::Malformed)?
        {
            let name = field.name().unwrap_or_default().to_owned();
            if name == "files" {
                let room = limit.saturating_sub(attached);
                match read_file(field, room, limit * DRAINED_FACTOR).await? {
                    Upload::File(file) => {
                        attached += file.data.len();
                        form.files.push(file);
                    }
                    Upload::Empty => {}
                    Upload::Over => form.oversized = true,
                }
                continue;
            }
            let value = field.text().await.map_err(|_| Unread::Malformed)?;
            form.set(&name, value);
        }
        Ok(form)
    }

    fn set(&mut self, name: &str, value: String) {
        match name {
            "csrf" => self.csrf = value,
            "action" => {
                self.action = match value.as_str() {
                    "send" => Action::Send,
                    "discard" => Action::Discard,
                    _ => Action::Save,
                }
            }
            "from" => self.from = value,
            "to" => self.to = value,
            "cc" => self.cc = value,
            "bcc" => self.bcc = value,
            "subject" => self.subject = value,
            "text" => self.text = value,
            "in_reply_to" => self.in_reply_to = value,
            "references" => self.references = value,
            "draft" => self.draft = value.parse().ok(),
            "forward" => {
                self.forward = value
                    .split_once(':')
                    .and_then(|(f, u)| Some((f.parse().ok()?, u.parse().ok()?)))
            }
            "forward_attached" => self.forward_attached = value == "1",
            "remove" => self.removed.extend(value.parse::<usize>().ok()),
            _ => {}
        }
    }

    /// The message the form describes, or every field's error. `own` are the addresses the
    /// mailbox may send as; `From` must be one of them.
    pub fn outgoing(&self, own: &[EmailAddress]) -> Result<Outgoing, Vec<FieldError>> {
        let mut errors = Vec::new();
        let mut people = |field: &'static str, value: &str| match people(value) {
            Ok(list) => list,
            Err(message) => {
                errors.push(FieldError { field, message });
                Vec::new()
            }
        };
        let to = people("to", &self.to);
        let cc = people("cc", &self.cc);
        let bcc = people("bcc", &self.bcc);
        let from = own.iter().find(|a| a.as_str() == self.from.trim());
        if from.is_none() {
            errors.push(FieldError {
                field: "from",
                message: "Choose one of your own addresses.".into(),
            });
        }
        let single_lines = [
            ("subject", &self.subject),
            ("in_reply_to", &self.in_reply_to),
            ("references", &self.references),
        ];
        for (field, value) in single_lines {
            if value.contains(['\r', '\n']) {
                errors.push(FieldError {
                    field,
                    message: "Line breaks are not allowed here.".into(),
                });
            }
        }
        if !errors.is_empty() {
            return Err(errors);
        }
        Ok(Outgoing {
            from: from.map(|address| Person {
                name: None,
                address: address.clone(),
            }),
            to,
            cc,
            bcc,
            subject: self.subject.trim().to_owned(),
            text: self.text.replace("\r\n", "\n"),
            in_reply_to: message_ids(&self.in_reply_to).into_iter().next(),
            references: message_ids(&self.references),
            attachments: Vec::new(),
        })
    }
}

/// One file field, as read.
enum Upload {
    File(Attachment),
    /// A file input left empty still posts a part, with no name and no bytes.
    Empty,
    /// Past the room left: read to its end and dropped.
    Over,
}

async fn read_file(mut field: Field<'_>, room: usize, drain: usize) -> Result<Upload, Unread> {
    let name = field.file_name().map(str::to_owned).unwrap_or_default();
    let content_type = field
        .content_type()
        .filter(|t| is_media_type(t))
        .unwrap_or("application/octet-stream")
        .to_owned();
    let (mut data, mut seen) = (Vec::new(), 0usize);
    while let Some(chunk) = field.chunk().await.map_err(|_| Unread::Malformed)? {
        seen += chunk.len();
        if seen > drain {
            return Err(Unread::TooLarge);
        }
        if seen <= room {
            data.extend_from_slice(&chunk);
        }
    }
    if seen > room {
        return Ok(Upload::Over);
    }
    if name.is_empty() && data.is_empty() {
        return Ok(Upload::Empty);
    }
    let name = match name.trim() {
        "" => "attachment".to_owned(),
        name => name.replace(['\r', '\n', '"', '/', '\\'], "_"),
    };
    Ok(Upload::File(Attachment {
        name,
        content_type,
        data,
    }))
}

/// `type/subtype` of token characters only, as a browser should send.
fn is_media_type(value: &str) -> bool {
    let token = |s: &str| {
        !s.is_empty()
            && s.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"!#$&-^_.+".contains(&b))
    };
    matches!(value.split_once('/'), Some((t, s)) if token(t) && token(s))
}

/// Addresses as a person writes them: `a@b.c, Name <d@e.f>, "Last, First" <g@h.i>`.
pub fn people(value: &str) -> Result<Vec<Person>, String> {
    if value.contains(['\r', '\n']) {
        return Err("Line breaks are not allowed here.".into());
    }
    let mut out = Vec::new();
    for item in split_list(value) {
        let item = item.trim();
        if item.is_empty() {
            continue;
        }
        let (name, address) = match (item.rfind('<'), item.ends_with('>')) {
            (Some(open), true) => {
                let name = item[..open].trim().trim_matches('"').trim();
                (Some(name), &item[open + 1..item.len() - 1])
            }
            _ => (None, item),
        };
        let address = EmailAddress::parse(address.trim())
            .map_err(|_| format!("“{item}” is not an email address."))?;
        out.push(Person {
            name: name.filter(|n| !n.is_empty()).map(str::to_owned),
            address,
        });
    }
    Ok(out)
}

/// Splits at commas and semicolons outside quotes and angle brackets.
fn split_list(value: &str) -> Vec<&str> {
    let (mut items, mut start, mut quoted, mut angle) = (Vec::new(), 0, false, false);
    for (i, c) in value.char_indices() {
        match c {
            '"' => quoted = !quoted,
            '<' if !quoted => angle = true,
            '>' if !quoted => angle = false,
            ',' | ';' if !quoted && !angle => {
                items.push(&value[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    items.push(&value[start..]);
    items
}

/// Message-IDs written `<a@b> <c@d>`, without their brackets.
pub fn message_ids(value: &str) -> Vec<String> {
    value
        .split(|c: char| c.is_whitespace() || c == ',')
        .map(|id| id.trim_matches(['<', '>']))
        .filter(|id| id.contains('@') && !id.contains(['<', '>']))
        .map(str::to_owned)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn own() -> Vec<EmailAddress> {
        vec![EmailAddress::parse("me@example.com").unwrap()]
    }

    #[test]
    fn reads_addresses_as_people_write_them() {
        let list =
            people("a@example.com; Bo <bo@example.net>, \"Last, First\" <lf@example.org>").unwrap();
        let written: Vec<(Option<&str>, &str)> = list
            .iter()
            .map(|p| (p.name.as_deref(), p.address.as_str()))
            .collect();
        assert_eq!(
            written,
            [
                (None, "a@example.com"),
                (Some("Bo"), "bo@example.net"),
                (Some("Last, First"), "lf@example.org")
            ]
        );
        assert!(
            people("not an address")
                .unwrap_err()
                .contains("not an email address")
        );
        assert!(people("").unwrap().is_empty());
    }

    #[test]
    fn line_breaks_in_header_fields_are_refused_beside_their_field() {
        let form = ComposeForm {
            from: "me@example.com".into(),
            to: "a@example.com\r\nBcc: victim@example.net".into(),
            subject: "Hi\r\nBcc: victim@example.net".into(),
            ..ComposeForm::default()
        };
        let errors = form.outgoing(&own()).unwrap_err();
        let fields: Vec<&str> = errors.iter().map(|e| e.field).collect();
        assert_eq!(fields, ["to", "subject"]);
    }

    #[test]
    fn from_must_be_an_own_address() {
        let form = ComposeForm {
            from: "boss@example.com".into(),
            to: "a@example.com".into(),
            ..ComposeForm::default()
        };
        assert_eq!(form.outgoing(&own()).unwrap_err()[0].field, "from");
        let form = ComposeForm {
            from: "me@example.com".into(),
            ..form
        };
        let message = form.outgoing(&own()).unwrap();
        assert_eq!(message.from.unwrap().address.as_str(), "me@example.com");
    }

    #[test]
    fn message_ids_and_media_types() {
        assert_eq!(message_ids("<a@b> <c@d>, junk"), ["a@b", "c@d"]);
        assert!(is_media_type("image/png"));
        assert!(!is_media_type("text/html; x=\"y\""));
        assert!(!is_media_type("nope"));
    }
}
