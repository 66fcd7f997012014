//! Mail-app autoconfiguration, Outlook's way: the plain-old-XML Autodiscover (MS-OXDSCLI)
//! POST to `/autodiscover/autodiscover.xml`, answered with the response schema 2006a's IMAP
//! and SMTP settings for an address of a domain hosted here. The answer depends on the
//! domain alone, so it never tells whether the mailbox exists.
//!
//! A domain not hosted here gets 404, not an Autodiscover error: Outlook tries several URLs
//! in turn (`<domain>`, `autodiscover.<domain>`, redirects, SRV) and moves on after an HTTP
//! error, while an error document is an answer that ends its search, and another of the
//! candidates may well serve that domain. A request for another schema (ActiveSync's
//! mobilesync) gets the error 601, "provider is not available", which is what it means.

use crate::autoconfig::{Way, imap_ways, smtp_ways, xml_escaped};
use crate::error::WebError;
use axum::Router;
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use std::sync::Arc;
use trekmail_core::Core;
use trekmail_core::domain::{EmailAddress, PublicEndpoints};

/// A request is a few hundred bytes; anything much larger is not one.
const MAX_BODY: usize = 16 * 1024;
/// The request document is three elements deep.
const MAX_DEPTH: usize = 8;
const OUTLOOK_SCHEMA: &str =
    "http://schemas.microsoft.com/exchange/autodiscover/outlook/responseschema/2006a";
const RESPONSE_NS: &str = "http://schemas.microsoft.com/exchange/autodiscover/responseschema/2006";
const XML_TYPE: &str = "text/xml; charset=utf-8";

/// Both spellings clients use, on any host and without a session.
pub(crate) fn routes<S: Clone + Send + Sync + 'static>(core: Arc<Core>) -> Router<S> {
    Router::new()
        .route("/autodiscover/autodiscover.xml", post(autodiscover))
        .route("/Autodiscover/Autodiscover.xml", post(autodiscover))
        .layer(DefaultBodyLimit::max(MAX_BODY))
        .with_state(core)
}

async fn autodiscover(State(core): State<Arc<Core>>, body: Bytes) -> Result<Response, WebError> {
    let request = match std::str::from_utf8(&body) {
        Ok(text) => parsed(text),
        Err(_) => Err("The request is not UTF-8 text."),
    };
    let request = match request {
        Ok(request) => request,
        Err(why) => return Ok((StatusCode::BAD_REQUEST, why).into_response()),
    };
    let Ok(address) = EmailAddress::parse(request.address) else {
        let why = "EMailAddress is not an e-mail address.";
        return Ok((StatusCode::BAD_REQUEST, why).into_response());
    };
    if request
        .schema
        .is_some_and(|schema| schema != OUTLOOK_SCHEMA)
    {
        return Ok(([(header::CONTENT_TYPE, XML_TYPE)], provider_unavailable()).into_response());
    }
    if !core.hosts_domain(address.domain()).await? {
        return Err(WebError::NotFound);
    }
    let xml = settings(&address, core.public_endpoints()).ok_or(WebError::NotFound)?;
    Ok(([(header::CONTENT_TYPE, XML_TYPE)], xml).into_response())
}

/// What a request asks, as its text has it.
#[derive(Debug, PartialEq, Eq)]
struct Request<'a> {
    address: &'a str,
    schema: Option<&'a str>,
}

/// The `Autodiscover/Request/EMailAddress` and `AcceptableResponseSchema` of a request, by
/// local name (any namespace prefix). A small scan, not an XML library: no DTD, no entities
/// (neither value may hold one), no CDATA; well-nested tags, one root, bounded depth.
fn parsed(text: &str) -> Result<Request<'_>, &'static str> {
    let mut path: Vec<&str> = Vec::new();
    let (mut address, mut schema) = (None, None);
    let mut ended = false;
    let mut rest = text.strip_prefix('\u{feff}').unwrap_or(text);
    while let Some(open) = rest.find('<') {
        let content = rest[..open].trim();
        if !content.is_empty() {
            match path.as_slice() {
                ["Autodiscover", "Request", "EMailAddress"] => {
                    address = address.or(Some(content));
                }
                ["Autodiscover", "Request", "AcceptableResponseSchema"] => {
                    schema = schema.or(Some(content));
                }
                [] => return Err("There is text outside the XML document."),
                _ => {}
            }
        }
        rest = &rest[open..];
        if let Some(after) = rest.strip_prefix("<!--") {
            let end = after.find("-->").ok_or("A comment is not closed.")?;
            rest = &after[end + 3..];
            continue;
        }
        if let Some(after) = rest.strip_prefix("<?") {
            let end = after
                .find("?>")
                .ok_or("A processing instruction is not closed.")?;
            rest = &after[end + 2..];
            continue;
        }
        if rest.starts_with("<!") {
            return Err("DOCTYPE and CDATA are not accepted.");
        }
        let close = rest.find('>').ok_or("A tag is not closed.")?;
        let tag = &rest[1..close];
        rest = &rest[close + 1..];
        if let Some(name) = tag.strip_prefix('/') {
            if path.pop() != Some(local_name(name)) {
                return Err("The XML tags are not nested properly.");
            }
            ended = path.is_empty();
            continue;
        }
        let empty = tag.ends_with('/');
        let name = local_name(tag.trim_end_matches('/'));
        if name.is_empty() || ended {
            return Err("The XML document is not well formed.");
        }
        if empty {
            ended = path.is_empty();
        } else if path.len() == MAX_DEPTH {
            return Err("The XML document is nested too deeply.");
        } else {
            path.push(name);
        }
    }
    if !path.is_empty() {
        return Err("The XML document ends inside an element.");
    }
    if !rest.trim().is_empty() {
        return Err("There is text outside the XML document.");
    }
    let address = address.ok_or("The request has no Autodiscover/Request/EMailAddress.")?;
    Ok(Request { address, schema })
}

/// A tag's element name without its attributes and namespace prefix.
fn local_name(tag: &str) -> &str {
    let name = tag.split_whitespace().next().unwrap_or_default();
    name.rsplit(':').next().unwrap_or_default()
}

/// The 2006a answer: one IMAP and one SMTP `<Protocol>`, each the preferred way; `None`
/// when either is not published.
fn settings(address: &EmailAddress, public: &PublicEndpoints) -> Option<String> {
    let imap = imap_ways(public).first().copied()?;
    let smtp = smtp_ways(public).first().copied()?;
    let host = xml_escaped(&public.mail_host);
    let login = xml_escaped(address.as_str());
    let imap = protocol("IMAP", &host, &login, imap);
    let smtp = protocol("SMTP", &host, &login, smtp);
    Some(format!(
        "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n\
         <Autodiscover xmlns=\"{RESPONSE_NS}\">\n\
         \x20 <Response xmlns=\"{OUTLOOK_SCHEMA}\">\n\
         \x20   <Account>\n\
         \x20     <AccountType>email</AccountType>\n\
         \x20     <Action>settings</Action>\n\
         {imap}{smtp}\
         \x20   </Account>\n\
         \x20 </Response>\n\
         </Autodiscover>\n"
    ))
}

/// One `<Protocol>`; `host` and `login` are escaped already. `Encryption` (which newer
/// Outlooks read before `SSL`) says whether TLS starts at once or after STARTTLS.
fn protocol(kind: &str, host: &str, login: &str, way: Way) -> String {
    let encryption = match way.implicit_tls {
        true => "SSL",
        false => "TLS",
    };
    format!(
        "      <Protocol>\n\
         \x20       <Type>{kind}</Type>\n\
         \x20       <Server>{host}</Server>\n\
         \x20       <Port>{port}</Port>\n\
         \x20       <LoginName>{login}</LoginName>\n\
         \x20       <DomainRequired>off</DomainRequired>\n\
         \x20       <SPA>off</SPA>\n\
         \x20       <SSL>on</SSL>\n\
         \x20       <Encryption>{encryption}</Encryption>\n\
         \x20       <AuthRequired>on</AuthRequired>\n\
         \x20     </Protocol>\n",
        port = way.port
    )
}

/// Error 601: the schema asked for is not one this server answers.
fn provider_unavailable() -> String {
    format!(
        "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n\
         <Autodiscover xmlns=\"{RESPONSE_NS}\">\n\
         \x20 <Response>\n\
         \x20   <Error>\n\
         \x20     <ErrorCode>601</ErrorCode>\n\
         \x20     <Message>Provider is not available</Message>\n\
         \x20     <DebugData />\n\
         \x20   </Error>\n\
         \x20 </Response>\n\
         </Autodiscover>\n"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    const OUTLOOKS: &str = "<?xml version=\"1.0\" encoding=\"utf-8\"?>\r\n\
        <Autodiscover xmlns=\"http://schemas.microsoft.com/exchange/autodiscover/outlook/requestschema/2006\">\r\n\
        <Request><EMailAddress> Ann@Example.com </EMailAddress>\r\n\
        <AcceptableResponseSchema>http://schemas.microsoft.com/exchange/autodiscover/outlook/responseschema/2006a</AcceptableResponseSchema>\r\n\
        </Request></Autodiscover>\r\n";

    #[test]
    fn outlooks_request_is_read() {
        assert_eq!(
            parsed(OUTLOOKS),
            Ok(Request {
                address: "Ann@Example.com",
                schema: Some(OUTLOOK_SCHEMA),
            })
        );
        let prefixed = "<!-- hi --><a:Autodiscover xmlns:a=\"x\"><a:Request>\
            <a:EMailAddress>b@c.example</a:EMailAddress><a:Legacy/></a:Request></a:Autodiscover>";
        assert_eq!(
            parsed(prefixed),
            Ok(Request {
                address: "b@c.example",
                schema: None,
            })
        );
    }

    #[test]
    fn bad_documents_are_refused_without_panicking() {
        for bad in [
            "",
            "ann@example.com",
            "<Autodiscover><Request><EMailAddress>a@b.example</Request></Autodiscover>",
            "<Autodiscover><Request><EMailAddress>a@b.example</EMailAddress></Request>",
            "<Autodiscover><Request><EMailAddress>a@b.example</EMailAddress></Request></Autodiscover><x/>",
            "<Autodiscover><Request><EMailAddress>a@b.example",
            "<Autodiscover><Request><EMailAddress>a@b.example</EMailAddress></Request></Autodiscover>tail",
            "<!DOCTYPE x [<!ENTITY e \"a@b.example\">]><Autodiscover><Request><EMailAddress>&e;</EMailAddress></Request></Autodiscover>",
            "<Autodiscover><!-- open",
            "<Autodiscover><Request><EMailAddress>a@b.example</EMailAddress></Request></Autodiscover",
            "<><Request/>",
            "<Other><Request><EMailAddress>a@b.example</EMailAddress></Request></Other>",
            "<Autodiscover>é<Request><EMailAddress>é",
        ] {
            assert!(parsed(bad).is_err(), "{bad}");
        }
        let deep = format!("{}{}", "<a>".repeat(100), "</a>".repeat(100));
        assert_eq!(parsed(&deep), Err("The XML document is nested too deeply."));
    }

    #[test]
    fn the_answer_names_the_preferred_ways() {
        let public = PublicEndpoints {
            mail_host: "mx.example.com".to_owned(),
            submissions: None,
            submission: Some(2587),
            ..PublicEndpoints::default()
        };
        let address = EmailAddress::parse("ann@example.com").unwrap();
        let xml = settings(&address, &public).unwrap();
        assert!(xml.contains("<Type>IMAP</Type>\n        <Server>mx.example.com</Server>\n        <Port>993</Port>"), "{xml}");
        assert!(xml.contains("<Port>2587</Port>"), "{xml}");
        assert!(xml.contains("<Encryption>TLS</Encryption>"), "{xml}");
        assert_eq!(
            xml.matches("<LoginName>ann@example.com</LoginName>")
                .count(),
            2
        );
        assert!(!xml.contains("<Port>143</Port>"), "{xml}");
        let no_imap = PublicEndpoints {
            imaps: None,
            imap: None,
            ..public
        };
        assert_eq!(settings(&address, &no_imap), None);
    }
}
