//! `trekmail backup` while a real server takes mail over SMTP (smtplib) and expunges it over
//! IMAP (imaplib), then `trekmail restore` into a fresh data dir and a server on it: every
//! message that got its 250 before the backup began is there, a changed password and 2FA are
//! as they were, and so is a webmail session a password save ended. A corrupted backup, a data
//! dir with data and a PostgreSQL node are refused, or told what to do.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::side_core::{enroll_mailbox, oathtool, side_core};
use common::web::*;
use common::*;
use std::collections::BTreeSet;
use std::io::{BufRead, BufReader};
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const ANN: &str = "ann@example.com";
const BOB: &str = "bob@example.com";
const BOB_OLD: &str = "Bob-first-pass-1";
const BOB_NEW: &str = "Bob-second-pass-2";
const CAROL: &str = "carol@example.com";
const CAROL_PASSWORD: &str = "Carol-first-pass-1";

/// backup_restore_client.py, with a stdin that stops it when closed.
fn client(args: &[&str]) -> Child {
    Command::new("python3")
        .arg(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/backup_restore_client.py"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

/// The lines a child prints, gathered as they come.
fn gather(child: &mut Child) -> (Arc<Mutex<Vec<String>>>, std::thread::JoinHandle<()>) {
    let lines = Arc::new(Mutex::new(Vec::new()));
    let out = BufReader::new(child.stdout.take().unwrap());
    let into = lines.clone();
    let reader = std::thread::spawn(move || {
        for line in out.lines() {
            into.lock().unwrap().push(line.unwrap());
        }
    });
    (lines, reader)
}

/// Closes the child's stdin (it stops), waits for it and returns its stderr.
fn stop(mut child: Child, reader: std::thread::JoinHandle<()>) -> String {
    drop(child.stdin.take());
    let out = child.wait_with_output().unwrap();
    reader.join().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(out.status.success(), "client failed: {stderr}");
    stderr
}

/// The Message-IDs of the load's messages to `to` that got their 250 so far.
fn sent_to(lines: &Mutex<Vec<String>>, to: &str) -> BTreeSet<String> {
    lines
        .lock()
        .unwrap()
        .iter()
        .filter_map(|l| l.strip_prefix("SENT "))
        .filter_map(|rest| rest.split_once(' '))
        .filter(|(_, rcpt)| *rcpt == to)
        .map(|(id, _)| id.to_owned())
        .collect()
}

/// Waits (at most 60 s) until `enough` holds of the lines.
fn wait_until(lines: &Mutex<Vec<String>>, enough: impl Fn(&[String]) -> bool) {
    let deadline = Instant::now() + Duration::from_secs(60);
    while !enough(&lines.lock().unwrap()) {
        assert!(Instant::now() < deadline, "{:?}", lines.lock().unwrap());
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// The Message-IDs in `login`'s INBOX, read over IMAP.
fn inbox_ids(imap: u16, login: &str, password: &str) -> BTreeSet<String> {
    let out = finish(python(
        "python3",
        "backup_restore_client.py",
        &["message-ids", &imap.to_string(), login, password],
    ));
    assert!(out.contains("DONE"), "{out}");
    out.lines()
        .filter_map(|l| l.strip_prefix("ID "))
        .map(str::to_owned)
        .collect()
}

fn mode(path: &Path) -> u32 {
    std::fs::metadata(path).unwrap().permissions().mode() & 0o777
}

/// What the first node holds when its backup began.
struct BeforeBackup {
    /// bob's messages that got their 250 before the backup began.
    sent_to_bob: BTreeSet<String>,
    /// bob's webmail session that his password save ended, and the one that made it.
    ended: String,
    kept: String,
}

/// bob changes his password in webmail (ending his other session), then the backup is taken
/// while mail comes in for bob and carol and carol's INBOX is emptied again and again.
fn back_up_under_load(config: &Path, lines: &[String], backup: &Path) -> BeforeBackup {
    let imap = imap_port(lines);
    let base = format!("http://127.0.0.1:{}", webmail_port(lines));
    let ended = webmail_sign_in(&base, BOB, BOB_OLD);
    let kept = webmail_sign_in(&base, BOB, BOB_OLD);
    let page = curl(&["-b", &kept, &format!("{base}/settings/security")]);
    let body = format!(
        "csrf={}&current={BOB_OLD}&password={BOB_NEW}&confirm={BOB_NEW}",
        form_value(&page, "csrf")
    );
    let saved = curl(&[
        "-b",
        &kept,
        "--data",
        &body,
        &format!("{base}/settings/password"),
    ]);
    assert!(
        saved.contains("location: /settings/security?done=password&ended=1"),
        "{saved}"
    );
    assert!(curl(&["-b", &ended, &format!("{base}/")]).contains("location: /signin"));
    assert!(curl(&["-b", &kept, &format!("{base}/")]).contains("<h1>INBOX</h1>"));
    only_new_password_works(imap, BOB, BOB_OLD, BOB_NEW);

    let mut churn = client(&["churn", &imap.to_string(), CAROL, CAROL_PASSWORD]);
    let (churned, churn_reader) = gather(&mut churn);
    let inbound = smtp_port(lines, "inbound").to_string();
    let mut load = client(&["load", &inbound, &format!("{BOB},{CAROL}"), "2"]);
    let (sent, load_reader) = gather(&mut load);
    wait_until(&sent, |l| l.len() >= 200);

    let sent_to_bob = sent_to(&sent, BOB);
    let at_start = sent.lock().unwrap().len();
    let out = ok(config, &["backup", backup.to_str().unwrap()], None);
    assert!(out.contains("verified"), "{out}");
    assert!(
        out.contains("WARNING") && out.contains("unlocks the 2FA secrets and DKIM keys"),
        "{out}"
    );
    // The load went on during and after the backup.
    wait_until(&sent, |l| l.len() >= at_start + 40);
    stop(load, load_reader);
    stop(churn, churn_reader);
    let churned = churned.lock().unwrap().join("\n");
    let count: u64 = line_value(&churned, "CHURNED").parse().unwrap();
    assert!(count > 0, "{churned}");
    BeforeBackup {
        sent_to_bob,
        ended,
        kept,
    }
}

/// The backup is private and says what it holds.
fn check_backup_dir(backup: &Path, at_least: usize) {
    assert_eq!(mode(backup), 0o700);
    for file in ["trekmail.db", "server.key", "manifest.json"] {
        assert_eq!(mode(&backup.join(file)), 0o600, "{file}");
    }
    let manifest: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(backup.join("manifest.json")).unwrap())
            .unwrap();
    assert_eq!(manifest["format"], 1, "{manifest}");
    assert_eq!(manifest["database"], "sqlite", "{manifest}");
    assert_eq!(manifest["trekmail_version"], env!("CARGO_PKG_VERSION"));
    assert!(
        manifest["messages"].as_u64().unwrap() as usize >= at_least,
        "{manifest}"
    );
    assert_eq!(manifest["database_sha256"].as_str().unwrap().len(), 64);
}

/// The first body file below `dir`.
fn a_body(dir: &Path) -> PathBuf {
    let mut at = dir.join("blobs");
    for _ in 0..3 {
        at = std::fs::read_dir(&at)
            .unwrap()
            .next()
            .unwrap()
            .unwrap()
            .path();
    }
    at
}

#[tokio::test(flavor = "multi_thread")]
async fn a_backup_taken_under_load_restores_mail_passwords_2fa_and_ended_sessions() {
    let (dir, config, server, lines) = seeded_node().await;
    let c = config.clone();
    tokio::task::spawn_blocking(move || {
        for (address, password) in [(BOB, BOB_OLD), (CAROL, CAROL_PASSWORD)] {
            let stdin = format!("{password}\n");
            ok(
                &c,
                &["mailbox", "create", address, "--password-stdin"],
                Some(&stdin),
            );
        }
    })
    .await
    .unwrap();
    let key = enroll_mailbox(&side_core(&dir.join("data"), false).await, ANN).await;
    let backup = dir.join("backup");
    let b = backup.clone();
    let before = tokio::task::spawn_blocking(move || {
        let before = back_up_under_load(&config, &lines, &b);
        drop(server);
        before
    })
    .await
    .unwrap();

    tokio::task::spawn_blocking(move || {
        check_backup_dir(&backup, before.sent_to_bob.len());
        let (_dir2, restored) = setup("");
        let out = ok(&restored, &["restore", backup.to_str().unwrap()], None);
        assert!(out.contains("Restored"), "{out}");
        let data = restored.parent().unwrap().join("data");
        assert_eq!(mode(&data), 0o700);
        assert_eq!(mode(&data.join("trekmail.db")), 0o600);
        assert_eq!(mode(&data.join("server.key")), 0o600);
        assert_eq!(mode(&a_body(&data)), 0o600);
        assert_eq!(mode(a_body(&data).parent().unwrap()), 0o700);

        let (server, lines) = serve(&restored);
        let imap = imap_port(&lines);
        let restored_ids = inbox_ids(imap, BOB, BOB_NEW);
        let lost: Vec<_> = before.sent_to_bob.difference(&restored_ids).collect();
        assert!(
            lost.is_empty(),
            "lost {} of {}: {lost:?}",
            lost.len(),
            before.sent_to_bob.len()
        );
        only_new_password_works(imap, BOB, BOB_OLD, BOB_NEW);
        // 2FA still on: the password alone is refused, with a fresh code it signs in.
        finish(imap_client(imap, ANN, ANN_PASSWORD, "login-fail"));
        let code = oathtool(&key, 30);
        finish(imap_client(
            imap,
            ANN,
            &format!("{ANN_PASSWORD}{code}"),
            "browse",
        ));
        // The session the password save ended stays ended; the one that saved it goes on.
        let base = format!("http://127.0.0.1:{}", webmail_port(&lines));
        let ended = curl(&["-b", &before.ended, &format!("{base}/")]);
        assert!(ended.contains("location: /signin"), "{ended}");
        let kept = curl(&["-b", &before.kept, &format!("{base}/")]);
        assert!(kept.contains("<h1>INBOX</h1>"), "{kept}");

        // A data dir with data, and a backup dir with a backup, are refused.
        let err = fails(&restored, &["restore", backup.to_str().unwrap()], None);
        assert!(err.contains("already holds"), "{err}");
        let err = fails(&restored, &["backup", backup.to_str().unwrap()], None);
        assert!(err.contains("is not empty"), "{err}");
        drop(server);

        // One flipped byte in one body (of an independent copy: the backup's bodies may be
        // hard links to the first node's): the restore refuses and restores nothing.
        let corrupt = backup.with_file_name("corrupt");
        let copied = Command::new("cp")
            .arg("-r")
            .arg(&backup)
            .arg(&corrupt)
            .status();
        assert!(copied.unwrap().success());
        let body = a_body(&corrupt);
        let mut bytes = std::fs::read(&body).unwrap();
        bytes[10] ^= 0x20;
        std::fs::write(&body, bytes).unwrap();
        let (_dir3, fresh) = setup("");
        let err = fails(&fresh, &["restore", corrupt.to_str().unwrap()], None);
        assert!(err.contains("does not match its SHA-256"), "{err}");
        assert!(!fresh.parent().unwrap().join("data/trekmail.db").exists());
    })
    .await
    .unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn on_postgresql_backup_writes_the_key_and_says_to_use_pg_dump() {
    let url = trekmail_testkit::fresh_database(trekmail_testkit::Backend::Postgres).await;
    tokio::task::spawn_blocking(move || {
        let (dir, config) = setup(&url);
        seed(&config);
        let backup = dir.join("backup");
        let out = ok(&config, &["backup", backup.to_str().unwrap()], None);
        assert!(out.contains("pg_dump --format=custom"), "{out}");
        assert!(
            out.contains("`blobs`") && out.contains("no large objects"),
            "{out}"
        );
        assert!(out.contains("WARNING"), "{out}");
        assert_eq!(
            std::fs::read(backup.join("server.key")).unwrap(),
            std::fs::read(dir.join("data/server.key")).unwrap()
        );
        assert_eq!(mode(&backup.join("server.key")), 0o600);
        let manifest = std::fs::read_to_string(backup.join("manifest.json")).unwrap();
        assert!(
            manifest.contains("\"database\": \"postgresql\""),
            "{manifest}"
        );
        let err = fails(&config, &["restore", backup.to_str().unwrap()], None);
        assert!(err.contains("pg_restore"), "{err}");
    })
    .await
    .unwrap();
}
