use crate::domain::EmailAddress;
use crate::ids::{AliasId, ForwardId, MailboxId};
use chrono::{DateTime, Utc};
use std::fmt;
use std::str::FromStr;

/// An extra address of a mailbox: mail to it is the mailbox's, and the mailbox may send as it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Alias {
    pub id: AliasId,
    pub mailbox_id: MailboxId,
    pub address: EmailAddress,
    pub created_at: DateTime<Utc>,
}

/// What `user+tag@` does for a mailbox.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Subaddressing {
    /// `user+tag@` is an unknown address.
    Off,
    /// `user+tag@` is delivered to INBOX.
    #[default]
    Inbox,
    /// `user+tag@` is filed into the folder named `tag` when there is one, INBOX otherwise.
    Folders,
}

/// What happens to a message from a blocked sender.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum BlockedMail {
    /// Refused at SMTP time with `550 5.7.1`.
    #[default]
    Refuse,
    /// Accepted and filed into Junk.
    Junk,
}

/// A mailbox's own routing settings; a mailbox nobody configured has the defaults.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MailboxRouting {
    pub subaddressing: Subaddressing,
    pub blocked: BlockedMail,
    /// Whether a forwarded message is also kept in the mailbox ("keep a copy").
    pub keep_copy: bool,
}

impl Default for MailboxRouting {
    fn default() -> MailboxRouting {
        MailboxRouting {
            subaddressing: Subaddressing::default(),
            blocked: BlockedMail::default(),
            keep_copy: true,
        }
    }
}

/// One place a mailbox forwards its mail to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Forward {
    pub id: ForwardId,
    pub destination: EmailAddress,
    pub created_at: DateTime<Utc>,
}

/// The stored and typed-in names of the two settings, in one place.
macro_rules! named {
    ($ty:ident, $what:literal, $($variant:ident = $name:literal),+) => {
        impl $ty {
            pub const ALL: &'static [$ty] = &[$($ty::$variant),+];

            pub fn as_str(self) -> &'static str {
                match self {
                    $($ty::$variant => $name),+
                }
            }
        }

        impl FromStr for $ty {
            type Err = String;

            fn from_str(s: &str) -> Result<$ty, String> {
                $ty::ALL
                    .iter()
                    .copied()
                    .find(|v| v.as_str() == s)
                    .ok_or_else(|| {
                        let names: Vec<&str> = $ty::ALL.iter().map(|v| v.as_str()).collect();
                        format!(concat!($what, " is one of {}, not {:?}"), names.join(", "), s)
                    })
            }
        }

        impl fmt::Display for $ty {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

named!(
    Subaddressing,
    "sub-addressing",
    Off = "off",
    Inbox = "inbox",
    Folders = "folders"
);
named!(
    BlockedMail,
    "blocked mail",
    Refuse = "refuse",
    Junk = "junk"
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn settings_read_back_as_written_and_say_what_they_accept() {
        for s in Subaddressing::ALL {
            assert_eq!(s.as_str().parse::<Subaddressing>(), Ok(*s));
        }
        for b in BlockedMail::ALL {
            assert_eq!(b.as_str().parse::<BlockedMail>(), Ok(*b));
        }
        assert_eq!(
            "bounce".parse::<BlockedMail>(),
            Err("blocked mail is one of refuse, junk, not \"bounce\"".to_owned())
        );
    }
}
