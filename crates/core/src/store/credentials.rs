use super::StoreResult;
use crate::audit::AuditEvent;
use crate::ids::{MailboxId, Principal, SessionId};
use chrono::{DateTime, Utc};

/// A principal's sign-in material. The TOTP secret is sealed (see
/// [`crate::security::secret_box`]); `epoch` grows with every password change.
#[derive(Clone, PartialEq, Eq)]
pub struct Credentials {
    pub password_hash: String,
    pub epoch: i64,
    pub totp_sealed: Option<Vec<u8>>,
    pub totp_last_step: Option<i64>,
}

impl std::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Credentials")
            .field("epoch", &self.epoch)
            .field("totp", &self.totp_sealed.is_some())
            .finish_non_exhaustive()
    }
}

/// The mailbox's current recovery code, without the code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RecoveryStatus {
    pub issued_at: DateTime<Utc>,
    pub used_at: Option<DateTime<Utc>>,
}

#[async_trait::async_trait]
pub trait CredentialStore: Send + Sync {
    async fn credentials(&self, who: Principal) -> StoreResult<Option<Credentials>>;

    /// New hash, epoch + 1, every session row but `keep` deleted (`keep` moves to the new
    /// epoch), audit record: all or nothing. Returns the new epoch and how many sessions ended.
    async fn change_password(
        &self,
        who: Principal,
        new_hash: &str,
        keep: Option<&SessionId>,
        audit: &AuditEvent,
    ) -> StoreResult<(i64, u64)>;

    /// Replaces `old_hash` by `new_hash` (same password, current cost) only if the password has
    /// not changed meanwhile.
    async fn upgrade_password_hash(
        &self,
        who: Principal,
        old_hash: &str,
        new_hash: &str,
    ) -> StoreResult<bool>;

    /// Turns TOTP on (a sealed secret) or off (`None`).
    async fn set_totp(
        &self,
        who: Principal,
        sealed: Option<&[u8]>,
        audit: &AuditEvent,
    ) -> StoreResult<()>;

    /// Records `step` as used, only if it is later than the last step accepted: a code is
    /// accepted once, and never an older one. `false` means a replay.
    async fn accept_totp_step(&self, who: Principal, step: i64) -> StoreResult<bool>;

    /// Makes `code_hash` the one active code, replacing any other.
    async fn replace_recovery_code(
        &self,
        mailbox: MailboxId,
        code_hash: &[u8],
        audit: &AuditEvent,
    ) -> StoreResult<()>;

    async fn recovery_status(&self, mailbox: MailboxId) -> StoreResult<Option<RecoveryStatus>>;

    /// If `code_hash` is the mailbox's active, unused code: marks it used, sets the new
    /// password hash (epoch + 1), turns TOTP off, deletes every session row and records
    /// `audit`, in one transaction. Returns the new epoch and the sessions ended, or `None`.
    async fn redeem_recovery_code(
        &self,
        mailbox: MailboxId,
        code_hash: &[u8],
        new_hash: &str,
        audit: &AuditEvent,
    ) -> StoreResult<Option<(i64, u64)>>;
}
