use super::accounts::check_policy;
use super::{Actor, Scope};
use crate::Core;
use crate::audit::AuditKind;
use crate::error::CoreError;
use crate::events::{DomainEvent, EventKind};
use crate::ids::{AccountId, MailboxId, Principal, SessionId};

impl Core {
    /// "Save password" from the dashboard, the API or the operator: the new password works at
    /// once, the old one nowhere, and every session of the mailbox ends. Returns how many.
    pub async fn set_mailbox_password(
        &self,
        scope: Scope,
        id: MailboxId,
        new: &str,
        actor: &Actor,
    ) -> Result<u64, CoreError> {
        let mailbox = self.mailbox(scope, id).await?;
        self.replace_password(Principal::Mailbox(id), mailbox.account_id, new, None, actor)
            .await
    }

    /// The operator sets an account owner's dashboard password, e.g. when the owner forgot it:
    /// every dashboard session of the owner ends. Returns how many.
    pub async fn set_owner_password(
        &self,
        account: AccountId,
        new: &str,
        actor: &Actor,
    ) -> Result<u64, CoreError> {
        let account = self.account(Scope::Operator, account).await?;
        self.replace_password(Principal::Account(account.id), account.id, new, None, actor)
            .await
    }

    /// A mailbox owner (webmail) or account owner (dashboard) changes their own password,
    /// giving the current one. Every other session ends; `keep` stays signed in.
    pub async fn change_own_password(
        &self,
        who: Principal,
        account: AccountId,
        current: &str,
        new: &str,
        keep: Option<&SessionId>,
        actor: &Actor,
    ) -> Result<u64, CoreError> {
        check_policy(new)?;
        let door = self.door();
        let attempt = door
            .begin(actor.channel, &actor.name, actor.remote, None)
            .await?;
        if !door.password_matches(who, current).await? {
            return Err(self
                .refuse_change(attempt, who, account, actor, "wrong current password")
                .await
                .unless_denied("the current password is not right"));
        }
        door.refund(attempt).await;
        self.replace_password(who, account, new, keep, actor).await
    }

    /// The one path every password change takes: policy, hash, then one atomic store change
    /// (hash, epoch, session rows, audit), then this node's sessions closed and the others told.
    async fn replace_password(
        &self,
        who: Principal,
        account: AccountId,
        new: &str,
        keep: Option<&SessionId>,
        actor: &Actor,
    ) -> Result<u64, CoreError> {
        check_policy(new)?;
        let hash = self.hasher.hash(new).await?;
        let audit = actor
            .event(self.clock.now(), AuditKind::PasswordChanged)
            .account(account)
            .principal(who);
        let (_, ended) = self.store.change_password(who, &hash, keep, &audit).await?;
        self.registry().rows_deleted(who, keep).await;
        self.publish(DomainEvent {
            account_id: account,
            mailbox_id: match who {
                Principal::Mailbox(id) => Some(id),
                Principal::Account(_) => None,
            },
            kind: EventKind::PasswordChanged,
        })
        .await;
        tracing::info!(%who, ended, "password changed; sessions ended");
        Ok(ended)
    }
}
