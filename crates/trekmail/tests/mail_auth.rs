//! Sender authentication against independent parts: mail TrekMail sends carries DKIM
//! signatures (RSA-2048 and Ed25519) that dkimpy verifies against the records `domains records`
//! prints, before and after a key rotation; mail from other servers is checked on arrival
//! (SPF pass, fail and softfail; DKIM pass and fail; ARC pass and fail; DMARC pass,
//! quarantine and reject) with the Authentication-Results header asserted over IMAP, forged
//! ones removed. Every look-up of both sides goes to the test's own DNS server.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::dns::DnsServer;
use common::smtp_sink::*;
use common::*;
use serde_json::{Map, Value, json};
use std::io::Write;
use std::path::Path;
use trekmail_testkit::scratch_dir;

const ANN: &str = "ann@example.com";
const PASSWORD: &str = "Ann-first-pass-1";
const HOSTNAME: &str = "mx.test.example";

fn append(config: &Path, lines: &str) {
    let mut file = std::fs::OpenOptions::new()
        .append(true)
        .open(config)
        .unwrap();
    file.write_all(lines.as_bytes()).unwrap();
}

/// The domain's DKIM records as `domains records` prints them (zone-file lines, TXT text in
/// quoted pieces of at most 255 bytes), as entries of the test's zone.
fn dkim_zone(config: &Path) -> Map<String, Value> {
    let records = ok(config, &["domains", "records", "example.com"], None);
    let mut zone = Map::new();
    for line in records.lines() {
        let mut parts = line.splitn(3, ' ');
        let (name, kind, value) = (parts.next(), parts.next(), parts.next());
        if let (Some(name), Some("TXT"), Some(value)) = (name, kind, value)
            && name.contains("._domainkey.")
        {
            let text: String = value.split('"').skip(1).step_by(2).collect();
            zone.insert(
                name.trim_end_matches('.').to_owned(),
                json!({ "TXT": [text] }),
            );
        }
    }
    zone
}

fn send(lines: &[String], subject: &str) {
    let port = smtp_port(lines, "submission").to_string();
    let sent = finish(smtp_client(&[
        "submit",
        &port,
        "starttls",
        ANN,
        PASSWORD,
        ANN,
        "bob@far.example",
        subject,
    ]));
    assert!(sent.contains("SENT"), "{sent}");
}

fn verify(dns: &DnsServer, file: &Path) -> String {
    finish(python(
        "python3",
        "mail_auth_client.py",
        &["verify", &dns.port.to_string(), file.to_str().unwrap()],
    ))
}

#[test]
fn outgoing_mail_is_signed_with_both_keys_and_verifies_with_dkimpy() {
    let dns = DnsServer::start();
    let kept = scratch_dir();
    let (mut receiver, port) = sink(&format!("keep={}", kept.display()), 0);
    let (_dir, config) = setup_with("", &relay_config(port, 3600));
    append(&config, &dns.config());
    seed(&config);
    let first = dkim_zone(&config);
    assert_eq!(first.len(), 2, "{first:?}");
    dns.set(&Value::Object(first.clone()));
    let (_server, lines) = serve(&config);

    send(&lines, "signed once");
    wait_for_line(&mut receiver.0, "RECEIVED");
    let verified = verify(&dns, &kept.join("1.eml"));
    assert!(
        verified.contains("VERIFIED a=rsa-sha256 d=example.com s=rsa"),
        "{verified}"
    );
    assert!(
        verified.contains("VERIFIED a=ed25519-sha256 d=example.com s=ed"),
        "{verified}"
    );
    assert!(!verified.contains("FAILED"), "{verified}");

    // A byte changed on the way breaks both: the verifier is not one that always agrees.
    let tampered = kept.join("tampered.eml");
    let body = std::fs::read_to_string(kept.join("1.eml")).unwrap();
    std::fs::write(&tampered, body.replace("signed once", "signed twice")).unwrap();
    let failed = verify(&dns, &tampered);
    assert_eq!(failed.matches("FAILED").count(), 2, "{failed}");

    // After a rotation mail is signed with the new keys only; the old records stay listed
    // (mail signed with them still verifies) until retired.
    ok(&config, &["domains", "rotate-dkim", "example.com"], None);
    let rotated = dkim_zone(&config);
    assert_eq!(rotated.len(), 4, "{rotated:?}");
    dns.set(&Value::Object(rotated.clone()));
    send(&lines, "signed after rotation");
    wait_for_line(&mut receiver.0, "RECEIVED");
    let verified = verify(&dns, &kept.join("2.eml"));
    assert_eq!(verified.matches("VERIFIED").count(), 2, "{verified}");
    for old in first.keys() {
        let selector = old.split('.').next().unwrap();
        assert!(!verified.contains(&format!("s={selector}")), "{verified}");
    }
    assert!(
        verify(&dns, &kept.join("1.eml"))
            .matches("VERIFIED")
            .count()
            == 2
    );
}

/// One server with the checks on and `dmarc_reject = mode`, and every arrival case.
fn arrival_cases(mode: &str) {
    let dns = DnsServer::start();
    let (_dir, config) = setup_with(
        "",
        &format!("hostname = \"{HOSTNAME}\"\nsender_checks = true\ndmarc_reject = \"{mode}\"\n"),
    );
    append(&config, &dns.config());
    seed(&config);
    let (_server, lines) = serve(&config);
    let out = finish(python(
        "python3",
        "mail_auth_client.py",
        &[
            "arrival",
            &smtp_port(&lines, "inbound").to_string(),
            &imap_port(&lines).to_string(),
            dns.zone.to_str().unwrap(),
            HOSTNAME,
            ANN,
            PASSWORD,
            mode,
        ],
    ));
    assert!(out.contains("DONE"), "{out}");
}

#[test]
fn mail_from_other_servers_is_checked_and_a_dmarc_reject_refused() {
    arrival_cases("refuse");
}

#[test]
fn a_dmarc_reject_may_go_to_junk_instead() {
    arrival_cases("junk");
}
