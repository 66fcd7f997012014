//! Mail-app autoconfiguration, Thunderbird's way: the "clientConfig" 1.1 document it asks
//! `autoconfig.<domain>` (`/mail/config-v1.1.xml`) and `<domain>`
//! (`/.well-known/autoconfig/mail/config-v1.1.xml`) for. The answer names this server's
//! public hosts and ports for a domain hosted here and 404 for any other; it depends on the
//! domain alone, so it never tells whether a mailbox exists. Also what the other mail-app
//! answers share: the ways to reach IMAP and SMTP, and XML escaping.

use crate::error::WebError;
use crate::webmail::host_name;
use axum::Router;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde::Deserialize;
use std::sync::Arc;
use trekmail_core::Core;
use trekmail_core::domain::{PublicEndpoints, domain_name_is_valid, host_key};

/// Thunderbird's two paths, answered on any host and without a session.
pub(crate) fn routes<S: Clone + Send + Sync + 'static>(core: Arc<Core>) -> Router<S> {
    Router::new()
        .route("/mail/config-v1.1.xml", get(client_config))
        .route(
            "/.well-known/autoconfig/mail/config-v1.1.xml",
            get(client_config),
        )
        .with_state(core)
}

/// One way a mail app reaches a service: a public port, with TLS from the first byte or
/// after STARTTLS. Plain text is never offered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Way {
    pub port: u16,
    pub implicit_tls: bool,
}

/// The ways to IMAP, the implicit-TLS one (preferred, RFC 8314) first.
pub(crate) fn imap_ways(public: &PublicEndpoints) -> Vec<Way> {
    ways(public.imaps, public.imap)
}

/// The ways to SMTP submission, the implicit-TLS one first.
pub(crate) fn smtp_ways(public: &PublicEndpoints) -> Vec<Way> {
    ways(public.submissions, public.submission)
}

fn ways(implicit_tls: Option<u16>, starttls: Option<u16>) -> Vec<Way> {
    let implicit = implicit_tls.map(|port| Way {
        port,
        implicit_tls: true,
    });
    let starttls = starttls.map(|port| Way {
        port,
        implicit_tls: false,
    });
    implicit.into_iter().chain(starttls).collect()
}

/// `text` as XML character data or an attribute value: the five markup characters escaped,
/// and the control characters XML 1.0 cannot carry at all left out.
pub(crate) fn xml_escaped(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\t' | '\n' | '\r' => out.push(c),
            c if c.is_control() || matches!(c, '\u{FFFE}' | '\u{FFFF}') => {}
            c => out.push(c),
        }
    }
    out
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct Asked {
    emailaddress: String,
}

async fn client_config(
    State(core): State<Arc<Core>>,
    headers: HeaderMap,
    Query(asked): Query<Asked>,
) -> Result<Response, WebError> {
    let domain = asked_domain(&asked.emailaddress, host_name(&headers).as_deref())
        .ok_or(WebError::NotFound)?;
    // The one look-up a public answer makes.
    if !core.hosts_domain(&domain).await? {
        return Err(WebError::NotFound);
    }
    let xml = document(&domain, core.public_endpoints()).ok_or(WebError::NotFound)?;
    Ok((
        [(header::CONTENT_TYPE, "application/xml; charset=utf-8")],
        xml,
    )
        .into_response())
}

/// The domain asked about: the address's, else the host's without `autoconfig.`; `None`
/// when that is no domain name.
fn asked_domain(address: &str, host: Option<&str>) -> Option<String> {
    let domain = match address.rsplit_once('@') {
        Some((_, domain)) => host_key(domain),
        None => {
            let host = host_key(host?);
            host.strip_prefix("autoconfig.").unwrap_or(&host).to_owned()
        }
    };
    domain_name_is_valid(&domain).then_some(domain)
}

/// The clientConfig document, or `None` when IMAP or SMTP is not published at all (a
/// config without either server is one Thunderbird rejects).
fn document(domain: &str, public: &PublicEndpoints) -> Option<String> {
    let host = xml_escaped(&public.mail_host);
    let incoming: String = imap_ways(public)
        .iter()
        .map(|way| server("incomingServer", "imap", &host, *way))
        .collect();
    let outgoing: String = smtp_ways(public)
        .iter()
        .map(|way| server("outgoingServer", "smtp", &host, *way))
        .collect();
    if incoming.is_empty() || outgoing.is_empty() {
        return None;
    }
    let domain = xml_escaped(domain);
    Some(format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n\
         <clientConfig version=\"1.1\">\n\
         \x20 <emailProvider id=\"{domain}\">\n\
         \x20   <domain>{domain}</domain>\n\
         \x20   <displayName>{domain}</displayName>\n\
         \x20   <displayShortName>{domain}</displayShortName>\n\
         {incoming}{outgoing}\
         \x20 </emailProvider>\n\
         </clientConfig>\n"
    ))
}

/// One `<incomingServer>` or `<outgoingServer>`; `host` is escaped already.
fn server(element: &str, kind: &str, host: &str, way: Way) -> String {
    let socket = match way.implicit_tls {
        true => "SSL",
        false => "STARTTLS",
    };
    format!(
        "    <{element} type=\"{kind}\">\n\
         \x20     <hostname>{host}</hostname>\n\
         \x20     <port>{port}</port>\n\
         \x20     <socketType>{socket}</socketType>\n\
         \x20     <username>%EMAILADDRESS%</username>\n\
         \x20     <authentication>password-cleartext</authentication>\n\
         \x20   </{element}>\n",
        port = way.port
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn public() -> PublicEndpoints {
        PublicEndpoints {
            mail_host: "mx.example.com".to_owned(),
            imap: None,
            submission: Some(2587),
            ..PublicEndpoints::default()
        }
    }

    #[test]
    fn the_domain_is_the_addresss_else_the_hosts() {
        let host = Some("autoconfig.Example.COM.");
        assert_eq!(
            asked_domain("ann@Other.Example", host).as_deref(),
            Some("other.example")
        );
        assert_eq!(asked_domain("", host).as_deref(), Some("example.com"));
        assert_eq!(
            asked_domain("", Some("example.com")).as_deref(),
            Some("example.com")
        );
        assert_eq!(asked_domain("ann@", host), None);
        assert_eq!(asked_domain("ann@x/../y", host), None);
        assert_eq!(asked_domain("", None), None);
        assert_eq!(asked_domain("", Some("localhost")), None);
    }

    #[test]
    fn the_document_lists_each_published_way_tls_first() {
        let xml = document("example.com", &public()).unwrap();
        assert!(xml.starts_with(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<clientConfig version=\"1.1\">"
        ));
        let imaps = "<incomingServer type=\"imap\">\n      <hostname>mx.example.com</hostname>\n      <port>993</port>\n      <socketType>SSL</socketType>";
        assert!(xml.contains(imaps), "{xml}");
        assert!(!xml.contains("<port>143</port>"), "{xml}");
        let smtps = xml.find("<port>465</port>").unwrap();
        let smtp = xml.find("<port>2587</port>").unwrap();
        assert!(smtps < smtp, "{xml}");
        assert_eq!(
            xml.matches("<username>%EMAILADDRESS%</username>").count(),
            3
        );
        assert_eq!(xml.matches("password-cleartext").count(), 3);
        let no_smtp = PublicEndpoints {
            submissions: None,
            submission: None,
            ..public()
        };
        assert_eq!(document("example.com", &no_smtp), None);
    }

    #[test]
    fn every_value_is_escaped() {
        assert_eq!(
            xml_escaped("a<b>&\"c'\u{0}\u{1b}\td"),
            "a&lt;b&gt;&amp;&quot;c&apos;\td"
        );
        let odd = PublicEndpoints {
            mail_host: "mx.example.com</hostname><x>".to_owned(),
            ..public()
        };
        let xml = document("example.com", &odd).unwrap();
        assert!(xml.contains("<hostname>mx.example.com&lt;/hostname&gt;&lt;x&gt;</hostname>"));
    }
}
