//! The vacation action (RFC 5230) as far as the script decides it: whether the message was
//! addressed to the mailbox, the clamped period and the default handle. Suppressing replies
//! to the null sender, lists and auto-submitted mail is the delivery pipeline's job.

use crate::ast::VacationCommand;
use crate::run::Runner;
use crate::{Vacation, address};

const DEFAULT_DAYS: u64 = 7;
const MIN_DAYS: u64 = 1;
const MAX_DAYS: u64 = 30;

/// The header fields that say whom the message was addressed to.
const RECIPIENT_FIELDS: &[&str] = &["to", "cc", "bcc", "resent-to", "resent-cc"];

/// The vacation action, or `None` when the message was not addressed to the mailbox.
pub(crate) fn build(runner: &Runner<'_>, command: &VacationCommand) -> Option<Vacation> {
    let extra = runner.expand_all(&command.addresses);
    let mine: Vec<&str> = runner
        .cx
        .own_addresses
        .iter()
        .map(String::as_str)
        .chain(extra.iter().map(String::as_str))
        .collect();
    let addressed = RECIPIENT_FIELDS
        .iter()
        .flat_map(|name| runner.mail.fields(name))
        .flat_map(address::parse_list)
        .any(|recipient| mine.iter().any(|m| m.eq_ignore_ascii_case(&recipient)));
    if !addressed {
        return None;
    }
    let reason = runner.expand(&command.reason);
    let subject = command.subject.as_ref().map(|s| runner.expand(s));
    let from = command.from.as_ref().map(|s| runner.expand(s));
    let handle = match &command.handle {
        Some(handle) => runner.expand(handle),
        None => default_handle(&reason, subject.as_deref(), from.as_deref(), command.mime),
    };
    let days = command
        .days
        .unwrap_or(DEFAULT_DAYS)
        .clamp(MIN_DAYS, MAX_DAYS);
    Some(Vacation {
        handle,
        days: u32::try_from(days).unwrap_or(30),
        subject,
        from,
        reason,
        mime: command.mime,
        addresses: extra,
    })
}

/// A handle that stays the same across runs and versions for the same vacation text
/// (64-bit FNV-1a over its parts).
fn default_handle(reason: &str, subject: Option<&str>, from: Option<&str>, mime: bool) -> String {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    let parts = [
        reason,
        subject.unwrap_or_default(),
        from.unwrap_or_default(),
        if mime { "mime" } else { "" },
    ];
    for byte in parts.join("\0").bytes() {
        hash ^= u64::from(byte);
        hash = hash.wrapping_mul(0x0100_0000_01b3);
    }
    format!("vacation-{hash:016x}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn handles_are_stable_and_distinct() {
        assert_eq!(
            default_handle("away", None, None, false),
            default_handle("away", None, None, false)
        );
        assert_ne!(
            default_handle("away", None, None, false),
            default_handle("away", None, None, true)
        );
        assert!(default_handle("", None, None, false).starts_with("vacation-"));
    }
}
