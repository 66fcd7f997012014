//! The auto-reply form, shared by the dashboard's Auto-Reply tab (an admin) and webmail's
//! settings (the mailbox's owner): one parse, one check, one save through the core.

use crate::error::{WebError, form_message};
use chrono::NaiveDate;
use serde::Deserialize;
use trekmail_core::routing::AutoReply;
use trekmail_core::services::{Actor, AutoReplyRequest, Manager};
use trekmail_core::{Core, CoreError};

#[derive(Deserialize)]
pub struct AutoReplyForm {
    #[serde(default)]
    pub csrf: String,
    /// A checkbox: present when ticked.
    enabled: Option<String>,
    #[serde(default)]
    subject: String,
    #[serde(default)]
    text: String,
    #[serde(default)]
    starts_on: String,
    #[serde(default)]
    ends_on: String,
    #[serde(default)]
    interval_days: String,
}

/// The form as the page shows it: saved values, or what was typed with why it was refused.
pub struct AutoReplyView {
    pub action: String,
    pub enabled: bool,
    pub subject: String,
    pub text: String,
    pub starts_on: String,
    pub ends_on: String,
    pub interval_days: String,
    pub error: Option<String>,
    /// The account's time zone, whose days the dates are.
    pub zone: String,
}

impl AutoReplyView {
    pub fn saved(reply: &AutoReply, action: String, zone: &str) -> AutoReplyView {
        let day = |d: Option<NaiveDate>| d.map(|d| d.to_string()).unwrap_or_default();
        AutoReplyView {
            action,
            enabled: reply.enabled,
            subject: reply.subject.clone(),
            text: reply.text.clone(),
            starts_on: day(reply.starts_on),
            ends_on: day(reply.ends_on),
            interval_days: reply.interval_days.to_string(),
            error: None,
            zone: zone.to_owned(),
        }
    }
}

/// Saves the form; `Some` with it as typed and its message when refused (nothing saved).
pub async fn save(
    core: &Core,
    manager: Manager<'_>,
    form: AutoReplyForm,
    actor: &Actor,
    action: String,
    zone: &str,
) -> Result<Option<AutoReplyView>, WebError> {
    let saved = match parsed(&form) {
        Ok((starts_on, ends_on, interval_days)) => {
            let request = AutoReplyRequest {
                enabled: form.enabled.is_some(),
                subject: &form.subject,
                text: &form.text,
                starts_on,
                ends_on,
                interval_days,
            };
            core.set_auto_reply(manager, &request, actor)
                .await
                .map(|_| ())
        }
        Err(e) => Err(e),
    };
    let Err(e) = saved else {
        return Ok(None);
    };
    Ok(Some(AutoReplyView {
        action,
        enabled: form.enabled.is_some(),
        error: Some(form_message(&e).ok_or(WebError::from(e))?),
        subject: form.subject,
        text: form.text,
        starts_on: form.starts_on,
        ends_on: form.ends_on,
        interval_days: form.interval_days,
        zone: zone.to_owned(),
    }))
}

type Parsed = (Option<NaiveDate>, Option<NaiveDate>, u32);

fn parsed(form: &AutoReplyForm) -> Result<Parsed, CoreError> {
    let day = |text: &str, which: &str| match text.trim() {
        "" => Ok(None),
        t => t.parse::<NaiveDate>().map(Some).map_err(|_| {
            CoreError::Invalid(format!("the {which} date is not a date such as 2026-12-24"))
        }),
    };
    let interval = form.interval_days.trim().parse::<u32>().map_err(|_| {
        CoreError::Invalid("replies to one sender are a whole number of days apart".into())
    })?;
    Ok((
        day(&form.starts_on, "start")?,
        day(&form.ends_on, "end")?,
        interval,
    ))
}
