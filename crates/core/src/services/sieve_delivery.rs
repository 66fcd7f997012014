//! The pipeline's last step before the store: the mailbox's active Sieve script decides what
//! becomes of the mailbox's copy (folders, flags, redirects, a refusal, a vacation answer).
//! A script that cannot run, or an action that cannot be carried out, means the copy is kept
//! where its address files it, and an audit event says why: mail is never lost.

use super::auto_reply::Answer;
use super::delivery::{Delivered, Pass};
use super::recipients::LocalRecipient;
use crate::Core;
use crate::access::MailboxAccess;
use crate::domain::EmailAddress;
use crate::error::CoreError;
use crate::mail::{Flags, Folder, INBOX};
use crate::routing::Content;
use trekmail_sieve::{Action, Context, Outcome, Vacation};

impl Core {
    /// Files pass `index`'s copy: by the mailbox's active script `source`, or where its
    /// address files it when there is none. `forwarded`: the Forwarding tab sends the
    /// message on as well, so the script can no longer refuse it.
    pub(super) async fn file(
        &self,
        passes: &mut Vec<Pass>,
        index: usize,
        source: Option<&str>,
        forwarded: bool,
    ) -> Result<Delivered, CoreError> {
        let Some(source) = source else {
            return self.keep_pass(passes, index).await;
        };
        let pass = &passes[index];
        let mailbox = pass.to.mailbox.clone();
        match self
            .run_sieve(&pass.to, &pass.from, &pass.body, source)
            .await
        {
            Ok(outcome) => self.carry_out(passes, index, outcome, forwarded).await,
            Err(why) => {
                self.audit_kept(&mailbox, format!("the Sieve script failed: {why}"))
                    .await;
                self.keep_pass(passes, index).await
            }
        }
    }

    /// Compiles and runs the script on the message, as the mailbox sees it now.
    async fn run_sieve(
        &self,
        to: &LocalRecipient,
        from: &str,
        body: &[u8],
        source: &str,
    ) -> Result<Outcome, String> {
        let limits = self.sieve_limits();
        let script = self
            .compiled_scripts
            .get(source, &limits)
            .map_err(|e| e.to_string())?;
        // Only what the script's extensions read is looked up.
        let zone = match script.requires("date") {
            true => self.zone_of(&to.mailbox).await.map_err(|e| e.to_string())?,
            false => chrono_tz::UTC,
        };
        let own: Vec<String> = match script.requires("vacation") {
            true => self
                .own_addresses(&to.mailbox)
                .await
                .map_err(|e| e.to_string())?
                .iter()
                .map(ToString::to_string)
                .collect(),
            false => Vec::new(),
        };
        let folders = match script.requires("mailbox") {
            true => self
                .store
                .folders(to.mailbox.id)
                .await
                .map_err(|e| e.to_string())?,
            false => Vec::new(),
        };
        let folder_exists = |name: &str| find(&folders, name).is_some();
        let now = self.clock.now().with_timezone(&zone).fixed_offset();
        let context = Context {
            message: body,
            envelope_from: from,
            envelope_to: to.address.as_str(),
            now,
            own_addresses: &own,
            folder_exists: &folder_exists,
        };
        trekmail_sieve::run(&script, &context, &limits).map_err(|e| e.to_string())
    }

    /// Carries out the script's actions in order; what could not be done is audited, and a
    /// copy that no action stored for that reason is kept.
    async fn carry_out(
        &self,
        passes: &mut Vec<Pass>,
        index: usize,
        outcome: Outcome,
        forwarded: bool,
    ) -> Result<Delivered, CoreError> {
        let to = passes[index].to.clone();
        let (from, body) = (passes[index].from.clone(), passes[index].body.clone());
        let access = MailboxAccess::new(to.mailbox.id);
        let mut stored = None;
        let mut failed = Vec::new();
        let mut redirects = Vec::new();
        let mut reject = None;
        for action in outcome.actions {
            let filed = match action {
                Action::Keep { flags } => Some((self.keep_folder(&access, &to).await?, flags)),
                Action::FileInto {
                    folder,
                    flags,
                    create,
                } => match self.sieve_folder(&access, &folder, create).await {
                    Ok(found) => Some((found, flags)),
                    Err(e) => {
                        failed.push(format!("fileinto {folder:?}: {e}"));
                        None
                    }
                },
                Action::Redirect { address, .. } => match EmailAddress::parse(&address) {
                    Ok(address) => {
                        redirects.push(address);
                        None
                    }
                    Err(e) => {
                        failed.push(format!("redirect to {address:?}: {e}"));
                        None
                    }
                },
                Action::Reject { reason } => {
                    reject = Some(reason);
                    None
                }
                Action::Vacation(vacation) => {
                    if let Err(e) = self.vacation(passes, &to, &vacation, &from, &body).await {
                        let why = format!("the vacation answer could not be sent: {e}");
                        self.audit_kept(&to.mailbox, why).await;
                    }
                    None
                }
            };
            if let Some((folder, flags)) = filed {
                let flags = Flags::new(flags.iter().map(String::as_str));
                let done = self.store_in(&access, &folder, &body, flags).await?;
                passes[index].kept = true;
                stored.get_or_insert(done);
            }
        }
        let sent_on = !redirects.is_empty();
        if sent_on {
            failed.extend(self.send_on(passes, index, redirects).await);
        }
        if let Some(reason) = reject {
            if !forwarded && !sent_on {
                tracing::info!(to = %to.mailbox.address, "a Sieve script refused a message");
                return Ok(Delivered::Rejected(reason));
            }
            let why = "the Sieve script's reject came after the message was forwarded, so it was \
                       discarded instead";
            self.audit_kept(&to.mailbox, why.into()).await;
        }
        if !failed.is_empty() {
            self.audit_kept(&to.mailbox, failed.join("; ")).await;
            if stored.is_none() {
                return self.keep_pass(passes, index).await;
            }
        }
        Ok(match (stored, sent_on) {
            (Some(stored), _) => stored,
            (None, true) => Delivered::Forwarded,
            (None, false) => Delivered::Discarded,
        })
    }

    /// The folder `fileinto` names: INBOX in any case, the folder of that name, or a new one
    /// with `:create`.
    async fn sieve_folder(
        &self,
        access: &MailboxAccess,
        name: &str,
        create: bool,
    ) -> Result<Folder, CoreError> {
        if let Some(folder) = find(&self.store.folders(access.mailbox()).await?, name) {
            return Ok(folder.clone());
        }
        match create {
            true => self.create_folder(access, name).await,
            false => Err(CoreError::Invalid(
                "no such folder (:create makes it)".into(),
            )),
        }
    }

    /// A vacation answer, under the Auto-Reply tab's rules and memory.
    async fn vacation(
        &self,
        passes: &mut Vec<Pass>,
        to: &LocalRecipient,
        vacation: &Vacation,
        from: &str,
        body: &[u8],
    ) -> Result<(), CoreError> {
        let handle = format!("sieve:{}", vacation.handle);
        let answer = Answer {
            handle: &handle,
            days: vacation.days,
            subject: vacation.subject.as_deref().unwrap_or(""),
            content: match vacation.mime {
                true => Content::Mime(&vacation.reason),
                false => Content::Text(&vacation.reason),
            },
            also_addressed: &vacation.addresses,
            from: vacation.from.as_deref().map(angle_address),
        };
        self.answer_sender(passes, to, &answer, from, body).await
    }
}

/// The address of `Name <address>`, or the whole text.
fn angle_address(from: &str) -> &str {
    match from.rsplit_once('<') {
        Some((_, rest)) => rest.split('>').next().unwrap_or(rest).trim(),
        None => from.trim(),
    }
}

/// The folder called `name`: INBOX in any case, others exactly.
fn find<'a>(folders: &'a [Folder], name: &str) -> Option<&'a Folder> {
    let name = match name.eq_ignore_ascii_case(INBOX) {
        true => INBOX,
        false => name,
    };
    folders.iter().find(|f| f.name == name)
}
