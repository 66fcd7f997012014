//! mbsync (isync), a client we did not write, syncs 1,000 messages down into a Maildir, then
//! local changes back up: a flag set, a message deleted, a message written locally.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::*;
use std::path::Path;
use std::process::Command;

const ANN: &str = "ann@example.com";
const PASSWORD: &str = "Ann-first-pass-1";
const MESSAGES: usize = 1_000;

fn mbsync(rc: &Path) {
    let out = Command::new("mbsync")
        .arg("-c")
        .arg(rc)
        .arg("-a")
        .output()
        .expect("mbsync (isync) is installed by scripts/test");
    assert!(
        out.status.success(),
        "mbsync failed: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// The Maildir's message files in `sub` (`cur` or `new`).
fn files(maildir: &Path, sub: &str) -> Vec<std::path::PathBuf> {
    match std::fs::read_dir(maildir.join(sub)) {
        Ok(dir) => dir.map(|e| e.unwrap().path()).collect(),
        Err(_) => Vec::new(),
    }
}

fn check(port: u16) -> String {
    let port = port.to_string();
    finish(python(
        "python3",
        "imap_mbsync_helper.py",
        &[&port, ANN, PASSWORD, "check"],
    ))
}

#[test]
fn mbsync_syncs_a_thousand_messages_down_and_local_changes_up() {
    let (dir, config) = setup("");
    let (_server, lines) = serve(&config);
    seed(&config);
    let port = imap_port(&lines);
    let count = MESSAGES.to_string();
    let port_arg = port.to_string();
    finish(python(
        "python3",
        "imap_mbsync_helper.py",
        &[&port_arg, ANN, PASSWORD, "seed", &count],
    ));

    let local = dir.join("mail");
    std::fs::create_dir_all(&local).unwrap();
    let rc = dir.join("mbsyncrc");
    std::fs::write(
        &rc,
        format!(
            "IMAPAccount trekmail\nHost 127.0.0.1\nPort {port}\nUser {ANN}\nPass {PASSWORD}\n\
             SSLType None\nAuthMechs LOGIN\n\n\
             IMAPStore remote\nAccount trekmail\n\n\
             MaildirStore local\nPath {local}/\nInbox {local}/INBOX\n\n\
             Channel inbox\nFar :remote:INBOX\nNear :local:INBOX\nCreate Near\nSync All\n\
             Expunge Both\nSyncState *\n",
            local = local.display()
        ),
    )
    .unwrap();
    mbsync(&rc);
    let inbox = local.join("INBOX");
    let mut down: Vec<_> = files(&inbox, "cur");
    down.extend(files(&inbox, "new"));
    assert_eq!(down.len(), MESSAGES, "synced down");

    // Local changes: flag "Message 0000", delete "Message 0001", write a new one.
    let find = |subject: &str| {
        down.iter()
            .find(|p| {
                // mbsync stores lines ending in LF; a file moved by an earlier change is
                // no longer there.
                std::fs::read_to_string(p)
                    .is_ok_and(|text| text.contains(&format!("Subject: {subject}\n")))
            })
            .unwrap()
            .clone()
    };
    // Both found before either file moves: the list is read once, as it was synced.
    let (flagged, deleted) = (find("Message 0000"), find("Message 0001"));
    let name = flagged.file_name().unwrap().to_str().unwrap().to_owned();
    let base = name.split(":2,").next().unwrap();
    std::fs::rename(&flagged, inbox.join("cur").join(format!("{base}:2,FS"))).unwrap();
    std::fs::remove_file(deleted).unwrap();
    std::fs::write(
        inbox.join("new").join("1700000000.local1.host"),
        "From: ann@example.com\r\nSubject: Written locally\r\n\r\nUp it goes\r\n",
    )
    .unwrap();
    mbsync(&rc);

    let out = check(port);
    assert!(out.contains(&format!("COUNT {MESSAGES}\n")), "{out}");
    assert!(out.contains("FLAGGED 1\n"), "{out}");
    assert!(out.contains("SUBJECT Message_0000 1\n"), "{out}");
    assert!(out.contains("SUBJECT Message_0001 0\n"), "{out}");
    assert!(out.contains("SUBJECT Written_locally 1\n"), "{out}");
}
