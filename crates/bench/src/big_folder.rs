//! The large folder the folder benchmarks read: a mailbox whose quota holds it, and its INBOX
//! filled with [`sample_mail`] messages through the core, a thousand per transaction, each
//! body durable.

use crate::sample_mail;
use trekmail_core::domain::Mailbox;
use trekmail_core::mail::{Flags, Folder, IncomingMessage};
use trekmail_core::services::{Actor, NewMailboxRequest};
use trekmail_testkit::{PASSWORD, Seeded, operator};

const FILL_BATCH: usize = 1_000;

/// A mailbox at `address` with a quota of 1 GB (the seeded one's is 100 MB).
pub async fn mailbox(seeded: &Seeded, address: &str) -> anyhow::Result<Mailbox> {
    let request = NewMailboxRequest {
        account: seeded.account,
        address,
        display_name: "Big folder",
        quota_mb: 1024,
        password: PASSWORD,
    };
    let core = &seeded.node.core;
    Ok(core
        .create_mailbox(operator().scope(), &request, &Actor::operator())
        .await?)
}

/// Appends `count` messages to the mailbox's INBOX, message `i` with `flags(i)`.
pub async fn fill(
    seeded: &Seeded,
    mailbox: &Mailbox,
    count: usize,
    flags: fn(usize) -> Flags,
) -> anyhow::Result<Folder> {
    let core = &seeded.node.core;
    let access = seeded.node.access(mailbox.id);
    let inbox = core.folder(&access, "INBOX").await?;
    let now = chrono::Utc::now();
    for start in (0..count).step_by(FILL_BATCH) {
        let range = start..count.min(start + FILL_BATCH);
        let bodies: Vec<Vec<u8>> = range.clone().map(sample_mail::message).collect();
        let batch: Vec<IncomingMessage<'_>> = bodies
            .iter()
            .zip(range)
            .map(|(body, i)| IncomingMessage {
                body,
                flags: flags(i),
                internal_date: now,
            })
            .collect();
        core.append_all(&access, &inbox, &batch).await?;
    }
    Ok(inbox)
}
