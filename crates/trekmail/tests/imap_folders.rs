//! Folders and the wire against the real binary, in raw lines from Python
//! (`imap_folders_client.py`): LIST and LSUB with their `\Noselect` parents, LIST-EXTENDED's
//! selection and return options with CHILDINFO, LIST-STATUS, STATUS=SIZE, and
//! COMPRESS=DEFLATE with Python's zlib over plain TCP and TLS.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::*;

const ANN: &str = "ann@example.com";

#[test]
fn list_lsub_list_extended_and_status_answer_as_the_rfcs_say() {
    let (_dir, config) = setup("");
    let (_server, lines) = serve(&config);
    seed(&config);
    let port = imap_port(&lines).to_string();
    let out = finish(python(
        "python3",
        "imap_folders_client.py",
        &["folders", &port, ANN, ANN_PASSWORD],
    ));
    assert!(out.contains("FOLDERS OK"), "{out}");
}

#[test]
fn compress_deflate_over_tcp_and_tls() {
    let (_dir, config) = setup("");
    let (_server, lines) = serve(&config);
    seed(&config);
    let plain = imap_port(&lines).to_string();
    let tls = imaps_port(&lines).to_string();
    let out = finish(python(
        "python3",
        "imap_folders_client.py",
        &["compress", &plain, &tls, ANN, ANN_PASSWORD],
    ));
    for step in ["COMPRESS OK TCP", "COMPRESS OK TLS"] {
        assert!(out.contains(step), "{step} missing: {out}");
    }
}
