//! The compose page and the "Message sent" page: what they show of the form, its files and
//! its errors.

use super::MailState;
use super::brand::Brand;
use super::compose_form::{ComposeForm, FieldError};
use super::mail::frame;
use super::outgoing_message::Attachment;
use super::owner::MailOwner;
use super::pages::Frame;
use askama::Template;
use trekmail_core::domain::EmailAddress;

/// One attachment the form already carries.
pub struct AttachmentRow {
    pub index: usize,
    pub name: String,
    pub size: String,
}

#[derive(Template)]
#[template(path = "webmail/compose.html")]
pub struct ComposePage {
    pub brand: Brand,
    pub frame: Frame,
    /// The addresses the owner may send from.
    pub own: Vec<String>,
    pub form: ComposeForm,
    pub forward: String,
    pub attachments: Vec<AttachmentRow>,
    /// Shown above the form: a refusal of the whole message.
    pub error: Option<String>,
    pub errors: Vec<FieldError>,
    pub notice: Option<&'static str>,
    pub limit_bytes: usize,
    pub limit_mb: usize,
}

impl ComposePage {
    /// The error beside `field`, if any.
    pub fn error_for(&self, field: &str) -> Option<&str> {
        self.errors
            .iter()
            .find(|e| e.field == field)
            .map(|e| e.message.as_str())
    }
}

#[derive(Template)]
#[template(path = "webmail/compose_sent.html")]
pub struct SentPage {
    pub brand: Brand,
    pub frame: Frame,
    pub recipients: Vec<String>,
    /// Hosted recipients that did not get it, and why.
    pub missed: Vec<(String, &'static str)>,
}

/// The page for `form`, with the files it already carries and no errors yet.
pub(super) fn compose_page(
    state: &MailState,
    owner: &MailOwner,
    own: Vec<EmailAddress>,
    form: ComposeForm,
    attachments: &[Attachment],
) -> ComposePage {
    let limit = state.options.max_message_bytes;
    ComposePage {
        brand: owner.brand.clone(),
        frame: frame(owner),
        own: own.iter().map(|a| a.as_str().to_owned()).collect(),
        forward: form
            .forward
            .map(|(folder, uid)| format!("{folder}:{uid}"))
            .unwrap_or_default(),
        attachments: attachments
            .iter()
            .enumerate()
            .map(|(index, a)| AttachmentRow {
                index,
                name: a.name.clone(),
                size: human_size(a.data.len()),
            })
            .collect(),
        form,
        error: None,
        errors: Vec::new(),
        notice: None,
        limit_bytes: limit,
        limit_mb: limit >> 20,
    }
}

fn human_size(bytes: usize) -> String {
    match bytes {
        0..1024 => format!("{bytes} B"),
        1024..1_048_576 => format!("{} KB", bytes.div_ceil(1024)),
        _ => format!("{:.1} MB", bytes as f64 / 1_048_576.0),
    }
}
