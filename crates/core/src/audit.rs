//! Who did what to which credentials, from where. Every sign-in, failure and credential change
//! leaves one record.

use crate::ids::{AccountId, Principal};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::fmt;
use std::net::IpAddr;

/// How a request reached TrekMail.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Channel {
    Dashboard,
    Api,
    Webmail,
    Imap,
    Smtp,
    /// RFC 5804's script editing protocol.
    ManageSieve,
    /// The operator's command line.
    Cli,
}

impl Channel {
    pub const ALL: [Channel; 7] = [
        Channel::Dashboard,
        Channel::Api,
        Channel::Webmail,
        Channel::Imap,
        Channel::Smtp,
        Channel::ManageSieve,
        Channel::Cli,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Channel::Dashboard => "dashboard",
            Channel::Api => "api",
            Channel::Webmail => "webmail",
            Channel::Imap => "imap",
            Channel::Smtp => "smtp",
            Channel::ManageSieve => "managesieve",
            Channel::Cli => "cli",
        }
    }

    pub fn parse(s: &str) -> Option<Channel> {
        Channel::ALL.into_iter().find(|c| c.as_str() == s)
    }

    /// Whether a session of this channel is one network connection (ended by closing it) rather
    /// than a cookie that outlives connections.
    pub fn is_connection(self) -> bool {
        matches!(self, Channel::Imap | Channel::Smtp)
    }
}

impl fmt::Display for Channel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What happened.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum AuditKind {
    SignIn,
    SignInFailed,
    PasswordChanged,
    TwoFactorEnabled,
    TwoFactorDisabled,
    RecoveryCodeIssued,
    RecoveryCodeUsed,
    SessionsEnded,
    AccountCreated,
    DomainAdded,
    MailboxCreated,
    MailboxChanged,
    MailboxDeleted,
    ApiTokenCreated,
    ApiTokenRevoked,
    BrandingChanged,
    AliasAdded,
    AliasRemoved,
    SenderFilterAdded,
    SenderFilterRemoved,
    RoutingChanged,
    ForwardAdded,
    ForwardRemoved,
    /// A rule could not run for a message, which was kept in the mailbox instead.
    MailKept,
    AccountChanged,
    /// A Sieve script was saved, renamed, activated, deactivated or deleted.
    SieveChanged,
    DomainRemoved,
    /// A domain signs with new DKIM keys; the old ones stay published until retired.
    DkimKeysRotated,
    DkimKeyRetired,
}

impl AuditKind {
    pub const ALL: [AuditKind; 29] = [
        AuditKind::SignIn,
        AuditKind::SignInFailed,
        AuditKind::PasswordChanged,
        AuditKind::TwoFactorEnabled,
        AuditKind::TwoFactorDisabled,
        AuditKind::RecoveryCodeIssued,
        AuditKind::RecoveryCodeUsed,
        AuditKind::SessionsEnded,
        AuditKind::AccountCreated,
        AuditKind::DomainAdded,
        AuditKind::MailboxCreated,
        AuditKind::MailboxChanged,
        AuditKind::MailboxDeleted,
        AuditKind::ApiTokenCreated,
        AuditKind::ApiTokenRevoked,
        AuditKind::BrandingChanged,
        AuditKind::AliasAdded,
        AuditKind::AliasRemoved,
        AuditKind::SenderFilterAdded,
        AuditKind::SenderFilterRemoved,
        AuditKind::RoutingChanged,
        AuditKind::ForwardAdded,
        AuditKind::ForwardRemoved,
        AuditKind::MailKept,
        AuditKind::AccountChanged,
        AuditKind::SieveChanged,
        AuditKind::DomainRemoved,
        AuditKind::DkimKeysRotated,
        AuditKind::DkimKeyRetired,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            AuditKind::SignIn => "sign_in",
            AuditKind::SignInFailed => "sign_in_failed",
            AuditKind::PasswordChanged => "password_changed",
            AuditKind::TwoFactorEnabled => "two_factor_enabled",
            AuditKind::TwoFactorDisabled => "two_factor_disabled",
            AuditKind::RecoveryCodeIssued => "recovery_code_issued",
            AuditKind::RecoveryCodeUsed => "recovery_code_used",
            AuditKind::SessionsEnded => "sessions_ended",
            AuditKind::AccountCreated => "account_created",
            AuditKind::DomainAdded => "domain_added",
            AuditKind::MailboxCreated => "mailbox_created",
            AuditKind::MailboxChanged => "mailbox_changed",
            AuditKind::MailboxDeleted => "mailbox_deleted",
            AuditKind::ApiTokenCreated => "api_token_created",
            AuditKind::ApiTokenRevoked => "api_token_revoked",
            AuditKind::BrandingChanged => "branding_changed",
            AuditKind::AliasAdded => "alias_added",
            AuditKind::AliasRemoved => "alias_removed",
            AuditKind::SenderFilterAdded => "sender_filter_added",
            AuditKind::SenderFilterRemoved => "sender_filter_removed",
            AuditKind::RoutingChanged => "routing_changed",
            AuditKind::ForwardAdded => "forward_added",
            AuditKind::ForwardRemoved => "forward_removed",
            AuditKind::MailKept => "mail_kept",
            AuditKind::AccountChanged => "account_changed",
            AuditKind::SieveChanged => "sieve_changed",
            AuditKind::DomainRemoved => "domain_removed",
            AuditKind::DkimKeysRotated => "dkim_keys_rotated",
            AuditKind::DkimKeyRetired => "dkim_key_retired",
        }
    }

    pub fn parse(s: &str) -> Option<AuditKind> {
        AuditKind::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

/// One audit record. `subject` is the login or address as given, so failures against unknown
/// names are kept too.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AuditEvent {
    pub at: DateTime<Utc>,
    pub kind: AuditKind,
    pub account_id: Option<AccountId>,
    pub principal: Option<Principal>,
    pub subject: String,
    pub channel: Channel,
    pub remote: Option<IpAddr>,
    pub detail: String,
}

impl AuditEvent {
    pub fn new(at: DateTime<Utc>, kind: AuditKind, channel: Channel, subject: &str) -> AuditEvent {
        AuditEvent {
            at,
            kind,
            account_id: None,
            principal: None,
            subject: subject.to_owned(),
            channel,
            remote: None,
            detail: String::new(),
        }
    }

    pub fn account(mut self, id: AccountId) -> AuditEvent {
        self.account_id = Some(id);
        self
    }

    pub fn principal(mut self, p: Principal) -> AuditEvent {
        self.principal = Some(p);
        self
    }

    pub fn remote(mut self, ip: Option<IpAddr>) -> AuditEvent {
        self.remote = ip;
        self
    }

    pub fn detail(mut self, text: impl Into<String>) -> AuditEvent {
        self.detail = text.into();
        self
    }
}
