//! The webmail's pages: one struct per template in `templates/webmail/`.

use super::brand::Brand;
use crate::views::{EnrolmentView, RuleView};
use askama::Template;

/// What every signed-in page shows around its content.
pub struct Frame {
    pub address: String,
    pub csrf: String,
}

#[derive(Template)]
#[template(path = "webmail/signin.html")]
pub struct SignInPage {
    pub brand: Brand,
    pub address: String,
    pub error: Option<String>,
    pub pre: String,
}

#[derive(Template)]
#[template(path = "webmail/signin_code.html")]
pub struct SignInCodePage {
    pub brand: Brand,
    pub ticket: String,
    pub error: Option<String>,
    pub pre: String,
}

#[derive(Template)]
#[template(path = "webmail/forgot.html")]
pub struct ForgotPage {
    pub brand: Brand,
    pub address: String,
    pub error: Option<String>,
    pub rules: Vec<RuleView>,
    pub rules_json: String,
    pub pre: String,
}

/// One live session of the mailbox.
pub struct SessionView {
    pub id: String,
    pub channel: &'static str,
    pub remote: String,
    pub started: String,
    pub started_exact: String,
    pub last_seen: String,
    pub last_seen_exact: String,
    pub this: bool,
}

#[derive(Template)]
#[template(path = "webmail/security.html")]
pub struct SecurityPage {
    pub brand: Brand,
    pub frame: Frame,
    pub two_factor_on: bool,
    pub enrolment: Option<EnrolmentView>,
    pub two_factor_error: Option<String>,
    pub rules: Vec<RuleView>,
    pub rules_json: String,
    pub password_error: Option<String>,
    pub notice: Option<String>,
    pub sessions: Vec<SessionView>,
}

#[derive(Template)]
#[template(path = "webmail/incoming.html")]
pub struct IncomingPage {
    pub brand: Brand,
    pub frame: Frame,
    pub notice: Option<String>,
    /// The mailbox's own address, then its aliases.
    pub addresses: Vec<String>,
    /// What mail to a tagged address does, in words.
    pub subaddressing: &'static str,
    /// Where the mailbox's mail is forwarded, and whether a copy stays.
    pub forwards: Vec<String>,
    pub keep_copy: bool,
    pub senders: crate::views::SendersView,
    pub auto_reply: crate::auto_reply_form::AutoReplyView,
}

#[derive(Template)]
#[template(path = "webmail/sieve.html")]
pub struct SievePage {
    pub brand: Brand,
    pub frame: Frame,
    pub notice: Option<String>,
    pub sieve: crate::sieve_forms::SieveView,
}
