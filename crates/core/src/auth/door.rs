use super::recently_verified::RecentlyVerified;
use super::throttle::{Attempt, Reserved, Throttle, ThrottlePolicy};
use crate::audit::{AuditEvent, AuditKind, Channel};
use crate::clock::{Clock, from_micros, to_micros};
use crate::domain::EmailAddress;
use crate::error::CoreError;
use crate::ids::{AccountId, Principal};
use crate::metrics::{Metrics, SignInOutcome};
use crate::security::password_hasher::PasswordHasher;
use crate::security::secret_box::SecretBox;
use crate::security::totp::{self, TotpSecret};
use crate::store::{Credentials, Store};
use serde::{Deserialize, Serialize};
use std::net::IpAddr;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::OnceCell;

/// How long the second step of a web sign-in may wait for its code.
const TICKET_LIFETIME_SECS: i64 = 300;
/// A throttled attempt is held at most this long before its refusal.
const MAX_HOLD: Duration = Duration::from_secs(5);
/// How often a throttled attempt looks again while others may still settle.
const SETTLE_STEP: Duration = Duration::from_millis(100);
const TICKET_CONTEXT: &str = "sign-in-ticket";

/// Proof that someone passed the door: only the core can make one, and only a proof opens a
/// session.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Authenticated {
    principal: Principal,
    account_id: AccountId,
    epoch: i64,
    login: String,
}

impl Authenticated {
    pub(crate) fn new(
        principal: Principal,
        account_id: AccountId,
        epoch: i64,
        login: &str,
    ) -> Self {
        Authenticated {
            principal,
            account_id,
            epoch,
            login: login.to_owned(),
        }
    }

    pub fn principal(&self) -> Principal {
        self.principal
    }
    pub fn account_id(&self) -> AccountId {
        self.account_id
    }
    /// The credential epoch the proof was made under.
    pub fn epoch(&self) -> i64 {
        self.epoch
    }
    /// The address or e-mail signed in with, lower-cased.
    pub fn login(&self) -> &str {
        &self.login
    }
}

/// The sealed state between a web sign-in's password step and its code step. Opaque to the
/// client; any node with the server key can open it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CodeTicket(pub String);

/// What the password step of a web sign-in leads to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PasswordStep {
    Done(Authenticated),
    /// 2FA is on: ask for a code and call [`SignInDoor::code_step`] with this ticket.
    NeedsCode(CodeTicket),
}

#[derive(Serialize, Deserialize)]
struct TicketBody {
    principal: Principal,
    account: AccountId,
    epoch: i64,
    login: String,
    channel: Channel,
    expires: i64,
}

/// Who is being looked up.
struct Found {
    principal: Principal,
    account_id: AccountId,
    creds: Credentials,
}

/// The sign-in service: password hash, TOTP and its replay guard, throttling and audit, for
/// every channel. Every failure is [`CoreError::Denied`] and costs about one password hash,
/// whether or not the login exists.
/// Why a second factor was refused.
#[derive(Debug, Clone, Copy)]
enum CodeRefusal {
    WrongOrReused,
    /// The password was right, the code not sent (a mail app with the password alone).
    Missing,
}

impl CodeRefusal {
    /// The audit's words and the metric's outcome.
    fn why(self) -> (&'static str, SignInOutcome) {
        match self {
            CodeRefusal::WrongOrReused => ("wrong or reused code", SignInOutcome::Wrong),
            CodeRefusal::Missing => ("code needed", SignInOutcome::CodeNeeded),
        }
    }
}

pub struct SignInDoor {
    store: Arc<dyn Store>,
    hasher: PasswordHasher,
    secrets: SecretBox,
    throttle: Throttle,
    clock: Arc<dyn Clock>,
    dummy_hash: OnceCell<String>,
    verified: RecentlyVerified,
    /// Woken when an attempt gives its count back, for the attempts settling behind it.
    given_back: tokio::sync::Notify,
    metrics: Metrics,
}

impl SignInDoor {
    pub fn new(
        store: Arc<dyn Store>,
        hasher: PasswordHasher,
        secrets: SecretBox,
        policy: ThrottlePolicy,
        clock: Arc<dyn Clock>,
        metrics: Metrics,
    ) -> Result<SignInDoor, CoreError> {
        let verified = RecentlyVerified::new()?;
        Ok(SignInDoor {
            throttle: Throttle::new(policy, clock.clone(), store.clone()),
            store,
            hasher,
            secrets,
            clock,
            dummy_hash: OnceCell::new(),
            verified,
            given_back: tokio::sync::Notify::new(),
            metrics,
        })
    }

    /// Web sign-in, first step (dashboard: an account owner's e-mail; webmail: a mailbox).
    pub async fn password_step(
        &self,
        channel: Channel,
        login: &str,
        password: &str,
        remote: Option<IpAddr>,
    ) -> Result<PasswordStep, CoreError> {
        self.password_step_in(None, channel, login, password, remote)
            .await
    }

    /// [`Self::password_step`] where only `account`'s logins may pass (a branded webmail
    /// host); anyone else's fails exactly like an unknown login.
    pub async fn password_step_in(
        &self,
        account: Option<AccountId>,
        channel: Channel,
        login: &str,
        password: &str,
        remote: Option<IpAddr>,
    ) -> Result<PasswordStep, CoreError> {
        let login = normalise(login);
        let attempt = self.begin(channel, &login, remote, None).await?;
        let found = self
            .find(channel, &login)
            .await?
            .filter(|f| account.is_none_or(|a| a == f.account_id));
        let (attempt, found) = self
            .password_or_refuse(attempt, channel, &login, remote, found, password)
            .await?;
        if found.creds.totp_sealed.is_none() {
            return Ok(PasswordStep::Done(
                self.admit(attempt, channel, &login, remote, &found).await?,
            ));
        }
        // The password was right: not a failure, but no sign-in yet either.
        self.refund(attempt).await;
        self.metrics.sign_in(channel, SignInOutcome::CodeNeeded);
        let body = TicketBody {
            principal: found.principal,
            account: found.account_id,
            epoch: found.creds.epoch,
            login: login.clone(),
            channel,
            expires: to_micros(self.clock.now()) + TICKET_LIFETIME_SECS * 1_000_000,
        };
        let json = serde_json::to_vec(&body).map_err(|e| CoreError::Internal(e.to_string()))?;
        let sealed = self.secrets.seal(TICKET_CONTEXT, &json)?;
        Ok(PasswordStep::NeedsCode(CodeTicket(
            data_encoding::BASE64URL_NOPAD.encode(&sealed),
        )))
    }

    /// Web sign-in, second step: a fresh code for the ticket's principal. A ticket the first
    /// step gave another channel (a webmail ticket at the dashboard) opens nothing.
    pub async fn code_step(
        &self,
        channel: Channel,
        ticket: &CodeTicket,
        code: &str,
        remote: Option<IpAddr>,
    ) -> Result<Authenticated, CoreError> {
        self.code_step_in(None, channel, ticket, code, remote).await
    }

    /// [`Self::code_step`] where only `account`'s tickets count (a branded webmail host): one
    /// from another host, for another account, fails before its code is looked at.
    pub async fn code_step_in(
        &self,
        account: Option<AccountId>,
        channel: Channel,
        ticket: &CodeTicket,
        code: &str,
        remote: Option<IpAddr>,
    ) -> Result<Authenticated, CoreError> {
        let body = self
            .open_ticket(ticket)
            .filter(|body| body.channel == channel)
            .filter(|body| account.is_none_or(|a| a == body.account))
            .ok_or(CoreError::Denied)?;
        // Counted against the ticket too: after a few wrong codes it is void.
        let attempt = self
            .begin(body.channel, &body.login, remote, Some(ticket))
            .await?;
        let creds = self.store.credentials(body.principal).await?;
        let found = creds.filter(|c| c.epoch == body.epoch).map(|creds| Found {
            principal: body.principal,
            account_id: body.account,
            creds,
        });
        match found {
            Some(found) if self.code_is_fresh(&found, code).await? => {
                self.admit(attempt, body.channel, &body.login, remote, &found)
                    .await
            }
            found => Err(self
                .refuse(
                    attempt,
                    body.channel,
                    &body.login,
                    remote,
                    found.as_ref(),
                    CodeRefusal::WrongOrReused,
                )
                .await),
        }
    }

    /// IMAP and SMTP sign-in: with 2FA on, `secret` is the password immediately followed by
    /// the 6-digit code.
    pub async fn password_and_code(
        &self,
        channel: Channel,
        login: &str,
        secret: &str,
        remote: Option<IpAddr>,
    ) -> Result<Authenticated, CoreError> {
        let login = normalise(login);
        let attempt = self.begin(channel, &login, remote, None).await?;
        let found = self.find(channel, &login).await?;
        let two_factor = found
            .as_ref()
            .is_some_and(|f| f.creds.totp_sealed.is_some());
        // Counted like any other: then, without 2FA, the same password for the same credential
        // verified moments ago (a mail app's other connection) needs no hash of its own.
        let known = found
            .as_ref()
            .filter(|_| !two_factor)
            .map(|f| self.verified.key(f.principal, &f.creds, secret));
        if let (Some(key), Some(found)) = (&known, &found)
            && self.verified.knows(key, self.clock.now())
        {
            return self.admit(attempt, channel, &login, remote, found).await;
        }
        let (password, code) = match two_factor {
            true => split_code(secret),
            false => (secret, None),
        };
        let (attempt, found) = self
            .password_or_refuse(attempt, channel, &login, remote, found, password)
            .await?;
        if let Some(key) = known {
            self.verified.remember(key, self.clock.now());
        }
        if two_factor {
            let refusal = match code {
                Some(code) if self.code_is_fresh(&found, code).await? => None,
                Some(_) => Some(CodeRefusal::WrongOrReused),
                None => Some(CodeRefusal::Missing),
            };
            if let Some(refusal) = refusal {
                return Err(self
                    .refuse(attempt, channel, &login, remote, Some(&found), refusal)
                    .await);
            }
        }
        self.admit(attempt, channel, &login, remote, &found).await
    }

    /// Whether `password` is `who`'s current password; for changes that ask for it again.
    pub(crate) async fn password_matches(
        &self,
        who: Principal,
        password: &str,
    ) -> Result<bool, CoreError> {
        let Some(creds) = self.store.credentials(who).await? else {
            return Ok(false);
        };
        Ok(self
            .hasher
            .verify(password, &creds.password_hash)
            .await?
            .matches)
    }

    /// Whether `code` is a fresh code of `who`'s TOTP secret; marks it used if so.
    pub(crate) async fn code_matches(&self, who: Principal, code: &str) -> Result<bool, CoreError> {
        let Some(creds) = self.store.credentials(who).await? else {
            return Ok(false);
        };
        let found = Found {
            principal: who,
            account_id: AccountId(0),
            creds,
        };
        self.code_is_fresh(&found, code).await
    }

    /// Counts an attempt before any secret of it is checked (at a code step, against its
    /// ticket too). One that is throttled right now is audited, held a while and refused
    /// unchecked.
    pub(crate) async fn begin(
        &self,
        channel: Channel,
        login: &str,
        remote: Option<IpAddr>,
        ticket: Option<&CodeTicket>,
    ) -> Result<Attempt, CoreError> {
        let ticket = ticket.map(|t| t.0.as_str());
        let started = tokio::time::Instant::now();
        let (wait, why) = loop {
            // Armed before the look, so a count given back meanwhile is not missed.
            let given_back = self.given_back.notified();
            tokio::pin!(given_back);
            given_back.as_mut().enable();
            match self.throttle.reserve(login, remote, ticket).await? {
                Reserved::Go(attempt) => return Ok(attempt),
                Reserved::Void => break (Duration::ZERO, "code step void: too many wrong codes"),
                // A mail app opening several connections at once has its other sign-ins
                // counted until they are checked: let those settle (a right one gives its
                // count back, and wakes the waiting ones on this node) before refusing. A
                // guesser's counts stay, so it gains nothing.
                // Only while the next look still comes before the delay runs out: a look
                // after it would be let in by time, and a burst must not outwait a delay.
                Reserved::Throttled {
                    settling: true,
                    wait,
                } if started.elapsed() + SETTLE_STEP <= self.throttle.settle()
                    && wait > 2 * SETTLE_STEP =>
                {
                    let _ = tokio::time::timeout(SETTLE_STEP, given_back).await;
                }
                Reserved::Throttled { wait, .. } => break (wait, "throttled"),
            }
        };
        self.metrics.sign_in(channel, SignInOutcome::Throttled);
        // On the record of whom it was aimed at, when that is someone.
        let mut event = AuditEvent::new(self.clock.now(), AuditKind::SignInFailed, channel, login)
            .remote(remote)
            .detail(why);
        if let Ok(Some(found)) = self.find(channel, login).await {
            event = event.principal(found.principal).account(found.account_id);
        }
        self.audit(event).await;
        tokio::time::sleep(wait.min(MAX_HOLD).saturating_sub(started.elapsed())).await;
        Err(CoreError::Denied)
    }

    /// A failed attempt (counted when it began): records it, waits the delay it earned, and
    /// answers `Denied`.
    pub(crate) async fn refuse_principal(
        &self,
        attempt: Attempt,
        channel: Channel,
        login: &str,
        remote: Option<IpAddr>,
        who: Option<(Principal, AccountId)>,
        why: &str,
    ) -> CoreError {
        self.refuse_as(
            attempt,
            channel,
            login,
            remote,
            who,
            (why, SignInOutcome::Wrong),
        )
        .await
    }

    /// [`Self::refuse_principal`], counted as `outcome`.
    async fn refuse_as(
        &self,
        attempt: Attempt,
        channel: Channel,
        login: &str,
        remote: Option<IpAddr>,
        who: Option<(Principal, AccountId)>,
        (why, outcome): (&str, SignInOutcome),
    ) -> CoreError {
        self.metrics.sign_in(channel, outcome);
        let delay = self.throttle.earned(&attempt);
        let mut event = AuditEvent::new(self.clock.now(), AuditKind::SignInFailed, channel, login)
            .remote(remote)
            .detail(why);
        if let Some((principal, account)) = who {
            event = event.principal(principal).account(account);
        }
        self.audit(event).await;
        tokio::time::sleep(delay.min(MAX_HOLD)).await;
        CoreError::Denied
    }

    /// A sign-in that succeeded without going through [`Self::admit`]: its counts are taken
    /// back and its network is trusted for the login.
    pub(crate) async fn forgive(&self, attempt: Attempt) {
        if let Err(e) = self.throttle.succeeded(attempt).await {
            tracing::warn!(error = %e, "a sign-in's failure counter could not be cleared");
        }
        self.given_back.notify_waiters();
    }

    /// A secret asked for again (a change of settings) was right: its count is taken back.
    pub(crate) async fn refund(&self, attempt: Attempt) {
        if let Err(e) = self.throttle.refund(attempt).await {
            tracing::warn!(error = %e, "a right attempt's count could not be taken back");
        }
        self.given_back.notify_waiters();
    }

    /// Drops failure counters idle for the policy's forget time; part of the node's sweep.
    pub(crate) async fn prune_throttle(&self) -> Result<u64, CoreError> {
        self.throttle.prune().await
    }

    /// Hashes against a dummy when the login is unknown, so both cost the same.
    pub(crate) async fn burn_one_hash(&self, password: &str) -> Result<(), CoreError> {
        let dummy = self.dummy().await?;
        self.hasher.verify(password, dummy).await.map(|_| ())
    }

    async fn refuse(
        &self,
        attempt: Attempt,
        channel: Channel,
        login: &str,
        remote: Option<IpAddr>,
        found: Option<&Found>,
        refusal: CodeRefusal,
    ) -> CoreError {
        let who = found.map(|f| (f.principal, f.account_id));
        self.refuse_as(attempt, channel, login, remote, who, refusal.why())
            .await
    }

    async fn admit(
        &self,
        attempt: Attempt,
        channel: Channel,
        login: &str,
        remote: Option<IpAddr>,
        found: &Found,
    ) -> Result<Authenticated, CoreError> {
        self.forgive(attempt).await;
        self.metrics.sign_in(channel, SignInOutcome::Ok);
        self.audit(
            AuditEvent::new(self.clock.now(), AuditKind::SignIn, channel, login)
                .principal(found.principal)
                .account(found.account_id)
                .remote(remote),
        )
        .await;
        Ok(Authenticated::new(
            found.principal,
            found.account_id,
            found.creds.epoch,
            login,
        ))
    }

    async fn find(&self, channel: Channel, login: &str) -> Result<Option<Found>, CoreError> {
        let Ok(address) = EmailAddress::parse(login) else {
            return Ok(None);
        };
        let (principal, account_id) = if channel == Channel::Dashboard {
            match self.store.account_by_email(&address).await? {
                Some(a) => (Principal::Account(a.id), a.id),
                None => return Ok(None),
            }
        } else {
            match self.store.mailbox_by_address(&address).await? {
                Some(m) => (Principal::Mailbox(m.id), m.account_id),
                None => return Ok(None),
            }
        };
        Ok(self.store.credentials(principal).await?.map(|creds| Found {
            principal,
            account_id,
            creds,
        }))
    }

    /// The password check both sign-ins make: `found` when it is right, else the refusal.
    async fn password_or_refuse(
        &self,
        attempt: Attempt,
        channel: Channel,
        login: &str,
        remote: Option<IpAddr>,
        found: Option<Found>,
        password: &str,
    ) -> Result<(Attempt, Found), CoreError> {
        let who = found.as_ref().map(|f| (f.principal, f.account_id));
        match self.check_password(found, password).await? {
            Some(found) => Ok((attempt, found)),
            None => Err(self
                .refuse_principal(
                    attempt,
                    channel,
                    login,
                    remote,
                    who,
                    "wrong login or password",
                )
                .await),
        }
    }

    /// `Some(found)` when the password is right; always costs one hash.
    async fn check_password(
        &self,
        found: Option<Found>,
        password: &str,
    ) -> Result<Option<Found>, CoreError> {
        let Some(found) = found else {
            self.burn_one_hash(password).await?;
            return Ok(None);
        };
        let verdict = self
            .hasher
            .verify(password, &found.creds.password_hash)
            .await?;
        if !verdict.matches {
            return Ok(None);
        }
        if verdict.needs_rehash {
            let new_hash = self.hasher.hash(password).await?;
            self.store
                .upgrade_password_hash(found.principal, &found.creds.password_hash, &new_hash)
                .await?;
        }
        Ok(Some(found))
    }

    async fn code_is_fresh(&self, found: &Found, code: &str) -> Result<bool, CoreError> {
        let Some(sealed) = &found.creds.totp_sealed else {
            return Ok(false);
        };
        let Some(key) = self.secrets.open(&totp_context(found.principal), sealed) else {
            tracing::error!(principal = %found.principal, "stored TOTP secret does not open with the server key");
            return Ok(false);
        };
        let secret = TotpSecret::from_bytes(&key);
        let Some(step) = secret.matching_step(code, self.clock.now()) else {
            return Ok(false);
        };
        Ok(self.store.accept_totp_step(found.principal, step).await?)
    }

    fn open_ticket(&self, ticket: &CodeTicket) -> Option<TicketBody> {
        let sealed = data_encoding::BASE64URL_NOPAD
            .decode(ticket.0.as_bytes())
            .ok()?;
        let json = self.secrets.open(TICKET_CONTEXT, &sealed)?;
        let body: TicketBody = serde_json::from_slice(&json).ok()?;
        (from_micros(body.expires) > self.clock.now()).then_some(body)
    }

    async fn dummy(&self) -> Result<&String, CoreError> {
        self.dummy_hash
            .get_or_try_init(|| async {
                let random = crate::security::random::hex_token()?;
                self.hasher.hash(&random).await
            })
            .await
    }

    async fn audit(&self, event: AuditEvent) {
        if let Err(e) = self.store.append_audit(&event).await {
            tracing::error!(error = %e, kind = event.kind.as_str(), "audit record lost");
        }
    }
}

/// The context a principal's TOTP secret is sealed under.
pub(crate) fn totp_context(who: Principal) -> String {
    format!("totp:{who}")
}

fn normalise(login: &str) -> String {
    login.trim().to_ascii_lowercase()
}

/// Splits "password123456" into the password and the trailing 6-digit code.
fn split_code(secret: &str) -> (&str, Option<&str>) {
    let digits = totp::DIGITS as usize;
    if secret.len() <= digits || !secret.is_char_boundary(secret.len() - digits) {
        return (secret, None);
    }
    let (password, code) = secret.split_at(secret.len() - digits);
    match code.bytes().all(|b| b.is_ascii_digit()) {
        true => (password, Some(code)),
        false => (secret, None),
    }
}

#[cfg(test)]
mod tests {
    use super::split_code;

    #[test]
    fn splits_the_trailing_code() {
        assert_eq!(
            split_code("Secret-pass1123456"),
            ("Secret-pass1", Some("123456"))
        );
        assert_eq!(split_code("Secret-pass1"), ("Secret-pass1", None));
        assert_eq!(split_code("123456"), ("123456", None));
        assert_eq!(split_code("pässwörd12345é"), ("pässwörd12345é", None));
    }
}
