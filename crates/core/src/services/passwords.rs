use super::accounts::check_policy;
use super::{Actor, Scope};
use crate::Core;
use crate::access::OwnAccess;
use crate::audit::AuditKind;
use crate::error::CoreError;
use crate::events::{DomainEvent, EventKind};
use crate::ids::{AccountId, MailboxId, Principal, SessionId};

/// What an operator's reset of an owner's password ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OwnerReset {
    /// Dashboard sessions.
    pub sessions: u64,
    /// API tokens revoked.
    pub api_tokens: u64,
}

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

    /// The operator sets an account owner's dashboard password, e.g. when the owner forgot it
    /// or it leaked: every dashboard session of the owner ends and every API token of the
    /// account is revoked (one made with a leaked password must not outlive it).
    pub async fn set_owner_password(
        &self,
        account: AccountId,
        new: &str,
        actor: &Actor,
    ) -> Result<OwnerReset, CoreError> {
        let account = self.account(Scope::OPERATOR, account).await?;
        check_policy(new)?;
        let audit = actor
            .event(self.clock.now(), AuditKind::ApiTokenRevoked)
            .account(account.id)
            .detail("every token, with the owner's password reset");
        let api_tokens = self.store.revoke_api_tokens_of(account.id, &audit).await?;
        let sessions = self
            .replace_password(Principal::Account(account.id), account.id, new, None, actor)
            .await?;
        Ok(OwnerReset {
            sessions,
            api_tokens,
        })
    }

    /// A mailbox owner (webmail) or account owner (dashboard) changes their own password,
    /// giving the current one. Every other session ends; `keep` stays signed in.
    pub async fn change_own_password(
        &self,
        own: &OwnAccess,
        current: &str,
        new: &str,
        keep: Option<&SessionId>,
        actor: &Actor,
    ) -> Result<u64, CoreError> {
        let (who, account) = (own.who(), own.account());
        check_policy(new)?;
        self.confirm_password(who, account, current, actor, "wrong current password")
            .await?;
        self.replace_password(who, account, new, keep, actor).await
    }

    /// `password` is `who`'s current one, asked again before a change. A wrong one counts,
    /// is audited (`why`) and delayed like a failed sign-in.
    pub(super) async fn confirm_password(
        &self,
        who: Principal,
        account: AccountId,
        password: &str,
        actor: &Actor,
        why: &str,
    ) -> Result<(), CoreError> {
        let door = self.door();
        let attempt = door
            .begin(actor.channel, &actor.name, actor.remote, None)
            .await?;
        if door.password_matches(who, password).await? {
            door.refund(attempt).await;
            return Ok(());
        }
        Err(self
            .refuse_change(attempt, who, account, actor, why)
            .await
            .unless_denied("the current password is not right"))
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
