//! IMAP over TLS with clients we did not write: Python's imaplib over STARTTLS and implicit
//! TLS (with the extensions: ID, NAMESPACE, ENABLE, QUOTA, BODYSTRUCTURE, IDLE), and curl's
//! IMAP URLs over both. Passwords without TLS are refused (`plaintext_auth = "never"`).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::*;
use std::process::Command;

const ANN: &str = "ann@example.com";
const PASSWORD: &str = "Ann-first-pass-1";

#[test]
fn imaplib_over_starttls_and_implicit_tls_uses_every_extension() {
    let (_dir, config) = setup_imap("", "plaintext_auth = \"never\"");
    let (_server, lines) = serve(&config);
    seed(&config);
    let plain = imap_port(&lines).to_string();
    let tls = imaps_port(&lines).to_string();
    let out = finish(python(
        "python3",
        "imap_tls_client.py",
        &[&plain, &tls, ANN, PASSWORD],
    ));
    for step in [
        "STARTTLS OK",
        "QUOTA OK",
        "BODYSTRUCTURE OK",
        "IDLE OK",
        "TLS OK",
    ] {
        assert!(out.contains(step), "{step} missing: {out}");
    }
}

/// curl with `args`, its stdout; fails the test when curl fails.
fn curl(args: &[&str]) -> String {
    let out = Command::new("curl")
        .args([
            "-sS",
            "--max-time",
            "20",
            "-u",
            &format!("{ANN}:{PASSWORD}"),
        ])
        .args(args)
        .output()
        .expect("curl is installed by scripts/test");
    assert!(
        out.status.success(),
        "curl {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn curl_imap_urls_over_starttls_and_imaps() {
    let (dir, config) = setup_imap("", "plaintext_auth = \"never\"");
    let (_server, lines) = serve(&config);
    seed(&config);
    let plain = imap_port(&lines);
    let tls = imaps_port(&lines);
    let message = dir.join("hello.eml");
    std::fs::write(
        &message,
        "From: bob@example.net\r\nTo: ann@example.com\r\nSubject: hello curl\r\n\r\nHi Ann\r\n",
    )
    .unwrap();

    // Without TLS curl's sign-in is refused: the server offers no password mechanism.
    let refused = Command::new("curl")
        .args([
            "-sS",
            "--max-time",
            "20",
            "-u",
            &format!("{ANN}:{PASSWORD}"),
        ])
        .arg(format!("imap://127.0.0.1:{plain}/"))
        .output()
        .unwrap();
    assert!(!refused.status.success(), "signed in without TLS");

    // APPEND over STARTTLS, then LIST, SEARCH and FETCH over implicit TLS.
    curl(&[
        "--ssl-reqd",
        "-k",
        "-T",
        message.to_str().unwrap(),
        &format!("imap://127.0.0.1:{plain}/INBOX"),
    ]);
    let listed = curl(&["-k", &format!("imaps://127.0.0.1:{tls}/")]);
    assert!(
        listed.contains("INBOX") && listed.contains("\\Sent"),
        "{listed}"
    );
    let found = curl(&[
        "-k",
        &format!("imaps://127.0.0.1:{tls}/INBOX?SUBJECT%20curl"),
    ]);
    assert!(found.contains("SEARCH 1"), "{found}");
    let fetched = curl(&["-k", &format!("imaps://127.0.0.1:{tls}/INBOX;MAILINDEX=1")]);
    assert!(
        fetched.contains("Subject: hello curl") && fetched.contains("Hi Ann"),
        "{fetched}"
    );
    let examined = curl(&[
        "--ssl-reqd",
        "-k",
        "-X",
        "EXAMINE INBOX",
        &format!("imap://127.0.0.1:{plain}/"),
    ]);
    assert!(examined.contains("1 EXISTS"), "{examined}");
}
