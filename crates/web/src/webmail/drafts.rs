//! Drafts are messages in the mailbox's Drafts folder, flagged `\Draft`, so every IMAP client
//! sees them too. A save appends the new version before it removes the one it replaces: a
//! failure between the two leaves an extra draft, never none.

use super::compose_form::ComposeForm;
use super::outgoing_message::Attachment;
use crate::error::WebError;
use mail_parser::{Address, HeaderValue, MessageParser, MimeHeaders};
use trekmail_core::Core;
use trekmail_core::access::MailboxAccess;
use trekmail_core::mail::{FlagChange, Flags, Folder, SpecialUse};

const DRAFT: &str = "\\Draft";
const DELETED: &str = "\\Deleted";

/// The mailbox's Drafts folder.
pub async fn folder(core: &Core, access: &MailboxAccess) -> Result<Folder, WebError> {
    core.folders(access)
        .await?
        .into_iter()
        .find(|f| f.special_use == Some(SpecialUse::Drafts))
        .ok_or(WebError::NotFound)
}

/// Stores `message` as the draft that replaces `replaces`; its new UID.
pub async fn save(
    core: &Core,
    access: &MailboxAccess,
    message: &[u8],
    replaces: Option<u32>,
) -> Result<u32, WebError> {
    let drafts = folder(core, access).await?;
    let flags = Flags::new([DRAFT, "\\Seen"]);
    let stored = core
        .append(access, &drafts, message, flags, core.clock().now())
        .await?;
    if let Some(old) = replaces {
        remove_from(core, access, &drafts, old).await?;
    }
    Ok(stored.uid)
}

/// Removes a draft (sent or discarded). A UID that is not a draft is left alone.
pub async fn remove(core: &Core, access: &MailboxAccess, uid: u32) -> Result<(), WebError> {
    let drafts = folder(core, access).await?;
    remove_from(core, access, &drafts, uid).await
}

async fn remove_from(
    core: &Core,
    access: &MailboxAccess,
    drafts: &Folder,
    uid: u32,
) -> Result<(), WebError> {
    let found = core.messages_with_uids(access, drafts, &[uid]).await?;
    if !found.iter().any(|m| m.flags.contains(DRAFT)) {
        return Ok(());
    }
    let deleted = Flags::new([DELETED]);
    core.store_flags(access, drafts, &[uid], FlagChange::Add, &deleted)
        .await?;
    core.expunge(access, drafts, Some(&[uid])).await?;
    Ok(())
}

/// A draft's bytes, if `uid` is a draft of this mailbox.
pub async fn body(
    core: &Core,
    access: &MailboxAccess,
    uid: u32,
) -> Result<Option<Vec<u8>>, WebError> {
    let drafts = folder(core, access).await?;
    let found = core.messages_with_uids(access, &drafts, &[uid]).await?;
    match found.into_iter().find(|m| m.flags.contains(DRAFT)) {
        Some(meta) => Ok(Some(core.message_body(access, &drafts, &meta).await?)),
        None => Ok(None),
    }
}

/// The form a draft was saved from, and its attachments.
pub fn form_of(raw: &[u8], uid: u32) -> (ComposeForm, Vec<Attachment>) {
    let Some(message) = MessageParser::default().parse(raw) else {
        return (ComposeForm::default(), Vec::new());
    };
    let list = |value: Option<&Address<'_>>| value.map(written).unwrap_or_default();
    let ids = |value: &HeaderValue<'_>| match value {
        HeaderValue::Text(id) => format!("<{id}>"),
        HeaderValue::TextList(ids) => ids
            .iter()
            .map(|id| format!("<{id}>"))
            .collect::<Vec<_>>()
            .join(" "),
        _ => String::new(),
    };
    let form = ComposeForm {
        from: message
            .from()
            .and_then(|a| a.first())
            .and_then(|a| a.address())
            .unwrap_or_default()
            .to_owned(),
        to: list(message.to()),
        cc: list(message.cc()),
        bcc: list(message.bcc()),
        subject: message.subject().unwrap_or_default().to_owned(),
        text: message
            .body_text(0)
            .map(|t| t.trim_end_matches(['\r', '\n']).to_owned())
            .unwrap_or_default(),
        in_reply_to: ids(message.in_reply_to()),
        references: ids(message.references()),
        draft: Some(uid),
        ..ComposeForm::default()
    };
    (form, attachments(raw))
}

/// A message's attachments, in order: what a draft carries, or what a forward passes on.
pub fn attachments(raw: &[u8]) -> Vec<Attachment> {
    let Some(message) = MessageParser::default().parse(raw) else {
        return Vec::new();
    };
    message
        .attachments()
        .map(|part| Attachment {
            name: part.attachment_name().unwrap_or("attachment").to_owned(),
            content_type: part
                .content_type()
                .map(|t| match t.subtype() {
                    Some(sub) => format!("{}/{sub}", t.ctype()),
                    None => t.ctype().to_owned(),
                })
                .unwrap_or_else(|| "application/octet-stream".into()),
            data: part.contents().to_vec(),
        })
        .collect()
}

/// `Name <address>, …`, as the form shows addresses.
fn written(address: &Address<'_>) -> String {
    address
        .iter()
        .filter_map(|a| {
            let addr = a.address()?;
            Some(match a.name() {
                Some(name) if name.contains([',', ';']) => format!("\"{name}\" <{addr}>"),
                Some(name) => format!("{name} <{addr}>"),
                None => addr.to_owned(),
            })
        })
        .collect::<Vec<_>>()
        .join(", ")
}
