//! Webmail's compose as the owner uses it: the real `trekmail serve` with its outbound relay
//! pointed at a local aiosmtpd sink, headless Chromium (webmail_compose_browser.py) writing,
//! and imaplib reading what arrived in INBOX, Sent and Drafts.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::smtp_sink::{relay_config, sink};
use common::web::*;
use common::*;

/// A seeded node whose messages may be at most 1 MB and whose outbound mail goes to a sink.
fn node(mode: &str) {
    let (mut receiver, port) = sink("accept", 0);
    let smtp = format!("{}max_message_mb = 1\n", relay_config(port, 3600));
    let (_dir, config) = setup_with("", &smtp);
    seed(&config);
    let (_server, lines) = serve(&config);
    let ports = [webmail_port(&lines), imap_port(&lines)];
    let done = finish(browser("webmail_compose_browser.py", &ports, mode, &[]));
    let expected = match mode {
        "send" => "SEND OK",
        _ => "BAD INPUT OK",
    };
    assert!(done.contains(expected), "{done}");
    if mode == "send" {
        // The external recipient's copy went out through the relay.
        let received = wait_for_line(&mut receiver.0, "RECEIVED");
        assert!(
            received.starts_with("RECEIVED bob@far.example "),
            "{received}"
        );
    }
}

#[test]
fn a_message_written_in_webmail_arrives_with_its_file_and_threads_in_replies_and_forwards() {
    node("send");
}

#[test]
fn bad_input_sends_nothing_and_keeps_the_draft_which_saves_as_the_owner_types() {
    node("bad-input");
}
