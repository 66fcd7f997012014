//! The steps an owner takes on their own credentials, alike in the dashboard (an account
//! owner) and in webmail (a mailbox owner): turn 2FA on (only once a current code confirms
//! it), replace or turn it off (password and code), change the password while this session stays. Each
//! step ends done, or with the message its form is shown again with; failures of ours are
//! errors.

use crate::error::{WebError, form_message};
use crate::qr;
use crate::views::EnrolmentView;
use serde::Deserialize;
use trekmail_core::access::OwnAccess;
use trekmail_core::ids::SessionId;
use trekmail_core::services::{Actor, CurrentFactors, Enrollment};
use trekmail_core::{Core, CoreError};

/// Who acts on their own credentials, from which session.
pub struct Own<'a> {
    pub access: OwnAccess,
    pub session: &'a SessionId,
    pub actor: Actor,
}

/// Done, or the form again with this message.
pub type Step<T> = Result<Result<T, String>, WebError>;

#[derive(Deserialize)]
pub struct ConfirmForm {
    #[serde(default)]
    pub csrf: String,
    #[serde(default)]
    pub ticket: String,
    #[serde(default)]
    pub code: String,
    /// Replacing a secret in use: the password and a code of the app in use.
    #[serde(default)]
    pub password: String,
    #[serde(default)]
    pub current_code: String,
}

#[derive(Deserialize)]
pub struct DisableForm {
    #[serde(default)]
    pub csrf: String,
    #[serde(default)]
    pub password: String,
    #[serde(default)]
    pub code: String,
}

#[derive(Deserialize)]
pub struct PasswordForm {
    #[serde(default)]
    pub csrf: String,
    #[serde(default)]
    pub current: String,
    #[serde(default)]
    pub password: String,
    #[serde(default)]
    pub confirm: String,
}

/// 2FA on, with a current code from the app just enrolled; replacing a secret in use also
/// with the password and a code of the app in use (the core refuses it without).
pub async fn confirm_two_factor(core: &Core, own: &Own<'_>, form: &ConfirmForm) -> Step<()> {
    let current = (!form.password.is_empty()).then(|| CurrentFactors {
        password: &form.password,
        code: form.current_code.trim(),
    });
    let confirmed = core
        .confirm_two_factor(
            &own.access,
            &form.ticket,
            form.code.trim(),
            current,
            &own.actor,
        )
        .await;
    fixable(confirmed)
}

/// 2FA off, with the password and a current code.
pub async fn disable_two_factor(core: &Core, own: &Own<'_>, form: &DisableForm) -> Step<()> {
    let disabled = core
        .disable_two_factor(&own.access, &form.password, form.code.trim(), &own.actor)
        .await;
    fixable(disabled)
}

/// A new password: every other session ends, this one stays. How many ended.
pub async fn change_password(core: &Core, own: &Own<'_>, form: &PasswordForm) -> Step<u64> {
    if form.password != form.confirm {
        return Ok(Err("The two passwords do not match.".to_owned()));
    }
    let changed = core
        .change_own_password(
            &own.access,
            &form.current,
            &form.password,
            Some(own.session),
            &own.actor,
        )
        .await;
    fixable(changed)
}

/// The QR code and key of an enrolment under way, as the owner's app will name it.
pub fn enrolment_view(enrolment: Enrollment, issuer: &str, login: &str) -> EnrolmentView {
    let uri = enrolment.secret.expose_otpauth_uri(issuer, login);
    EnrolmentView {
        qr_svg: qr::svg(&uri),
        key: enrolment.secret.expose_base32().to_string(),
        ticket: enrolment.ticket,
    }
}

/// A mistake the owner can fix becomes the form's message.
fn fixable<T>(result: Result<T, CoreError>) -> Step<T> {
    match result {
        Ok(value) => Ok(Ok(value)),
        Err(e) => match form_message(&e) {
            Some(message) => Ok(Err(message)),
            None => Err(WebError::from(e)),
        },
    }
}
