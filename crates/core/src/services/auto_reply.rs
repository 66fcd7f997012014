//! The Auto-Reply tab: a mailbox's away message, set by an admin or by the mailbox's owner in
//! webmail, and its step in the delivery pipeline; and the account's time zone, whose days
//! its dates are.

use super::delivery::Pass;
use super::recipients::is_one_of;
use super::{Actor, LocalRecipient, Manager, Recipient, Scope};
use crate::Core;
use crate::audit::AuditKind;
use crate::domain::{EmailAddress, Mailbox};
use crate::error::CoreError;
use crate::ids::AccountId;
use crate::metrics::DeliveryAction;
use crate::routing::{self, AutoReply, Content, DEFAULT_INTERVAL_DAYS, ReplyTo, suppressed};
use crate::security::random;
use crate::store::NewOutbound;
use chrono::NaiveDate;

/// What the tab's form sends.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AutoReplyRequest<'a> {
    pub enabled: bool,
    pub subject: &'a str,
    pub text: &'a str,
    pub starts_on: Option<NaiveDate>,
    pub ends_on: Option<NaiveDate>,
    pub interval_days: u32,
}

impl Core {
    /// The mailbox's auto-reply; off, with the default interval, when none was saved.
    pub async fn auto_reply(&self, manager: Manager<'_>) -> Result<AutoReply, CoreError> {
        let mailbox = self.managed_mailbox(manager).await?;
        Ok(self
            .store
            .auto_reply(mailbox.id)
            .await?
            .unwrap_or_else(|| AutoReply {
                enabled: false,
                subject: String::new(),
                text: String::new(),
                starts_on: None,
                ends_on: None,
                interval_days: DEFAULT_INTERVAL_DAYS,
                updated_at: mailbox.created_at,
            }))
    }

    /// Saves the auto-reply, checked whole first; the senders it answered are forgotten.
    pub async fn set_auto_reply(
        &self,
        manager: Manager<'_>,
        request: &AutoReplyRequest<'_>,
        actor: &Actor,
    ) -> Result<AutoReply, CoreError> {
        let mailbox = self.managed_mailbox(manager).await?;
        let reply = AutoReply {
            enabled: request.enabled,
            subject: request.subject.trim().to_owned(),
            text: request.text.trim_end().to_owned(),
            starts_on: request.starts_on,
            ends_on: request.ends_on,
            interval_days: request.interval_days,
            updated_at: self.clock.now(),
        };
        if let Some(why) = reply.invalid() {
            return Err(CoreError::Invalid(why));
        }
        let detail = format!("auto-reply {}", if reply.enabled { "on" } else { "off" });
        let audit = self.routing_event(actor, AuditKind::RoutingChanged, &mailbox, detail);
        self.store
            .set_auto_reply(mailbox.id, &reply, &audit)
            .await?;
        self.publish_routing(&mailbox).await;
        Ok(reply)
    }

    /// The time zone of the mailbox's account: the days its auto-reply's dates are.
    pub async fn time_zone_of(&self, manager: Manager<'_>) -> Result<chrono_tz::Tz, CoreError> {
        let mailbox = self.managed_mailbox(manager).await?;
        Ok(self
            .account(Scope::OPERATOR, mailbox.account_id)
            .await?
            .time_zone)
    }

    /// The account's time zone, by its IANA name (`Europe/Paris`).
    pub async fn set_time_zone(
        &self,
        scope: Scope,
        account: AccountId,
        zone: &str,
        actor: &Actor,
    ) -> Result<chrono_tz::Tz, CoreError> {
        let account = self.account(scope, account).await?;
        let zone = zone.trim().parse::<chrono_tz::Tz>().map_err(|_| {
            CoreError::Invalid(format!(
                "{:?} is not a time zone name such as Europe/Paris or UTC",
                zone.trim()
            ))
        })?;
        let audit = actor
            .event(self.clock.now(), AuditKind::AccountChanged)
            .account(account.id)
            .detail(format!("time zone {}", zone.name()));
        self.store.set_time_zone(account.id, zone, &audit).await?;
        Ok(zone)
    }
}

/// An automatic answer the pipeline may send: the Auto-Reply tab's or a Sieve vacation's.
/// Both obey the same rules (RFC 3834, RFC 5230) and share one memory of who was answered.
pub(super) struct Answer<'a> {
    /// What the memory knows this answer by: empty for the tab's.
    pub(super) handle: &'a str,
    /// Days before the same sender is answered again.
    pub(super) days: u32,
    pub(super) subject: &'a str,
    pub(super) content: Content<'a>,
    /// Addresses besides the mailbox's own that mail may be addressed to (`:addresses`).
    pub(super) also_addressed: &'a [String],
    /// The address to answer from, when it is one of the mailbox's own (`:from`).
    pub(super) from: Option<&'a str>,
}

/// The pipeline's auto-reply step.
impl Core {
    /// Answers the sender once per interval while the mailbox's auto-reply is on.
    pub(super) async fn auto_reply_to(
        &self,
        passes: &mut Vec<Pass>,
        to: &LocalRecipient,
        reply: &AutoReply,
        from: &str,
        body: &[u8],
    ) -> Result<(), CoreError> {
        if !reply.enabled {
            return Ok(());
        }
        let zone = self.zone_of(&to.mailbox).await?;
        if !reply.active_on(self.clock.now().with_timezone(&zone).date_naive()) {
            return Ok(());
        }
        let answer = Answer {
            handle: "",
            days: reply.interval_days,
            subject: &reply.subject,
            content: Content::Text(&reply.text),
            also_addressed: &[],
            from: None,
        };
        self.answer_sender(passes, to, &answer, from, body).await
    }

    /// The time zone of the mailbox's account.
    pub(super) async fn zone_of(&self, mailbox: &Mailbox) -> Result<chrono_tz::Tz, CoreError> {
        Ok(self
            .store
            .account(mailbox.account_id)
            .await?
            .map_or(chrono_tz::UTC, |a| a.time_zone))
    }

    /// Sends `answer` to the sender unless the message is one that must get no answer, or
    /// the sender had this answer within its days: through the queue, or to a hosted sender
    /// through this pipeline, from the null sender.
    pub(super) async fn answer_sender(
        &self,
        passes: &mut Vec<Pass>,
        to: &LocalRecipient,
        answer: &Answer<'_>,
        from: &str,
        body: &[u8],
    ) -> Result<(), CoreError> {
        let now = self.clock.now();
        let mut own = self.own_addresses(&to.mailbox).await?;
        own.extend(
            answer
                .also_addressed
                .iter()
                .filter_map(|a| EmailAddress::parse(a).ok()),
        );
        let is_own = |address: &str| is_one_of(&own, address);
        if let Some(why) = suppressed(from, body, &is_own) {
            tracing::debug!(to = %to.mailbox.address, why, "no automatic answer");
            return Ok(());
        }
        let since = now - chrono::Duration::days(i64::from(answer.days));
        if !self
            .store
            .claim_auto_reply(to.mailbox.id, answer.handle, from, now, since)
            .await?
        {
            return Ok(());
        }
        let own_from = answer
            .from
            .and_then(|a| EmailAddress::parse(a).ok())
            .filter(|a| own.contains(a));
        let reply = routing::answer(
            body,
            answer.subject,
            answer.content,
            &ReplyTo {
                from: own_from.as_ref().unwrap_or(&to.mailbox.address).as_str(),
                display_name: &to.mailbox.display_name,
                to: from,
                message_id: format!("<{}@{}>", random::hex_token()?, to.mailbox.address.domain()),
                date: now,
            },
        );
        let hosted = match EmailAddress::parse(from) {
            Ok(sender) => self.recipient(&sender).await?,
            Err(_) => Recipient::Remote,
        };
        match hosted {
            Recipient::Local(local) => passes.push(Pass {
                to: local,
                from: String::new(),
                body: reply,
                parent: None,
                kept: false,
                junk: false,
            }),
            Recipient::Remote => {
                self.enqueue_outbound(&NewOutbound {
                    sender: String::new(),
                    recipients: vec![from.to_owned()],
                    body: reply,
                    charge: None,
                    created_at: now,
                })
                .await?
            }
            Recipient::Full(_) | Recipient::Unknown => return Ok(()),
        }
        self.metrics().delivery(DeliveryAction::AutoReplied);
        Ok(())
    }
}
