//! Mail-app autoconfiguration against the real `trekmail serve`, read with Python's stdlib the
//! way the apps read it (autoconfig_client.py: urllib, xml.etree, plistlib): Thunderbird's
//! clientConfig on both of its paths and by the Host header alone, Outlook's Autodiscover with
//! good and bad requests, and the Apple profile a signed-in owner downloads from webmail.
//! A `[public]` section sets the hosts and ports, and only those are given out: never a
//! listener's loopback address or port, never a port set to 0; and only for hosted domains.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::web::*;
use common::*;
use serde_json::{Value, json};
use std::io::Write;
use std::path::{Path, PathBuf};

const PUBLIC: &str = "[public]\nmail_host = \"mx.test.example\"\nimaps_port = 9993\n\
    imap_port = 0\nsubmissions_port = 0\nsubmission_port = 2587\n";
const OUTLOOK_SCHEMA: &str =
    "http://schemas.microsoft.com/exchange/autodiscover/outlook/responseschema/2006a";

/// Both tenants' domains and mailboxes, served with [`PUBLIC`]: the scratch dir, the
/// server, the webmail's base URL and the printed lines.
fn node() -> (PathBuf, Serve, String, Vec<String>) {
    let (dir, config) = setup("");
    let mut file = std::fs::OpenOptions::new()
        .append(true)
        .open(&config)
        .unwrap();
    file.write_all(PUBLIC.as_bytes()).unwrap();
    seed(&config);
    seed_other(&config);
    let (server, lines) = serve(&config);
    let base = format!("http://127.0.0.1:{}", webmail_port(&lines));
    (dir, server, base, lines)
}

/// What autoconfig_client.py found.
fn client(args: &[&str]) -> Value {
    let out = finish(python("python3", "autoconfig_client.py", args));
    serde_json::from_str(&out).unwrap_or_else(|e| panic!("{e}: {out}"))
}

fn thunderbird(url: &str, host: Option<&str>) -> Value {
    let mut args = vec!["thunderbird", url];
    args.extend(host);
    client(&args)
}

/// Outlook's request for `address`, asking for `schema`.
fn outlook_request(address: &str, schema: &str) -> String {
    format!(
        "<?xml version=\"1.0\" encoding=\"utf-8\"?>\r\n\
         <Autodiscover xmlns=\"http://schemas.microsoft.com/exchange/autodiscover/outlook/requestschema/2006\">\r\n\
         <Request>\r\n<EMailAddress>{address}</EMailAddress>\r\n\
         <AcceptableResponseSchema>{schema}</AcceptableResponseSchema>\r\n\
         </Request>\r\n</Autodiscover>\r\n"
    )
}

/// POSTs `body` (written to a file in `dir` first) to `url` with autoconfig_client.py.
fn autodiscover(dir: &Path, url: &str, body: &[u8]) -> Value {
    let file = dir.join("autodiscover-request.xml");
    std::fs::write(&file, body).unwrap();
    client(&["autodiscover", url, file.to_str().unwrap()])
}

fn status(answer: &Value) -> u64 {
    answer["status"].as_u64().unwrap()
}

fn text(answer: &Value) -> &str {
    answer["text"].as_str().unwrap()
}

/// The loopback ports `serve` printed: none may appear in what mail apps are told.
fn listener_ports(lines: &[String]) -> Vec<u16> {
    vec![
        imap_port(lines),
        imaps_port(lines),
        smtp_port(lines, "submission"),
        smtp_port(lines, "submissions"),
    ]
}

#[test]
fn thunderbird_gets_the_public_servers_of_a_hosted_domain() {
    let (_dir, _server, base, lines) = node();
    let autoconfig = format!("{base}/mail/config-v1.1.xml");
    let well_known = format!("{base}/.well-known/autoconfig/mail/config-v1.1.xml");
    let server = |kind: &str, port: &str, socket: &str| {
        json!({
            "type": kind,
            "hostname": "mx.test.example",
            "port": port,
            "socketType": socket,
            "username": "%EMAILADDRESS%",
            "authentication": "password-cleartext",
        })
    };
    let check = |answer: &Value, domain: &str| {
        assert_eq!(status(answer), 200, "{answer}");
        let kind = answer["content_type"].as_str().unwrap();
        assert!(kind.starts_with("application/xml"), "{answer}");
        assert_eq!(answer["id"], domain, "{answer}");
        assert_eq!(answer["domains"], json!([domain]), "{answer}");
        // IMAP over TLS only (imap_port = 0), and SMTP with STARTTLS only (submissions = 0).
        assert_eq!(
            answer["incoming"],
            json!([server("imap", "9993", "SSL")]),
            "{answer}"
        );
        assert_eq!(
            answer["outgoing"],
            json!([server("smtp", "2587", "STARTTLS")]),
            "{answer}"
        );
        let xml = text(answer);
        for absent in ["143", "465", "127.0.0.1", "ann@", "carl@"] {
            assert!(!xml.contains(absent), "{absent}: {xml}");
        }
        for port in listener_ports(&lines) {
            assert!(!xml.contains(&format!(">{port}<")), "{port}: {xml}");
        }
    };

    let ann = thunderbird(
        &format!("{autoconfig}?emailaddress=ann%40example.com"),
        None,
    );
    check(&ann, "example.com");
    let carl = thunderbird(
        &format!("{well_known}?emailaddress=carl%40Other.Example"),
        None,
    );
    check(&carl, "other.example");
    // The answer is the domain's: an address with no mailbox gets the very same document.
    let nobody = thunderbird(
        &format!("{autoconfig}?emailaddress=nobody%40example.com"),
        None,
    );
    assert_eq!(text(&nobody), text(&ann));

    // Without the address, the Host header names the domain, `autoconfig.` or not.
    let by_host = thunderbird(&autoconfig, Some("autoconfig.example.com"));
    check(&by_host, "example.com");
    let by_host = thunderbird(&well_known, Some("other.example:443"));
    check(&by_host, "other.example");

    // Domains not hosted here, by address or by host, and no domain at all: 404.
    for (url, host) in [
        (
            format!("{autoconfig}?emailaddress=ann%40unhosted.example"),
            None,
        ),
        (
            format!("{well_known}?emailaddress=ann%40unhosted.example"),
            None,
        ),
        (autoconfig.clone(), Some("autoconfig.unhosted.example")),
        (well_known.clone(), Some("unhosted.example")),
        (autoconfig.clone(), None),
        (format!("{autoconfig}?emailaddress=ann%40"), None),
    ] {
        let answer = thunderbird(&url, host);
        assert_eq!(status(&answer), 404, "{url} {host:?}: {answer}");
        assert!(!text(&answer).contains("mx.test.example"), "{answer}");
    }
}

#[test]
fn outlook_gets_imap_and_smtp_settings_and_bad_requests_get_400() {
    let (dir, _server, base, lines) = node();
    let lower = format!("{base}/autodiscover/autodiscover.xml");
    let upper = format!("{base}/Autodiscover/Autodiscover.xml");
    let protocol = |kind: &str, port: &str, encryption: &str, login: &str| {
        json!({
            "Type": kind,
            "Server": "mx.test.example",
            "Port": port,
            "LoginName": login,
            "DomainRequired": "off",
            "SPA": "off",
            "SSL": "on",
            "Encryption": encryption,
            "AuthRequired": "on",
        })
    };
    let check = |answer: &Value, login: &str| {
        assert_eq!(status(answer), 200, "{answer}");
        assert!(
            answer["content_type"]
                .as_str()
                .unwrap()
                .starts_with("text/xml"),
            "{answer}"
        );
        assert_eq!(answer["response_ns"], OUTLOOK_SCHEMA, "{answer}");
        assert_eq!(
            answer["account"],
            json!({"AccountType": "email", "Action": "settings"}),
            "{answer}"
        );
        // The TLS port where there is one (IMAP), STARTTLS where there is not (SMTP).
        assert_eq!(
            answer["protocols"],
            json!([
                protocol("IMAP", "9993", "SSL", login),
                protocol("SMTP", "2587", "TLS", login)
            ]),
            "{answer}"
        );
        for port in listener_ports(&lines) {
            assert!(!text(answer).contains(&format!(">{port}<")), "{answer}");
        }
    };

    let ann = outlook_request("ann@example.com", OUTLOOK_SCHEMA);
    check(
        &autodiscover(&dir, &lower, ann.as_bytes()),
        "ann@example.com",
    );
    let carl = outlook_request("Carl@Other.Example", OUTLOOK_SCHEMA);
    check(
        &autodiscover(&dir, &upper, carl.as_bytes()),
        "carl@other.example",
    );
    // No mailbox, same answer: whether one exists is not told.
    let nobody = outlook_request("nobody@example.com", OUTLOOK_SCHEMA);
    check(
        &autodiscover(&dir, &lower, nobody.as_bytes()),
        "nobody@example.com",
    );

    // A domain not hosted here: 404, so Outlook goes on to its next candidate URL.
    let unhosted = outlook_request("ann@unhosted.example", OUTLOOK_SCHEMA);
    let answer = autodiscover(&dir, &lower, unhosted.as_bytes());
    assert_eq!(status(&answer), 404, "{answer}");
    assert!(!text(&answer).contains("mx.test.example"), "{answer}");

    // ActiveSync's schema is not one this server answers: error 601, no settings.
    let mobile = outlook_request(
        "ann@example.com",
        "http://schemas.microsoft.com/exchange/autodiscover/mobilesync/responseschema/2006",
    );
    let answer = autodiscover(&dir, &lower, mobile.as_bytes());
    assert_eq!(status(&answer), 200, "{answer}");
    assert_eq!(answer["error_codes"], json!(["601"]), "{answer}");
    assert_eq!(answer["protocols"], json!([]), "{answer}");

    // Bad requests: a plain 400 with a reason, and the server answers on.
    let unclosed = "<Autodiscover><Request><EMailAddress>ann@example.com</Request></Autodiscover>";
    let no_address = "<Autodiscover><Request><Legacy/></Request></Autodiscover>";
    let entity = "<!DOCTYPE a [<!ENTITY e \"ann@example.com\">]>\
        <Autodiscover><Request><EMailAddress>&e;</EMailAddress></Request></Autodiscover>";
    let not_address = outlook_request("ann at example.com", OUTLOOK_SCHEMA);
    let mut latin1 = outlook_request("ann@example.com", OUTLOOK_SCHEMA).into_bytes();
    latin1.extend(b"<!-- caf\xe9 -->");
    for (body, reason) in [
        (&b"hello"[..], "text outside the XML document"),
        (unclosed.as_bytes(), "not nested properly"),
        (
            no_address.as_bytes(),
            "no Autodiscover/Request/EMailAddress",
        ),
        (entity.as_bytes(), "DOCTYPE"),
        (not_address.as_bytes(), "not an e-mail address"),
        (&latin1, "not UTF-8"),
        (b"", "no Autodiscover/Request/EMailAddress"),
    ] {
        let answer = autodiscover(&dir, &lower, body);
        assert_eq!(status(&answer), 400, "{answer}");
        assert!(
            answer["content_type"]
                .as_str()
                .unwrap()
                .starts_with("text/plain"),
            "{answer}"
        );
        assert!(text(&answer).contains(reason), "{reason}: {answer}");
    }
    // More than 16 KiB is not read at all.
    let mut huge = outlook_request("ann@example.com", OUTLOOK_SCHEMA).into_bytes();
    huge.extend(b"<!--".iter().chain(&[b'x'; 20 * 1024]).chain(b"-->"));
    let answer = autodiscover(&dir, &lower, &huge);
    assert_eq!(status(&answer), 413, "{answer}");
    check(
        &autodiscover(&dir, &lower, ann.as_bytes()),
        "ann@example.com",
    );
}

#[test]
fn a_signed_in_owner_downloads_an_apple_profile_without_a_password() {
    let (_dir, _server, base, _lines) = node();
    let url = format!("{base}/settings/apple-profile.mobileconfig");

    // Signed out, or with a session that is no one's: to the sign-in page.
    for cookie in [None, Some("tm_mail=forged")] {
        let mut args = vec!["profile", url.as_str()];
        args.extend(cookie);
        let answer = client(&args);
        assert_eq!(status(&answer), 303, "{answer}");
        assert_eq!(answer["location"], "/signin", "{answer}");
        assert!(!text(&answer).contains("mx.test.example"), "{answer}");
    }

    let ann = webmail_session(&base);
    let settings = curl(&["-b", &ann, &format!("{base}/settings/security")]);
    assert!(settings.starts_with("HTTP/1.1 200"), "{settings}");
    assert!(
        settings.contains("href=\"/settings/apple-profile.mobileconfig\""),
        "{settings}"
    );

    let answer = client(&["profile", &url, &ann]);
    assert_eq!(status(&answer), 200, "{answer}");
    assert_eq!(
        answer["content_type"], "application/x-apple-aspen-config",
        "{answer}"
    );
    let disposition = answer["disposition"].as_str().unwrap();
    assert!(
        disposition.starts_with("attachment; filename=\"ann@example.com.mobileconfig\""),
        "{answer}"
    );
    let plist = &answer["plist"];
    assert_eq!(plist["PayloadType"], "Configuration", "{plist}");
    assert_eq!(plist["PayloadVersion"], 1, "{plist}");
    assert!(
        plist["PayloadDisplayName"]
            .as_str()
            .unwrap()
            .contains("ann@example.com"),
        "{plist}"
    );
    let content = plist["PayloadContent"].as_array().unwrap();
    assert_eq!(content.len(), 1, "{plist}");
    let mail = &content[0];
    let expected = [
        ("PayloadType", json!("com.apple.mail.managed")),
        ("PayloadVersion", json!(1)),
        ("EmailAccountType", json!("EmailTypeIMAP")),
        ("EmailAddress", json!("ann@example.com")),
        ("IncomingMailServerHostName", json!("mx.test.example")),
        ("IncomingMailServerPortNumber", json!(9993)),
        ("IncomingMailServerUseSSL", json!(true)),
        (
            "IncomingMailServerAuthentication",
            json!("EmailAuthPassword"),
        ),
        ("IncomingMailServerUsername", json!("ann@example.com")),
        ("OutgoingMailServerHostName", json!("mx.test.example")),
        ("OutgoingMailServerPortNumber", json!(2587)),
        ("OutgoingMailServerUseSSL", json!(true)),
        (
            "OutgoingMailServerAuthentication",
            json!("EmailAuthPassword"),
        ),
        ("OutgoingMailServerUsername", json!("ann@example.com")),
        ("OutgoingPasswordSameAsIncomingPassword", json!(true)),
    ];
    for (key, value) in expected {
        assert_eq!(mail[key], value, "{key}: {mail}");
    }
    // No password anywhere: no key for one, and not the password itself.
    let keys: Vec<&str> = answer["keys"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| k.as_str().unwrap())
        .collect();
    let password_keys: Vec<&&str> = keys
        .iter()
        .filter(|k| k.to_lowercase().contains("password"))
        .collect();
    assert_eq!(
        password_keys,
        [&"OutgoingPasswordSameAsIncomingPassword"],
        "{keys:?}"
    );
    assert!(!text(&answer).contains(ANN_PASSWORD), "{answer}");

    // Downloaded again it is the same profile, so it replaces the installed one; another
    // mailbox's has identifiers of its own.
    let again = client(&["profile", &url, &ann]);
    assert_eq!(text(&again), text(&answer));
    let carl = webmail_sign_in(&base, "carl@other.example", CARL_PASSWORD);
    let carls = client(&["profile", &url, &carl]);
    assert_eq!(status(&carls), 200, "{carls}");
    let carls = &carls["plist"];
    assert_eq!(
        carls["PayloadContent"][0]["EmailAddress"],
        "carl@other.example"
    );
    for key in ["PayloadUUID", "PayloadIdentifier"] {
        assert_ne!(carls[key], plist[key], "{key}");
        assert_ne!(
            carls["PayloadContent"][0][key], mail[key],
            "{key} of the mail payload"
        );
        assert_ne!(
            plist[key], mail[key],
            "{key}: the profile's and its payload's"
        );
    }
}
