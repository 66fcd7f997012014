//! Settings → Security's "Apple Mail profile": a configuration profile (`.mobileconfig`, an
//! XML property list) that sets up the signed-in owner's mailbox in Mail on iPhone, iPad and
//! Mac. It holds the public IMAP and SMTP hosts and ports and the address, never a password:
//! the device asks for it on install. Its identifier and UUIDs come from a hash of the
//! address, so downloading it again replaces the installed profile instead of adding one.

use super::MailState;
use super::download_name::{content_disposition, file_name};
use super::owner::MailOwner;
use crate::autoconfig::{imap_ways, smtp_ways, xml_escaped};
use crate::error::WebError;
use axum::Router;
use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use sha2::{Digest, Sha256};
use trekmail_core::domain::PublicEndpoints;

const CONTENT_TYPE: &str = "application/x-apple-aspen-config";

pub(super) fn routes() -> Router<MailState> {
    Router::new().route("/settings/apple-profile.mobileconfig", get(download))
}

/// Only a signed-in owner gets one, and only for their own mailbox: the address is the
/// session's.
async fn download(State(state): State<MailState>, owner: MailOwner) -> Result<Response, WebError> {
    let profile =
        profile(&owner.address, state.core.public_endpoints()).ok_or(WebError::NotFound)?;
    let name = file_name(Some(&format!("{}.mobileconfig", owner.address)));
    Ok((
        [
            (header::CONTENT_TYPE, CONTENT_TYPE.to_owned()),
            (
                header::CONTENT_DISPOSITION,
                content_disposition("attachment", &name),
            ),
        ],
        profile,
    )
        .into_response())
}

/// A property-list value, as much of the format as a profile needs.
enum Value {
    Text(String),
    Number(u16),
    Flag(bool),
    /// An array of dictionaries.
    Dicts(Vec<Dict>),
}

type Dict = Vec<(&'static str, Value)>;

/// The profile for `address`, or `None` when IMAP or SMTP is not published. The TLS ports
/// are preferred; on a STARTTLS port `UseSSL` makes Mail start TLS before signing in.
fn profile(address: &str, public: &PublicEndpoints) -> Option<String> {
    let imap = imap_ways(public).first().copied()?;
    let smtp = smtp_ways(public).first().copied()?;
    let text = |s: &str| Value::Text(s.to_owned());
    let id = identifier(address, public);
    let account: Dict = vec![
        ("EmailAccountDescription", text(address)),
        ("EmailAccountType", text("EmailTypeIMAP")),
        ("EmailAddress", text(address)),
        (
            "IncomingMailServerAuthentication",
            text("EmailAuthPassword"),
        ),
        ("IncomingMailServerHostName", text(&public.mail_host)),
        ("IncomingMailServerPortNumber", Value::Number(imap.port)),
        ("IncomingMailServerUseSSL", Value::Flag(true)),
        ("IncomingMailServerUsername", text(address)),
        (
            "OutgoingMailServerAuthentication",
            text("EmailAuthPassword"),
        ),
        ("OutgoingMailServerHostName", text(&public.mail_host)),
        ("OutgoingMailServerPortNumber", Value::Number(smtp.port)),
        ("OutgoingMailServerUseSSL", Value::Flag(true)),
        ("OutgoingMailServerUsername", text(address)),
        ("OutgoingPasswordSameAsIncomingPassword", Value::Flag(true)),
        (
            "PayloadDescription",
            text("The mailbox's IMAP and SMTP settings."),
        ),
        ("PayloadDisplayName", text(&format!("Mail: {address}"))),
        ("PayloadIdentifier", text(&format!("{id}.mail"))),
        ("PayloadType", text("com.apple.mail.managed")),
        ("PayloadUUID", text(&uuid(address, "mail"))),
        ("PayloadVersion", Value::Number(1)),
    ];
    let configuration: Dict = vec![
        ("PayloadContent", Value::Dicts(vec![account])),
        (
            "PayloadDescription",
            text("Sets up this mailbox in Mail. Your password is asked for on install."),
        ),
        ("PayloadDisplayName", text(&format!("Mail: {address}"))),
        ("PayloadIdentifier", text(&id)),
        ("PayloadRemovalDisallowed", Value::Flag(false)),
        ("PayloadType", text("Configuration")),
        ("PayloadUUID", text(&uuid(address, "profile"))),
        ("PayloadVersion", Value::Number(1)),
    ];
    let mut out = String::from(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n\
         <!DOCTYPE plist PUBLIC \"-//Apple//DTD PLIST 1.0//EN\" \
         \"http://www.apple.com/DTDs/PropertyList-1.0.dtd\">\n\
         <plist version=\"1.0\">\n",
    );
    write_dict(&mut out, &configuration, 0);
    out.push_str("</plist>\n");
    Some(out)
}

fn write_dict(out: &mut String, dict: &Dict, depth: usize) {
    let pad = "  ".repeat(depth);
    out.push_str(&format!("{pad}<dict>\n"));
    for (key, value) in dict {
        out.push_str(&format!("{pad}  <key>{key}</key>\n"));
        match value {
            Value::Text(text) => {
                out.push_str(&format!("{pad}  <string>{}</string>\n", xml_escaped(text)));
            }
            Value::Number(n) => out.push_str(&format!("{pad}  <integer>{n}</integer>\n")),
            Value::Flag(true) => out.push_str(&format!("{pad}  <true/>\n")),
            Value::Flag(false) => out.push_str(&format!("{pad}  <false/>\n")),
            Value::Dicts(dicts) => {
                out.push_str(&format!("{pad}  <array>\n"));
                for dict in dicts {
                    write_dict(out, dict, depth + 2);
                }
                out.push_str(&format!("{pad}  </array>\n"));
            }
        }
    }
    out.push_str(&format!("{pad}</dict>\n"));
}

/// The profile's reverse-DNS identifier: the mail host's name backwards, then the
/// address's hash, so each mailbox has one.
fn identifier(address: &str, public: &PublicEndpoints) -> String {
    let host: Vec<&str> = public.mail_host.rsplit('.').collect();
    format!("{}.trekmail.{}", host.join("."), uuid(address, "profile"))
}

/// A UUID (RFC 9562 version 8: made from a hash) of the lower-cased address and `purpose`.
fn uuid(address: &str, purpose: &str) -> String {
    let mut hasher = Sha256::new();
    hasher.update(b"trekmail apple profile\0");
    hasher.update(purpose.as_bytes());
    hasher.update(b"\0");
    hasher.update(address.to_ascii_lowercase().as_bytes());
    let mut bytes: [u8; 16] = [0; 16];
    for (to, from) in bytes.iter_mut().zip(hasher.finalize()) {
        *to = from;
    }
    bytes[6] = (bytes[6] & 0x0f) | 0x80;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    let hex = data_encoding::HEXUPPER.encode(&bytes);
    format!(
        "{}-{}-{}-{}-{}",
        &hex[..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..]
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn public() -> PublicEndpoints {
        PublicEndpoints {
            mail_host: "mx.example.com".to_owned(),
            imaps: None,
            ..PublicEndpoints::default()
        }
    }

    #[test]
    fn the_profile_names_the_host_ports_and_address_but_no_password() {
        let xml = profile("ann@example.com", &public()).unwrap();
        assert!(
            xml.contains(
                "<key>IncomingMailServerHostName</key>\n      <string>mx.example.com</string>"
            ),
            "{xml}"
        );
        assert!(
            xml.contains("<key>IncomingMailServerPortNumber</key>\n      <integer>143</integer>"),
            "{xml}"
        );
        assert!(
            xml.contains("<key>OutgoingMailServerPortNumber</key>\n      <integer>465</integer>"),
            "{xml}"
        );
        assert!(
            xml.contains("<key>PayloadType</key>\n  <string>Configuration</string>"),
            "{xml}"
        );
        for key in ["IncomingPassword", "OutgoingPassword"] {
            assert!(!xml.contains(&format!("<key>{key}</key>")), "{xml}");
        }
        assert!(xml.contains("<string>com.example.mx.trekmail."), "{xml}");
        let no_smtp = PublicEndpoints {
            submissions: None,
            submission: None,
            ..public()
        };
        assert_eq!(profile("ann@example.com", &no_smtp), None);
    }

    #[test]
    fn uuids_are_stable_per_mailbox_and_well_formed() {
        let one = uuid("ann@example.com", "profile");
        assert_eq!(one, uuid("Ann@Example.com", "profile"));
        assert_ne!(one, uuid("bob@example.com", "profile"));
        assert_ne!(one, uuid("ann@example.com", "mail"));
        let parts: Vec<&str> = one.split('-').collect();
        assert_eq!(
            parts.iter().map(|p| p.len()).collect::<Vec<_>>(),
            [8, 4, 4, 4, 12]
        );
        assert!(parts[2].starts_with('8'), "{one}");
        assert!(
            matches!(parts[3].chars().next(), Some('8' | '9' | 'A' | 'B')),
            "{one}"
        );
    }
}
