use super::{Actor, Scope};
use crate::Core;
use crate::access::OwnAccess;
use crate::audit::AuditKind;
use crate::auth::totp_context;
use crate::clock::{from_micros, to_micros};
use crate::error::CoreError;
use crate::events::{DomainEvent, EventKind};
use crate::ids::{AccountId, MailboxId, Principal};
use crate::security::totp::{TotpSecret, step_of};
use serde::{Deserialize, Serialize};

/// How long a started enrolment waits for its confirming code.
const ENROLMENT_LIFETIME_SECS: i64 = 900;

/// What replacing or removing a secret in use asks for again: the owner's password and a
/// current code of that secret, so a stolen session alone cannot move 2FA to another phone.
#[derive(Clone, Copy)]
pub struct CurrentFactors<'a> {
    pub password: &'a str,
    pub code: &'a str,
}

/// A started 2FA enrolment: the secret to show its owner (QR code and text), and the sealed
/// ticket that carries it to the confirming request. Nothing is stored until then.
#[derive(Debug)]
pub struct Enrollment {
    pub secret: TotpSecret,
    pub ticket: String,
}

#[derive(Serialize, Deserialize)]
struct EnrolmentBody {
    secret: Vec<u8>,
    expires: i64,
}

impl Core {
    /// Whether the owner's own 2FA is on.
    pub async fn two_factor_on(&self, own: &OwnAccess) -> Result<bool, CoreError> {
        self.has_two_factor(own.who()).await
    }

    /// Whether a mailbox's 2FA is on (the admin's pill); another account's is "not found".
    pub async fn mailbox_two_factor_on(
        &self,
        scope: Scope,
        id: MailboxId,
    ) -> Result<bool, CoreError> {
        self.mailbox(scope, id).await?;
        self.has_two_factor(Principal::Mailbox(id)).await
    }

    pub(crate) async fn has_two_factor(&self, who: Principal) -> Result<bool, CoreError> {
        Ok(self
            .store
            .credentials(who)
            .await?
            .is_some_and(|c| c.totp_sealed.is_some()))
    }

    /// Starts an enrolment for the signed-in owner.
    pub fn begin_two_factor(&self, own: &OwnAccess) -> Result<Enrollment, CoreError> {
        let who = own.who();
        let secret = TotpSecret::generate()?;
        let body = EnrolmentBody {
            secret: secret.expose_bytes().to_vec(),
            expires: to_micros(self.clock.now()) + ENROLMENT_LIFETIME_SECS * 1_000_000,
        };
        let json = zeroize::Zeroizing::new(
            serde_json::to_vec(&body).map_err(|e| CoreError::Internal(e.to_string()))?,
        );
        let sealed = self.secrets.seal(&enrolment_context(who), &json)?;
        Ok(Enrollment {
            secret,
            ticket: data_encoding::BASE64URL_NOPAD.encode(&sealed),
        })
    }

    /// The enrolment a ticket carries, while it is valid: shown again after a mistyped code,
    /// so the owner need not scan a new QR code.
    pub fn resume_two_factor(&self, own: &OwnAccess, ticket: &str) -> Option<Enrollment> {
        self.open_enrolment(own.who(), ticket)
            .map(|secret| Enrollment {
                secret,
                ticket: ticket.trim().to_owned(),
            })
    }

    /// The name authenticator apps show next to the code.
    pub fn issuer(&self) -> &str {
        &self.config.issuer
    }

    /// Turns 2FA on once the owner shows a current code from the enrolled app. The code is
    /// used up: it cannot sign in afterwards. With 2FA already on this replaces the secret,
    /// which needs `current` (password and a code of the secret in use) like turning it off.
    pub async fn confirm_two_factor(
        &self,
        own: &OwnAccess,
        ticket: &str,
        code: &str,
        current: Option<CurrentFactors<'_>>,
        actor: &Actor,
    ) -> Result<(), CoreError> {
        let (who, account) = (own.who(), own.account());
        let secret = self
            .open_enrolment(who, ticket)
            .ok_or_else(|| CoreError::Invalid("this set-up has expired; start again".into()))?;
        let now = self.clock.now();
        let Some(step) = secret.matching_step(code, now) else {
            return Err(CoreError::Invalid(
                "that code is not right; check the app's clock and try the current code".into(),
            ));
        };
        if self.has_two_factor(who).await? {
            let current = current.ok_or_else(|| {
                CoreError::Invalid(
                    "2FA is on: replacing it needs your password and a current code from the app in use"
                        .into(),
                )
            })?;
            self.check_current_factors(who, account, current, actor, "2FA not replaced")
                .await?;
        }
        let sealed = self
            .secrets
            .seal(&totp_context(who), secret.expose_bytes())?;
        let audit = actor
            .event(now, AuditKind::TwoFactorEnabled)
            .account(account)
            .principal(who);
        self.store.set_totp(who, Some(&sealed), &audit).await?;
        self.store
            .accept_totp_step(who, step.max(step_of(now)))
            .await?;
        self.publish_two_factor(who, account, EventKind::TwoFactorEnabled)
            .await;
        Ok(())
    }

    /// The owner turns 2FA off, with their password and a current code.
    pub async fn disable_two_factor(
        &self,
        own: &OwnAccess,
        password: &str,
        code: &str,
        actor: &Actor,
    ) -> Result<(), CoreError> {
        let (who, account) = (own.who(), own.account());
        let current = CurrentFactors { password, code };
        self.check_current_factors(who, account, current, actor, "2FA not turned off")
            .await?;
        self.turn_off(who, account, actor, "by its owner").await
    }

    /// The owner's password and a fresh code of the secret in use, counted by the door's
    /// throttle like a sign-in when wrong; the code is used up when right.
    async fn check_current_factors(
        &self,
        who: Principal,
        account: AccountId,
        current: CurrentFactors<'_>,
        actor: &Actor,
        what: &str,
    ) -> Result<(), CoreError> {
        let door = self.door();
        let attempt = door
            .begin(actor.channel, &actor.name, actor.remote, None)
            .await?;
        let password_ok = door.password_matches(who, current.password).await?;
        if password_ok && door.code_matches(who, current.code).await? {
            door.refund(attempt).await;
            return Ok(());
        }
        Err(self
            .refuse_change(
                attempt,
                who,
                account,
                actor,
                &format!("{what}: wrong password or code"),
            )
            .await
            .unless_denied("the password or the code is not right"))
    }

    /// The operator turns a mailbox's 2FA off, e.g. when its owner lost the phone and has no
    /// recovery code. The dashboard cannot: only the owner and the operator can.
    pub async fn reset_two_factor(&self, id: MailboxId, actor: &Actor) -> Result<(), CoreError> {
        let mailbox = self.mailbox(Scope::OPERATOR, id).await?;
        self.turn_off(
            Principal::Mailbox(id),
            mailbox.account_id,
            actor,
            "by the operator",
        )
        .await
    }

    /// The operator turns an account owner's dashboard 2FA off (the owner lost the phone).
    pub async fn reset_owner_two_factor(
        &self,
        account: AccountId,
        actor: &Actor,
    ) -> Result<(), CoreError> {
        let account = self.account(Scope::OPERATOR, account).await?;
        self.turn_off(
            Principal::Account(account.id),
            account.id,
            actor,
            "by the operator",
        )
        .await
    }

    async fn turn_off(
        &self,
        who: Principal,
        account: AccountId,
        actor: &Actor,
        how: &str,
    ) -> Result<(), CoreError> {
        let audit = actor
            .event(self.clock.now(), AuditKind::TwoFactorDisabled)
            .account(account)
            .principal(who)
            .detail(how);
        self.store.set_totp(who, None, &audit).await?;
        self.publish_two_factor(who, account, EventKind::TwoFactorDisabled)
            .await;
        Ok(())
    }

    async fn publish_two_factor(&self, who: Principal, account: AccountId, kind: EventKind) {
        self.publish(DomainEvent {
            account_id: account,
            mailbox_id: match who {
                Principal::Mailbox(id) => Some(id),
                Principal::Account(_) => None,
            },
            kind,
        })
        .await;
    }

    fn open_enrolment(&self, who: Principal, ticket: &str) -> Option<TotpSecret> {
        let sealed = data_encoding::BASE64URL_NOPAD
            .decode(ticket.trim().as_bytes())
            .ok()?;
        let json = self.secrets.open(&enrolment_context(who), &sealed)?;
        let body: EnrolmentBody = serde_json::from_slice(&json).ok()?;
        let secret = TotpSecret::from_bytes(&body.secret);
        let mut raw = body.secret;
        zeroize::Zeroize::zeroize(&mut raw);
        (from_micros(body.expires) > self.clock.now()).then_some(secret)
    }
}

fn enrolment_context(who: Principal) -> String {
    format!("totp-enrolment:{who}")
}
