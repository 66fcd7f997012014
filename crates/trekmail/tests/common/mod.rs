//! What the binary's tests share: a config in a scratch dir, running commands, `serve`.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use trekmail_testkit::scratch_dir;

pub mod dns;
pub mod imap_raw;
pub mod side_core;
pub mod smtp_sink;
pub mod web;

pub const BIN: &str = env!("CARGO_BIN_EXE_trekmail");

/// A data dir with a config pointing at `database_url` ("" for embedded SQLite).
pub fn setup(database_url: &str) -> (PathBuf, PathBuf) {
    setup_with(database_url, "")
}

/// As [`setup`], with `smtp` (lines of `key = value`) added to the `[smtp]` section.
pub fn setup_with(database_url: &str, smtp: &str) -> (PathBuf, PathBuf) {
    setup_sections(database_url, "", smtp)
}

/// As [`setup`], with `imap` (lines of `key = value`) added to the `[imap]` section.
pub fn setup_imap(database_url: &str, imap: &str) -> (PathBuf, PathBuf) {
    setup_sections(database_url, imap, "")
}

/// The config of a test server on free loopback ports; `[smtp]` comes last, so lines a test
/// appends to the file are its keys. Mail from other servers is not checked (SPF, DKIM,
/// DMARC) unless `smtp` turns the checks on, with a DNS server of the test's own
/// ([`dns::DnsServer`]): no test asks the network's DNS.
pub fn setup_sections(database_url: &str, imap: &str, smtp: &str) -> (PathBuf, PathBuf) {
    let checks = match smtp.contains("sender_checks") {
        true => "",
        false => "sender_checks = false\n",
    };
    let dir = scratch_dir();
    let config = dir.join("trekmail.toml");
    std::fs::write(
        &config,
        format!(
            "data_dir = \"{}\"\n[database]\nurl = \"{database_url}\"\n[sessions]\nsweep_every_secs = 1\nnode_timeout_secs = 10\n[imap]\nlisten = \"127.0.0.1:0\"\ntls_listen = \"127.0.0.1:0\"\n{imap}\n[managesieve]\nlisten = \"127.0.0.1:0\"\n[dashboard]\nlisten = \"127.0.0.1:0\"\n[webmail]\nlisten = \"127.0.0.1:0\"\n[smtp]\nsubmission_listen = \"127.0.0.1:0\"\nsubmissions_listen = \"127.0.0.1:0\"\ninbound_listen = \"127.0.0.1:0\"\n{checks}{smtp}\n",
            dir.join("data").display()
        ),
    )
    .unwrap();
    (dir, config)
}

pub fn trekmail(config: &Path, args: &[&str], stdin: Option<&str>) -> Output {
    let mut child = Command::new(BIN)
        .arg("--config")
        .arg(config)
        .args(args)
        .env_remove("RUST_LOG")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut input = child.stdin.take().unwrap();
    if let Some(text) = stdin {
        input.write_all(text.as_bytes()).unwrap();
    }
    drop(input);
    child.wait_with_output().unwrap()
}

pub fn ok(config: &Path, args: &[&str], stdin: Option<&str>) -> String {
    let out = trekmail(config, args, stdin);
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "trekmail {args:?} failed: {}{}",
        stdout,
        String::from_utf8_lossy(&out.stderr)
    );
    stdout
}

/// Fails with a single line on stderr, no panic, no backtrace.
pub fn fails(config: &Path, args: &[&str], stdin: Option<&str>) -> String {
    let out = trekmail(config, args, stdin);
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(!out.status.success(), "trekmail {args:?} succeeded");
    assert!(
        !stderr.contains("panicked") && !stderr.contains("backtrace"),
        "{stderr}"
    );
    assert_eq!(stderr.trim().lines().count(), 1, "not one line: {stderr}");
    stderr
}

/// The owner's dashboard password after [`seed`].
pub const OWNER_PASSWORD: &str = "Owner-first-pass-1";
/// ann@example.com's password after [`seed`].
pub const ANN_PASSWORD: &str = "Ann-first-pass-1";

/// owner@example.com (Starter, with [`OWNER_PASSWORD`]), example.com, and ann@example.com
/// ("Ann", 1 GB, with [`ANN_PASSWORD`]).
pub fn seed(config: &Path) {
    ok(
        config,
        &[
            "account",
            "create",
            "--email",
            "owner@example.com",
            "--plan",
            "starter",
            "--password-stdin",
        ],
        Some(&format!("{OWNER_PASSWORD}\n")),
    );
    ok(
        config,
        &[
            "domain",
            "add",
            "--account",
            "owner@example.com",
            "example.com",
        ],
        None,
    );
    ok(
        config,
        &[
            "mailbox",
            "create",
            "ann@example.com",
            "--name",
            "Ann",
            "--password-stdin",
        ],
        Some(&format!("{ANN_PASSWORD}\n")),
    );
}

/// tiny@example.com, whose 1 MB quota a single large message fills.
pub fn seed_tiny(config: &Path) {
    ok(
        config,
        &[
            "mailbox",
            "create",
            "tiny@example.com",
            "--quota-mb",
            "1",
            "--password-stdin",
        ],
        Some("Tiny-first-pass-1\n"),
    );
}

/// The subjects of the messages in a folder, read with imaplib.
pub fn subjects(imap: u16, login: &str, password: &str, folder: &str) -> Vec<String> {
    let out = finish(smtp_client(&[
        "imap-subjects",
        &imap.to_string(),
        login,
        password,
        folder,
    ]));
    assert!(out.contains("DONE"), "{out}");
    out.lines()
        .filter_map(|l| l.strip_prefix("SUBJECT "))
        .map(str::to_owned)
        .collect()
}

/// For tokio tests: a fresh node on SQLite, seeded and serving (set up off the runtime).
/// Returns its scratch dir, its config, the server and its printed lines.
pub async fn seeded_node() -> (PathBuf, PathBuf, Serve, Vec<String>) {
    tokio::task::spawn_blocking(|| {
        let (dir, config) = setup("");
        seed(&config);
        let (server, lines) = serve(&config);
        (dir, config, server, lines)
    })
    .await
    .unwrap()
}

/// A running `serve`, stopped on drop.
pub struct Serve(pub Child);

impl Drop for Serve {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

pub fn serve(config: &Path) -> (Serve, Vec<String>) {
    spawn_serve(config, Command::new(BIN).stderr(Stdio::null()))
}

/// `serve` with its log at debug level in a file (for tests that search the log); returns
/// the file too.
pub fn serve_logged(config: &Path) -> (Serve, Vec<String>, PathBuf) {
    let log = config.parent().unwrap().join("serve.log");
    let file = std::fs::File::create(&log).unwrap();
    let (server, lines) = spawn_serve(
        config,
        Command::new(BIN).env("RUST_LOG", "debug").stderr(file),
    );
    (server, lines, log)
}

/// Starts `command` as `serve` on `config` and reads what it prints up to "Ctrl-C".
fn spawn_serve(config: &Path, command: &mut Command) -> (Serve, Vec<String>) {
    let mut child = command
        .arg("--config")
        .arg(config)
        .arg("serve")
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = Vec::new();
    let mut reader = BufReader::new(child.stdout.take().unwrap());
    for _ in 0..20 {
        let mut line = String::new();
        if reader.read_line(&mut line).unwrap() == 0 {
            break;
        }
        let done = line.contains("Ctrl-C");
        lines.push(line);
        if done {
            break;
        }
    }
    assert!(
        lines.iter().any(|l| l.contains("TrekMail is running")),
        "{lines:?}"
    );
    (Serve(child), lines)
}

/// The port `serve` printed for its IMAP listener.
pub fn imap_port(lines: &[String]) -> u16 {
    lines
        .iter()
        .find_map(|l| l.trim().strip_prefix("IMAP:"))
        .and_then(|rest| rest.trim().split([' ', ':']).nth(1))
        .and_then(|p| p.parse().ok())
        .unwrap_or_else(|| panic!("no IMAP port in {lines:?}"))
}

/// The port `serve` printed for its implicit-TLS IMAP listener.
pub fn imaps_port(lines: &[String]) -> u16 {
    lines
        .iter()
        .find_map(|l| l.trim().strip_prefix("IMAPS:"))
        .and_then(|rest| rest.trim().split([' ', ':']).nth(1))
        .and_then(|p| p.parse().ok())
        .unwrap_or_else(|| panic!("no IMAPS port in {lines:?}"))
}

/// The port `serve` printed for the dashboard.
pub fn dashboard_port(lines: &[String]) -> u16 {
    lines
        .iter()
        .find_map(|l| l.trim().strip_prefix("Dashboard:"))
        .and_then(|rest| rest.trim().trim_end_matches('/').rsplit(':').next())
        .and_then(|p| p.parse().ok())
        .unwrap_or_else(|| panic!("no dashboard port in {lines:?}"))
}

/// The port `serve` printed for the webmail.
pub fn webmail_port(lines: &[String]) -> u16 {
    lines
        .iter()
        .find_map(|l| l.trim().strip_prefix("Webmail:"))
        .and_then(|rest| rest.trim().trim_end_matches('/').rsplit(':').next())
        .and_then(|p| p.parse().ok())
        .unwrap_or_else(|| panic!("no webmail port in {lines:?}"))
}

/// The port `serve` printed for an SMTP listener: `submission`, `submissions` or `inbound`.
pub fn smtp_port(lines: &[String], which: &str) -> u16 {
    let prefix = format!("SMTP {which}:");
    lines
        .iter()
        .find_map(|l| l.trim().strip_prefix(prefix.as_str()))
        .and_then(|rest| rest.trim().split([' ', ':']).nth(1))
        .and_then(|p| p.parse().ok())
        .unwrap_or_else(|| panic!("no SMTP {which} port in {lines:?}"))
}

/// The port `serve` printed for its ManageSieve listener.
pub fn managesieve_port(lines: &[String]) -> u16 {
    lines
        .iter()
        .find_map(|l| l.trim().strip_prefix("ManageSieve:"))
        .and_then(|rest| rest.trim().split([' ', ':']).nth(1))
        .and_then(|p| p.parse().ok())
        .unwrap_or_else(|| panic!("no ManageSieve port in {lines:?}"))
}

/// After a password change: over IMAP, `old` is refused and `new` signs in.
pub fn only_new_password_works(imap: u16, login: &str, old: &str, new: &str) {
    finish(imap_client(imap, login, old, "login-fail"));
    finish(imap_client(imap, login, new, "browse"));
}

/// The Python imaplib client beside these tests.
pub fn imap_client(port: u16, login: &str, password: &str, mode: &str) -> Child {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/imap_client.py");
    Command::new("python3")
        .arg(script)
        .args([&port.to_string(), login, password, mode])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

/// Waits for a line of the child's stdout that starts with `prefix`.
pub fn wait_for_line(child: &mut Child, prefix: &str) -> String {
    let stdout = child.stdout.as_mut().unwrap();
    let mut reader = BufReader::new(stdout);
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).unwrap() == 0 {
            let mut err = String::new();
            if let Some(e) = child.stderr.as_mut() {
                use std::io::Read;
                let _ = e.read_to_string(&mut err);
            }
            panic!("client ended before {prefix:?}: {err}");
        }
        if line.starts_with(prefix) {
            return line;
        }
    }
}

/// Runs the client to its end and returns its stdout, failing on a non-zero exit.
pub fn finish(child: Child) -> String {
    let out = child.wait_with_output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "imap client failed: {stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    stdout
}

/// A Python script beside these tests, with `python` (Debian's `/usr/bin/python3` for
/// packages installed with apt).
pub fn python(python: &str, script: &str, args: &[&str]) -> Child {
    let script = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests")
        .join(script);
    Command::new(python)
        .arg(script)
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

/// The smtplib/imaplib client beside these tests.
pub fn smtp_client(args: &[&str]) -> Child {
    python("python3", "smtp_client.py", args)
}
