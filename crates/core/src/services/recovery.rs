use super::accounts::check_policy;
use super::{Actor, Scope};
use crate::Core;
use crate::audit::{AuditEvent, AuditKind, Channel};
use crate::auth::Authenticated;
use crate::domain::EmailAddress;
use crate::error::CoreError;
use crate::events::{DomainEvent, EventKind};
use crate::ids::{AccountId, MailboxId, Principal};
use crate::security::recovery_code::{RecoveryCode, hash_code};
use crate::store::RecoveryStatus;
use std::net::IpAddr;

impl Core {
    /// "Generate new code": the one active code of the mailbox, shown once; the previous code
    /// stops working.
    pub async fn issue_recovery_code(
        &self,
        scope: Scope,
        id: MailboxId,
        actor: &Actor,
    ) -> Result<RecoveryCode, CoreError> {
        let mailbox = self.mailbox(scope, id).await?;
        let code = RecoveryCode::generate()?;
        let audit = actor
            .event(self.clock.now(), AuditKind::RecoveryCodeIssued)
            .account(mailbox.account_id)
            .principal(Principal::Mailbox(id));
        self.store
            .replace_recovery_code(id, &code.hash(), &audit)
            .await?;
        self.publish(DomainEvent {
            account_id: mailbox.account_id,
            mailbox_id: Some(id),
            kind: EventKind::RecoveryCodeIssued,
        })
        .await;
        Ok(code)
    }

    /// When the current code was issued (and used), or `None` if there never was one.
    pub async fn recovery_status(
        &self,
        scope: Scope,
        id: MailboxId,
    ) -> Result<Option<RecoveryStatus>, CoreError> {
        self.mailbox(scope, id).await?;
        Ok(self.store.recovery_status(id).await?)
    }

    /// Webmail "Forgot password?", recovery code mode: a right, unused code sets the new
    /// password, is used up, turns 2FA off (the owner likely lost the app), ends every session
    /// and signs the owner in. Any wrong input answers `Denied` alike, throttled like sign-in.
    pub async fn redeem_recovery_code(
        &self,
        address: &str,
        code: &str,
        new_password: &str,
        remote: Option<IpAddr>,
    ) -> Result<Authenticated, CoreError> {
        self.redeem_recovery_code_in(None, address, code, new_password, remote)
            .await
    }

    /// [`Self::redeem_recovery_code`] where only `account`'s mailboxes may recover (a branded
    /// webmail host); another's answers like an unknown address.
    pub async fn redeem_recovery_code_in(
        &self,
        account: Option<AccountId>,
        address: &str,
        code: &str,
        new_password: &str,
        remote: Option<IpAddr>,
    ) -> Result<Authenticated, CoreError> {
        check_policy(new_password)?;
        let login = address.trim().to_ascii_lowercase();
        let door = self.door();
        let attempt = door.begin(Channel::Webmail, &login, remote, None).await?;
        let new_hash = self.hasher.hash(new_password).await?;
        let mailbox = match EmailAddress::parse(&login) {
            Ok(a) => self
                .store
                .mailbox_by_address(&a)
                .await?
                .filter(|m| account.is_none_or(|only| only == m.account_id)),
            Err(_) => None,
        };
        let Some(mailbox) = mailbox else {
            return Err(door
                .refuse_principal(
                    attempt,
                    Channel::Webmail,
                    &login,
                    remote,
                    None,
                    "recovery: unknown address",
                )
                .await);
        };
        let who = Principal::Mailbox(mailbox.id);
        let had_two_factor = self.has_two_factor(who).await?;
        let audit = AuditEvent::new(
            self.clock.now(),
            AuditKind::RecoveryCodeUsed,
            Channel::Webmail,
            &login,
        )
        .account(mailbox.account_id)
        .principal(who)
        .remote(remote)
        .detail("password set; 2FA off; sessions ended");
        let redeemed = self
            .store
            .redeem_recovery_code(mailbox.id, &hash_code(code), &new_hash, &audit)
            .await?;
        let Some((epoch, ended)) = redeemed else {
            return Err(door
                .refuse_principal(
                    attempt,
                    Channel::Webmail,
                    &login,
                    remote,
                    Some((who, mailbox.account_id)),
                    "recovery: wrong or used code",
                )
                .await);
        };
        door.forgive(attempt).await;
        self.registry().rows_deleted(who, None).await;
        tracing::info!(%who, ended, "recovery code used; sessions ended");
        let mut kinds = vec![EventKind::RecoveryCodeUsed, EventKind::PasswordChanged];
        if had_two_factor {
            kinds.push(EventKind::TwoFactorDisabled);
        }
        for kind in kinds {
            self.publish(DomainEvent {
                account_id: mailbox.account_id,
                mailbox_id: Some(mailbox.id),
                kind,
            })
            .await;
        }
        Ok(Authenticated::new(who, mailbox.account_id, epoch, &login))
    }
}
