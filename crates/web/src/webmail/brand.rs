//! Whose webmail this is: an account may brand its own host name with a name and a colour;
//! every other host shows TrekMail. On a branded host only that account's mailboxes sign in.

use super::MailState;
use crate::error::WebError;
use axum::extract::State;
use axum::http::{HeaderMap, header};
use axum::response::{IntoResponse, Response};
use trekmail_core::ids::AccountId;

pub const DEFAULT_NAME: &str = "TrekMail";

/// The brand a request's host resolves to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Brand {
    pub name: String,
    /// `#rrggbb`, or `None` for the default look.
    pub colour: Option<String>,
    /// The account whose host this is; `None` on the default webmail.
    pub account: Option<AccountId>,
}

impl Brand {
    fn default_brand() -> Brand {
        Brand {
            name: DEFAULT_NAME.to_owned(),
            colour: None,
            account: None,
        }
    }

    pub async fn of_request(state: &MailState, headers: &HeaderMap) -> Result<Brand, WebError> {
        let Some(host) = host_name(headers) else {
            return Ok(Brand::default_brand());
        };
        Ok(match state.core.brand_by_host(&host).await? {
            Some(b) => Brand {
                name: b.name,
                colour: Some(b.colour),
                account: Some(b.account_id),
            },
            None => Brand::default_brand(),
        })
    }
}

/// The request's host name, lower-cased, without its port.
pub(crate) fn host_name(headers: &HeaderMap) -> Option<String> {
    let host = headers.get(header::HOST)?.to_str().ok()?.trim();
    let name = match host.rsplit_once(':') {
        Some((name, port)) if port.bytes().all(|b| b.is_ascii_digit()) => name,
        _ => host,
    };
    (!name.is_empty()).then(|| name.to_ascii_lowercase())
}

/// The brand's colour as a stylesheet: the CSP allows no inline styles.
pub async fn stylesheet(
    State(state): State<MailState>,
    headers: HeaderMap,
) -> Result<Response, WebError> {
    let brand = Brand::of_request(&state, &headers).await?;
    let css = match &brand.colour {
        // The core accepts only `#rrggbb`, so the value cannot break out of the rule.
        Some(colour) => format!(
            ".topbar.webmail {{ border-top: 4px solid {colour}; }}\n\
             .topbar.webmail .brand {{ color: {colour}; }}\n\
             .webmail-page .primary {{ background: {colour}; }}\n"
        ),
        None => String::new(),
    };
    Ok((
        [
            (header::CONTENT_TYPE, "text/css"),
            (header::CACHE_CONTROL, "no-store"),
        ],
        css,
    )
        .into_response())
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    #[test]
    fn the_host_loses_its_port_and_case() {
        let mut h = HeaderMap::new();
        assert_eq!(host_name(&h), None);
        h.insert(
            header::HOST,
            HeaderValue::from_static("Mail.Brand.TEST:8081"),
        );
        assert_eq!(host_name(&h).as_deref(), Some("mail.brand.test"));
        h.insert(header::HOST, HeaderValue::from_static("brand.test"));
        assert_eq!(host_name(&h).as_deref(), Some("brand.test"));
    }
}
