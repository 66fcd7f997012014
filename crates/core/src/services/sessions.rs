use super::{Actor, Scope};
use crate::Core;
use crate::access::OwnAccess;
use crate::audit::AuditKind;
use crate::error::CoreError;
use crate::ids::{AccountId, Principal, SessionId};
use crate::store::{AuditRecord, SessionRow};

impl Core {
    /// The account a principal belongs to, if `scope` may act on it.
    async fn scoped(&self, scope: Scope, who: Principal) -> Result<AccountId, CoreError> {
        match who {
            Principal::Mailbox(id) => Ok(self.mailbox(scope, id).await?.account_id),
            Principal::Account(id) => Ok(self.account(scope, id).await?.id),
        }
    }

    /// Every live session of `who`, over every channel and node (operator, admin).
    pub async fn sessions(
        &self,
        scope: Scope,
        who: Principal,
    ) -> Result<Vec<SessionRow>, CoreError> {
        self.scoped(scope, who).await?;
        self.registry().list(who).await
    }

    /// Every live session of the signed-in owner.
    pub async fn own_sessions(&self, own: &OwnAccess) -> Result<Vec<SessionRow>, CoreError> {
        self.registry().list(own.who()).await
    }

    /// Ends every session of `who` but `keep`; returns how many ended.
    pub async fn end_sessions(
        &self,
        scope: Scope,
        who: Principal,
        keep: Option<&SessionId>,
        actor: &Actor,
    ) -> Result<u64, CoreError> {
        let account = self.scoped(scope, who).await?;
        self.end_sessions_of(who, account, keep, actor).await
    }

    /// The signed-in owner ends every own session but `keep`; returns how many ended.
    pub async fn end_own_sessions(
        &self,
        own: &OwnAccess,
        keep: Option<&SessionId>,
        actor: &Actor,
    ) -> Result<u64, CoreError> {
        self.end_sessions_of(own.who(), own.account(), keep, actor)
            .await
    }

    /// Ends one session of `who` ("End session" on a row).
    pub async fn end_session(
        &self,
        scope: Scope,
        who: Principal,
        id: &SessionId,
        actor: &Actor,
    ) -> Result<(), CoreError> {
        let account = self.scoped(scope, who).await?;
        self.end_session_of(who, account, id, actor).await
    }

    /// The signed-in owner ends one own session; another's is "not found".
    pub async fn end_own_session(
        &self,
        own: &OwnAccess,
        id: &SessionId,
        actor: &Actor,
    ) -> Result<(), CoreError> {
        self.end_session_of(own.who(), own.account(), id, actor)
            .await
    }

    async fn end_sessions_of(
        &self,
        who: Principal,
        account: AccountId,
        keep: Option<&SessionId>,
        actor: &Actor,
    ) -> Result<u64, CoreError> {
        let ended = self.registry().end_all(who, keep).await?;
        self.audit_sessions_ended(account, who, ended, actor)
            .await?;
        Ok(ended)
    }

    async fn end_session_of(
        &self,
        who: Principal,
        account: AccountId,
        id: &SessionId,
        actor: &Actor,
    ) -> Result<(), CoreError> {
        let owned = self
            .store
            .sessions_of(who)
            .await?
            .iter()
            .any(|s| &s.id == id);
        if !owned || self.registry().end_one(id).await?.is_none() {
            return Err(CoreError::NotFound);
        }
        self.audit_sessions_ended(account, who, 1, actor).await
    }

    /// The newest `limit` audit events about `who`.
    pub async fn audit_of(
        &self,
        scope: Scope,
        who: Principal,
        limit: u32,
    ) -> Result<Vec<AuditRecord>, CoreError> {
        self.scoped(scope, who).await?;
        Ok(self.store.audit_of(who, limit).await?)
    }

    async fn audit_sessions_ended(
        &self,
        account: AccountId,
        who: Principal,
        count: u64,
        actor: &Actor,
    ) -> Result<(), CoreError> {
        let event = actor
            .event(self.clock.now(), AuditKind::SessionsEnded)
            .account(account)
            .principal(who)
            .detail(format!("{count} ended"));
        Ok(self.store.append_audit(&event).await?)
    }
}
