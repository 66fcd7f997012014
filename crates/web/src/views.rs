//! The dashboard's pages: one struct per template in `templates/`, checked at compile time and
//! escaped by default.

use askama::Template;
use axum::response::Html;

/// A page's HTML, or a plain error page if the template itself failed.
pub fn render(page: &impl Template) -> Html<String> {
    match page.render() {
        Ok(html) => Html(html),
        Err(e) => {
            tracing::error!(error = %e, "a page failed to render");
            Html("<!doctype html><title>Error</title><p>Something went wrong.".to_owned())
        }
    }
}

/// The signed-in frame: who is signed in and the token forms carry.
pub struct Frame {
    pub email: String,
    pub csrf: String,
}

/// One password requirement with its live check.
pub struct RuleView {
    pub id: &'static str,
    pub label: &'static str,
    pub met: bool,
}

pub fn rules_for(password: &str) -> Vec<RuleView> {
    trekmail_core::security::password_policy::PASSWORD_RULES
        .iter()
        .map(|r| RuleView {
            id: r.id,
            label: r.label,
            met: !password.is_empty() && r.is_met_by(password),
        })
        .collect()
}

pub fn rules_json() -> String {
    trekmail_core::security::password_policy::rules_json()
}

#[derive(Template)]
#[template(path = "message.html")]
pub struct MessagePage<'a> {
    pub title: &'a str,
    pub text: &'a str,
}

#[derive(Template)]
#[template(path = "signin.html")]
pub struct SignInPage {
    pub email: String,
    pub error: Option<String>,
    pub pre: String,
}

#[derive(Template)]
#[template(path = "signin_code.html")]
pub struct SignInCodePage {
    pub ticket: String,
    pub error: Option<String>,
    pub pre: String,
}

/// One row of the Mailboxes page.
pub struct MailboxRow {
    pub id: i64,
    pub address: String,
    pub display_name: String,
    pub used: String,
    pub quota: String,
    pub used_percent: u8,
    pub two_factor_on: bool,
}

#[derive(Template)]
#[template(path = "mailboxes.html")]
pub struct MailboxesPage {
    pub frame: Frame,
    pub plan: String,
    pub mailboxes: Vec<MailboxRow>,
    pub limit_note: String,
    pub domains: Vec<String>,
    pub form: NewMailboxForm,
    pub rules: Vec<RuleView>,
    pub rules_json: String,
    pub notice: Option<String>,
}

/// What the create-mailbox form holds when it is shown again.
#[derive(Default)]
pub struct NewMailboxForm {
    pub local_part: String,
    pub domain: String,
    pub display_name: String,
    pub quota_mb: String,
    pub error: Option<String>,
}

/// The header every mailbox settings tab shares.
pub struct MailboxHeader {
    pub id: i64,
    pub address: String,
    pub display_name: String,
    pub two_factor_on: bool,
    pub used: String,
    pub quota: String,
    pub quota_mb: u64,
    pub max_quota_mb: u64,
    /// The tab shown, marked in the strip.
    pub tab: crate::dashboard::Tab,
}

/// The recovery code section's state.
pub struct RecoveryView {
    /// "Issued 3 days ago", or `None` for "Not issued yet".
    pub issued_ago: Option<String>,
    pub issued_exact: String,
    pub used: bool,
}

#[derive(Template)]
#[template(path = "mailbox_security.html")]
pub struct MailboxSecurityPage {
    pub frame: Frame,
    pub mailbox: MailboxHeader,
    pub rules: Vec<RuleView>,
    pub rules_json: String,
    pub password_error: Option<String>,
    pub notice: Option<String>,
    pub recovery: RecoveryView,
}

#[derive(Template)]
#[template(path = "edit_storage.html")]
pub struct EditStoragePage {
    pub frame: Frame,
    pub mailbox: MailboxHeader,
    /// What the field holds: the current quota, or what was typed.
    pub quota_mb: String,
    pub error: Option<String>,
}

#[derive(Template)]
#[template(path = "recovery_code.html")]
pub struct RecoveryCodePage {
    pub frame: Frame,
    pub mailbox: MailboxHeader,
    pub code: String,
}

#[derive(Template)]
#[template(path = "delete_mailbox.html")]
pub struct DeleteMailboxPage {
    pub frame: Frame,
    pub mailbox: MailboxHeader,
}

/// A started dashboard 2FA enrolment, shown until confirmed.
pub struct EnrolmentView {
    pub qr_svg: String,
    pub key: String,
    pub ticket: String,
}

/// One API token as the owner sees it (never its value, but once).
pub struct TokenRow {
    pub id: i64,
    pub name: String,
    pub created: String,
    /// "never", "expired" or when.
    pub expires: String,
    pub last_used: String,
}

#[derive(Template)]
#[template(path = "account_security.html")]
pub struct AccountSecurityPage {
    pub frame: Frame,
    pub two_factor_on: bool,
    pub enrolment: Option<EnrolmentView>,
    pub two_factor_error: Option<String>,
    pub rules: Vec<RuleView>,
    pub rules_json: String,
    pub password_error: Option<String>,
    pub notice: Option<String>,
    pub tokens: Vec<TokenRow>,
    pub new_token: Option<String>,
    pub token_error: Option<String>,
    pub branding: BrandingView,
}

/// The "Webmail branding" section: what is set (or typed), and whether the plan allows it.
pub struct BrandingView {
    pub allowed: bool,
    pub plan: String,
    pub set: bool,
    pub host: String,
    pub name: String,
    pub colour: String,
    pub error: Option<String>,
}

/// One alias on the Aliases tab.
pub struct AliasRow {
    pub id: i64,
    pub address: String,
    pub added: String,
}

/// One of the account's domains, with who its catch-all is.
pub struct CatchAllRow {
    pub domain_id: i64,
    pub domain: String,
    /// This mailbox is the catch-all.
    pub here: bool,
    /// Another mailbox is: its address.
    pub elsewhere: Option<String>,
}

/// A choice of a radio group: its value, label, explanation and whether it is the one set.
pub struct Choice {
    pub value: &'static str,
    pub label: &'static str,
    pub hint: String,
    pub checked: bool,
}

#[derive(Template)]
#[template(path = "mailbox_aliases.html")]
pub struct MailboxAliasesPage {
    pub frame: Frame,
    pub mailbox: MailboxHeader,
    pub notice: Option<String>,
    pub aliases: Vec<AliasRow>,
    pub max_aliases: u32,
    pub domains: Vec<String>,
    /// What the add form holds when shown again, and why it was refused.
    pub local_part: String,
    pub domain: String,
    pub alias_error: Option<String>,
    pub subaddressing: Vec<Choice>,
    pub catch_alls: Vec<CatchAllRow>,
}

/// One destination on the Forwarding tab.
pub struct ForwardRow {
    pub id: i64,
    pub destination: String,
    /// Another mailbox here, or another server (with SRS).
    pub hosted: bool,
    pub added: String,
}

#[derive(Template)]
#[template(path = "mailbox_forwarding.html")]
pub struct MailboxForwardingPage {
    pub frame: Frame,
    pub mailbox: MailboxHeader,
    pub notice: Option<String>,
    pub forwards: Vec<ForwardRow>,
    pub max_forwards: u32,
    pub keep_copy: bool,
    /// What the add form holds when shown again, and why it was refused.
    pub destination: String,
    pub forward_error: Option<String>,
}

#[derive(Template)]
#[template(path = "mailbox_auto_reply.html")]
pub struct MailboxAutoReplyPage {
    pub frame: Frame,
    pub mailbox: MailboxHeader,
    pub notice: Option<String>,
    pub auto_reply: crate::auto_reply_form::AutoReplyView,
    /// The time zone field as typed, and why it was refused.
    pub zone: String,
    pub zone_error: Option<String>,
}

#[derive(Template)]
#[template(path = "mailbox_sieve.html")]
pub struct MailboxSievePage {
    pub frame: Frame,
    pub mailbox: MailboxHeader,
    pub notice: Option<String>,
    pub sieve: crate::sieve_forms::SieveView,
}

/// One entry of a sender list.
pub struct SenderRow {
    pub id: i64,
    pub pattern: String,
    pub added: String,
}

/// The sender lists with their forms, on the Filters tab and in webmail.
pub struct SendersView {
    /// Where the add form posts; an entry's removal posts to `{action}/{id}/remove`.
    pub action: String,
    /// Blocked senders, then allowed ones.
    pub lists: Vec<SenderList>,
    /// What the add form holds when shown again, and why it was refused.
    pub pattern: String,
    pub list: String,
    pub error: Option<String>,
}

/// One of the two lists, as the tab shows it.
pub struct SenderList {
    pub title: &'static str,
    pub id: &'static str,
    pub rows: Vec<SenderRow>,
}

#[derive(Template)]
#[template(path = "mailbox_filters.html")]
pub struct MailboxFiltersPage {
    pub frame: Frame,
    pub mailbox: MailboxHeader,
    pub notice: Option<String>,
    pub senders: SendersView,
    pub blocked_mail: Vec<Choice>,
}

/// One of the account's domains on the Domains page.
pub struct DomainRow {
    pub id: i64,
    pub name: String,
    pub mailboxes: usize,
    pub added: String,
    pub added_exact: String,
}

#[derive(Template)]
#[template(path = "domains.html")]
pub struct DomainsPage {
    pub frame: Frame,
    pub plan: String,
    /// "1 of 2 domains".
    pub limit_note: String,
    pub domains: Vec<DomainRow>,
    pub notice: Option<String>,
    /// Why a removal was refused.
    pub remove_error: Option<String>,
    /// What the add form holds when shown again, and why it was refused.
    pub name: String,
    pub add_error: Option<String>,
}

/// What "Check DNS" found for one record, as the page and the API name it.
pub struct Checked {
    /// `present`, `missing`, `different` or `unknown`.
    pub state: &'static str,
    /// The values DNS holds instead of the record's (different).
    pub found: Vec<String>,
    /// Why the record could not be looked up (unknown).
    pub reason: Option<String>,
}

impl From<trekmail_core::services::RecordState> for Checked {
    fn from(state: trekmail_core::services::RecordState) -> Checked {
        use trekmail_core::services::RecordState;
        let (state, found, reason) = match state {
            RecordState::Present => ("present", Vec::new(), None),
            RecordState::Missing => ("missing", Vec::new(), None),
            RecordState::Different(found) => ("different", found, None),
            RecordState::Unknown(why) => ("unknown", Vec::new(), Some(why)),
        };
        Checked {
            state,
            found,
            reason,
        }
    }
}

impl Checked {
    /// The state in the page's words.
    pub fn label(&self) -> &'static str {
        match self.state {
            "present" => "Present",
            "missing" => "Missing",
            "different" => "Different",
            _ => "Could not check",
        }
    }
}

/// One record a domain publishes, and what a check found for it.
pub struct RecordRow {
    pub name: String,
    pub kind: String,
    pub value: String,
    pub purpose: String,
    /// `None` until "Check DNS" is pressed.
    pub checked: Option<Checked>,
}

/// One of a domain's DKIM keys.
pub struct DkimKeyRow {
    pub selector: String,
    pub algorithm: String,
    /// Signs outgoing mail; otherwise rotated out, still published until retired.
    pub signing: bool,
    pub created: String,
    pub created_exact: String,
}

#[derive(Template)]
#[template(path = "domain.html")]
pub struct DomainPage {
    pub frame: Frame,
    pub id: i64,
    pub name: String,
    pub notice: Option<String>,
    /// Why a change on the page was refused.
    pub error: Option<String>,
    pub records: Vec<RecordRow>,
    /// The records carry the states of a "Check DNS" just made.
    pub checked: bool,
    pub keys: Vec<DkimKeyRow>,
}
