//! SEARCH, SORT and THREAD end to end: `trekmail serve` driven by Python's imaplib
//! (`imap_search_client.py`), over messages with encoded words, groups, commented addresses,
//! Latin-1 and base64 bodies, a nested message and Date: fields in their own zones.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::*;

#[test]
fn imaplib_searches_sorts_and_threads() {
    let (_dir, config) = setup("");
    let (_server, lines) = serve(&config);
    let port = imap_port(&lines);
    seed(&config);
    let out = finish(python(
        "python3",
        "imap_search_client.py",
        &[&port.to_string(), "ann@example.com", ANN_PASSWORD],
    ));
    for step in ["SEARCHED", "SORTED", "THREADED", "DONE"] {
        assert!(out.contains(step), "{step} missing: {out}");
    }
}
