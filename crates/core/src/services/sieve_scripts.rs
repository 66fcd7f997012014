//! The Sieve tab and ManageSieve: a mailbox's scripts, kept only when they compile, at most
//! one active. An admin of the account and the mailbox's signed-in owner edit the same ones.

use super::routing::input_error;
use super::{Actor, Manager};
use crate::Core;
use crate::audit::AuditKind;
use crate::domain::Mailbox;
use crate::error::CoreError;
use crate::routing::{MAX_SIEVE_SCRIPTS, SieveScript, invalid_script_name};
use trekmail_sieve::{CompileErrors, Limits};

impl Core {
    /// The bounds every script and every run of one is held to.
    pub fn sieve_limits(&self) -> Limits {
        Limits::default()
    }

    /// Every error in `source`, with its line and column; nothing is kept.
    pub fn check_sieve(&self, source: &str) -> Result<(), CompileErrors> {
        trekmail_sieve::compile(source, &self.sieve_limits()).map(|_| ())
    }

    pub async fn sieve_scripts(&self, manager: Manager<'_>) -> Result<Vec<SieveScript>, CoreError> {
        let mailbox = self.managed_mailbox(manager).await?;
        Ok(self.store.sieve_scripts(mailbox.id).await?)
    }

    /// One script by name; `NotFound` when the mailbox has none of that name.
    pub async fn sieve_script(
        &self,
        manager: Manager<'_>,
        name: &str,
    ) -> Result<SieveScript, CoreError> {
        let mailbox = self.managed_mailbox(manager).await?;
        self.store
            .sieve_script(mailbox.id, name)
            .await?
            .ok_or(CoreError::NotFound)
    }

    /// Whether a script of `size` bytes could be saved as `name` (ManageSieve's HAVESPACE):
    /// `LimitReached` saying why not.
    pub async fn sieve_space(
        &self,
        manager: Manager<'_>,
        name: &str,
        size: u64,
    ) -> Result<(), CoreError> {
        let mailbox = self.managed_mailbox(manager).await?;
        script_name(name)?;
        let max = self.sieve_limits().max_script_bytes;
        if size > max as u64 {
            return Err(CoreError::LimitReached(format!(
                "a script is at most {max} bytes"
            )));
        }
        let scripts = self.store.sieve_scripts(mailbox.id).await?;
        if !scripts.iter().any(|s| s.name == name) && scripts.len() >= MAX_SIEVE_SCRIPTS as usize {
            return Err(CoreError::LimitReached(format!(
                "a mailbox keeps at most {MAX_SIEVE_SCRIPTS} scripts"
            )));
        }
        Ok(())
    }

    /// Saves a script that compiles (`Invalid` with every error otherwise) under `name`,
    /// replacing one of that name; an active script stays active with its new text.
    pub async fn put_sieve_script(
        &self,
        manager: Manager<'_>,
        name: &str,
        source: &str,
        actor: &Actor,
    ) -> Result<SieveScript, CoreError> {
        let mailbox = self.managed_mailbox(manager).await?;
        script_name(name)?;
        self.check_sieve(source)
            .map_err(|e| CoreError::Invalid(e.to_string()))?;
        let audit = self.sieve_event(actor, &mailbox, format!("script {name:?} saved"));
        let script = self
            .store
            .put_sieve_script(
                mailbox.id,
                name,
                source,
                self.clock.now(),
                MAX_SIEVE_SCRIPTS,
                &audit,
            )
            .await?;
        self.publish_routing(&mailbox).await;
        Ok(script)
    }

    /// Makes `name` the script that runs on the mailbox's mail, or none with `None`.
    pub async fn activate_sieve_script(
        &self,
        manager: Manager<'_>,
        name: Option<&str>,
        actor: &Actor,
    ) -> Result<(), CoreError> {
        let mailbox = self.managed_mailbox(manager).await?;
        let detail = match name {
            Some(name) => format!("script {name:?} activated"),
            None => "scripts deactivated".to_owned(),
        };
        let audit = self.sieve_event(actor, &mailbox, detail);
        self.store
            .activate_sieve_script(mailbox.id, name, &audit)
            .await?;
        self.publish_routing(&mailbox).await;
        Ok(())
    }

    /// Renames a script; `Invalid` when the new name is taken.
    pub async fn rename_sieve_script(
        &self,
        manager: Manager<'_>,
        from: &str,
        to: &str,
        actor: &Actor,
    ) -> Result<(), CoreError> {
        let mailbox = self.managed_mailbox(manager).await?;
        script_name(to)?;
        let audit = self.sieve_event(actor, &mailbox, format!("script {from:?} renamed {to:?}"));
        self.store
            .rename_sieve_script(mailbox.id, from, to, &audit)
            .await
            .map_err(input_error)?;
        self.publish_routing(&mailbox).await;
        Ok(())
    }

    /// Deletes a script that is not the active one (`Invalid` if it is).
    pub async fn delete_sieve_script(
        &self,
        manager: Manager<'_>,
        name: &str,
        actor: &Actor,
    ) -> Result<(), CoreError> {
        let mailbox = self.managed_mailbox(manager).await?;
        let audit = self.sieve_event(actor, &mailbox, format!("script {name:?} deleted"));
        self.store
            .delete_sieve_script(mailbox.id, name, &audit)
            .await
            .map_err(input_error)?;
        self.publish_routing(&mailbox).await;
        Ok(())
    }

    fn sieve_event(
        &self,
        actor: &Actor,
        mailbox: &Mailbox,
        detail: String,
    ) -> crate::audit::AuditEvent {
        self.routing_event(actor, AuditKind::SieveChanged, mailbox, detail)
    }
}

fn script_name(name: &str) -> Result<(), CoreError> {
    match invalid_script_name(name) {
        Some(why) => Err(CoreError::Invalid(why)),
        None => Ok(()),
    }
}
