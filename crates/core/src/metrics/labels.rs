//! The label values of the node's metrics: closed sets only (an enum, an SMTP reply code), so
//! no address or other unbounded value ever becomes a time series.

use crate::audit::Channel;
use prometheus_client::encoding::{EncodeLabelSet, EncodeLabelValue, LabelValueEncoder};
use std::fmt::Write;

impl EncodeLabelValue for Channel {
    fn encode(&self, encoder: &mut LabelValueEncoder) -> Result<(), std::fmt::Error> {
        encoder.write_str(self.as_str())
    }
}

/// How a sign-in attempt ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SignInOutcome {
    Ok,
    /// A wrong login, password or code.
    Wrong,
    /// Refused unchecked: too many failures, or a code ticket voided by wrong codes.
    Throttled,
    /// The password was right and the mailbox's 2FA code is still to come.
    CodeNeeded,
}

impl SignInOutcome {
    fn as_str(self) -> &'static str {
        match self {
            SignInOutcome::Ok => "ok",
            SignInOutcome::Wrong => "wrong",
            SignInOutcome::Throttled => "throttled",
            SignInOutcome::CodeNeeded => "code_needed",
        }
    }
}

/// What the delivery pipeline did with a message for one recipient.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DeliveryAction {
    /// Stored in INBOX.
    Stored,
    /// Stored in another folder (a filter, a tag, Sieve, Junk).
    Filed,
    Forwarded,
    AutoReplied,
    /// Refused by a blocked sender or a Sieve reject.
    Refused,
    /// A rule failed; the message was kept in INBOX.
    KeptOnError,
}

impl DeliveryAction {
    fn as_str(self) -> &'static str {
        match self {
            DeliveryAction::Stored => "stored",
            DeliveryAction::Filed => "filed",
            DeliveryAction::Forwarded => "forwarded",
            DeliveryAction::AutoReplied => "auto_replied",
            DeliveryAction::Refused => "refused",
            DeliveryAction::KeptOnError => "kept_on_error",
        }
    }
}

/// Which SMTP service a message came through.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SmtpRole {
    Submission,
    Inbound,
}

impl SmtpRole {
    fn as_str(self) -> &'static str {
        match self {
            SmtpRole::Submission => "submission",
            SmtpRole::Inbound => "inbound",
        }
    }
}

/// Where in an SMTP transaction the reply came.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SmtpStage {
    /// A recipient taken or refused.
    Rcpt,
    /// The message's end (DATA or the last BDAT).
    Data,
}

impl SmtpStage {
    fn as_str(self) -> &'static str {
        match self {
            SmtpStage::Rcpt => "rcpt",
            SmtpStage::Data => "data",
        }
    }
}

/// How one attempt of the outbound queue at one recipient ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum OutboundOutcome {
    Delivered,
    /// A temporary failure: tried again later.
    Deferred,
    /// A permanent failure, or out of retries: a bounce goes back.
    Bounced,
}

impl OutboundOutcome {
    fn as_str(self) -> &'static str {
        match self {
            OutboundOutcome::Delivered => "delivered",
            OutboundOutcome::Deferred => "deferred",
            OutboundOutcome::Bounced => "bounced",
        }
    }
}

/// A blob store call.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum BlobOperation {
    Put,
    Get,
    Head,
    Delete,
}

impl BlobOperation {
    fn as_str(self) -> &'static str {
        match self {
            BlobOperation::Put => "put",
            BlobOperation::Get => "get",
            BlobOperation::Head => "head",
            BlobOperation::Delete => "delete",
        }
    }
}

/// Implements [`EncodeLabelValue`] through each enum's `as_str`.
macro_rules! label_value {
    ($($t:ty),*) => {$(
        impl EncodeLabelValue for $t {
            fn encode(&self, encoder: &mut LabelValueEncoder) -> Result<(), std::fmt::Error> {
                encoder.write_str(self.as_str())
            }
        }
    )*};
}
label_value!(
    SignInOutcome,
    DeliveryAction,
    SmtpRole,
    SmtpStage,
    OutboundOutcome,
    BlobOperation
);

#[derive(Debug, Clone, PartialEq, Eq, Hash, EncodeLabelSet)]
pub(super) struct ChannelLabels {
    pub channel: Channel,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, EncodeLabelSet)]
pub(super) struct SignInLabels {
    pub channel: Channel,
    pub outcome: SignInOutcome,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, EncodeLabelSet)]
pub(super) struct SmtpLabels {
    pub role: SmtpRole,
    pub stage: SmtpStage,
    /// The reply: 250, or the refusal's code.
    pub code: u16,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, EncodeLabelSet)]
pub(super) struct OutboundLabels {
    pub outcome: OutboundOutcome,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, EncodeLabelSet)]
pub(super) struct ActionLabels {
    pub action: DeliveryAction,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, EncodeLabelSet)]
pub(super) struct BlobLabels {
    pub operation: BlobOperation,
}
