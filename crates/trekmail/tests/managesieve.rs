//! ManageSieve (RFC 5804) against the binary: the real client sieve-connect over STARTTLS
//! (upload, list, activate, download, check, delete), and the raw protocol over loopback
//! plaintext for what a client does not show: capabilities, literals, every refusal code, 2FA,
//! the audit, and a saved password ending the session with `BYE` before any further command.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::side_core::*;
use common::*;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

const ANN: &str = "ann@example.com";

const KEEP: &str = "keep;\r\n";
const FILEINTO: &str = "require \"fileinto\";\r\nfileinto \"Work\";\r\n";
/// An unknown command on line 2.
const BROKEN: &str = "keep;\r\nfrobnicate \"x\";\r\n";

/// A raw ManageSieve client: lines out, responses in (literals read whole).
struct Raw {
    out: TcpStream,
    input: BufReader<TcpStream>,
}

impl Raw {
    /// Connects and reads the greeting.
    fn connect(port: u16) -> (Raw, Vec<String>) {
        let stream = TcpStream::connect(("127.0.0.1", port)).unwrap();
        stream
            .set_read_timeout(Some(Duration::from_secs(15)))
            .unwrap();
        let mut raw = Raw {
            input: BufReader::new(stream.try_clone().unwrap()),
            out: stream,
        };
        let greeting = raw.response();
        (raw, greeting)
    }

    fn send(&mut self, text: &str) {
        self.out.write_all(text.as_bytes()).unwrap();
    }

    /// One line, a literal at its end read with it.
    fn line(&mut self) -> Option<String> {
        let mut line = String::new();
        if self.input.read_line(&mut line).unwrap_or(0) == 0 {
            return None;
        }
        if let Some(size) = line
            .trim_end()
            .strip_suffix('}')
            .and_then(|l| l.rsplit_once('{'))
            .and_then(|(_, n)| n.parse::<usize>().ok())
        {
            let mut literal = vec![0; size];
            self.input.read_exact(&mut literal).unwrap();
            line.push_str(&String::from_utf8(literal).unwrap());
            let mut rest = String::new();
            self.input.read_line(&mut rest).unwrap();
            line.push_str(&rest);
        }
        Some(line)
    }

    /// Lines up to and with the one starting OK, NO or BYE.
    fn response(&mut self) -> Vec<String> {
        let mut lines = Vec::new();
        loop {
            let line = self
                .line()
                .unwrap_or_else(|| panic!("closed after {lines:?}"));
            let done = ["OK", "NO", "BYE"].iter().any(|s| line.starts_with(s));
            lines.push(line);
            if done {
                return lines;
            }
        }
    }

    /// Sends `command` and returns its response's last line.
    fn run(&mut self, command: &str) -> String {
        self.send(command);
        self.response().pop().unwrap()
    }

    fn sign_in(&mut self, login: &str, secret: &str) -> String {
        self.run(&format!(
            "AUTHENTICATE \"PLAIN\" \"{}\"\r\n",
            plain(login, secret)
        ))
    }
}

fn plain(login: &str, secret: &str) -> String {
    data_encoding::BASE64.encode(format!("\0{login}\0{secret}").as_bytes())
}

/// A literal of `text`, in RFC 5804's client form.
fn literal(text: &str) -> String {
    format!("{{{}+}}\r\n{text}", text.len())
}

fn sieve_connect(dir: &Path, port: u16, args: &[&str]) -> Output {
    let cert = dir.join("data/tls/self-signed-cert.pem");
    let mut child = Command::new("sieve-connect")
        .args([
            "--server",
            "127.0.0.1",
            "--port",
            &port.to_string(),
            "--nosrv",
        ])
        .args(["--user", ANN, "--passwordfd", "0", "--noclearauth"])
        .arg("--tlscafile")
        .arg(&cert)
        .args(["--tlshostname", "localhost"])
        .args(args)
        .current_dir(dir)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("sieve-connect is installed by scripts/test");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(format!("{ANN_PASSWORD}\n").as_bytes())
        .unwrap();
    let started = Instant::now();
    loop {
        if child.try_wait().unwrap().is_some() {
            return child.wait_with_output().unwrap();
        }
        if started.elapsed() > Duration::from_secs(30) {
            let _ = child.kill();
            panic!(
                "sieve-connect {args:?} hung: {:?}",
                child.wait_with_output()
            );
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn text(output: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

#[tokio::test(flavor = "multi_thread")]
async fn sieve_connect_uploads_lists_activates_downloads_checks_and_deletes_over_starttls() {
    let (dir, _config, _server, lines) = seeded_node().await;
    tokio::task::spawn_blocking(move || {
        let port = managesieve_port(&lines);
        std::fs::write(dir.join("work.sieve"), FILEINTO).unwrap();
        std::fs::write(dir.join("broken.sieve"), BROKEN).unwrap();
        let run = |args: &[&str]| {
            let out = sieve_connect(&dir, port, args);
            (out.status.success(), text(&out))
        };

        let (ok, out) = run(&[
            "--upload",
            "--localsieve",
            "work.sieve",
            "--remotesieve",
            "work",
        ]);
        assert!(ok, "{out}");
        let (ok, out) = run(&["--list"]);
        assert!(
            ok && out.contains("\"work\"") && !out.contains("ACTIVE"),
            "{out}"
        );
        let (ok, out) = run(&["--activate", "--remotesieve", "work"]);
        assert!(ok, "{out}");
        let (ok, out) = run(&["--list"]);
        assert!(ok && out.contains("\"work\" ACTIVE"), "{out}");
        let (ok, out) = run(&[
            "--download",
            "--remotesieve",
            "work",
            "--localsieve",
            "copy.sieve",
        ]);
        assert!(ok, "{out}");
        assert_eq!(
            std::fs::read_to_string(dir.join("copy.sieve")).unwrap(),
            FILEINTO
        );

        let (ok, out) = run(&["--checkscript", "--localsieve", "broken.sieve"]);
        assert!(!ok && out.contains("line 2, column 1"), "{out}");
        let (ok, out) = run(&["--upload", "--localsieve", "broken.sieve"]);
        assert!(!ok && out.contains("line 2, column 1"), "{out}");
        let (ok, out) = run(&["--checkscript", "--localsieve", "work.sieve"]);
        assert!(ok, "{out}");

        let (ok, out) = run(&["--deactivate"]);
        assert!(ok, "{out}");
        let (ok, out) = run(&["--delete", "--remotesieve", "work"]);
        assert!(ok, "{out}");
        let (ok, out) = run(&["--list"]);
        assert!(ok && !out.contains("work"), "{out}");
    })
    .await
    .unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn the_raw_protocol_over_loopback_plaintext_with_every_refusal() {
    let (_dir, config, _server, lines) = seeded_node().await;
    tokio::task::spawn_blocking(move || {
        let port = managesieve_port(&lines);
        let (mut c, greeting) = Raw::connect(port);
        let greeting = greeting.concat();
        for capability in [
            "\"IMPLEMENTATION\" \"TrekMail\"\r\n",
            "\"SASL\" \"PLAIN\"\r\n",
            "\"STARTTLS\"\r\n",
            "\"MAXREDIRECTS\" \"",
            "\"VERSION\" \"1.0\"\r\n",
        ] {
            assert!(greeting.contains(capability), "{greeting}");
        }
        assert!(greeting.contains("\"SIEVE\" \"fileinto "), "{greeting}");
        assert!(greeting.ends_with("OK\r\n"), "{greeting}");
        assert!(!greeting.contains("OWNER"), "{greeting}");

        // Before sign-in.
        assert!(c.run("LISTSCRIPTS\r\n").starts_with("NO"));
        let put = format!("PUTSCRIPT \"a\" {}\r\n", literal(KEEP));
        assert!(c.run(&put).starts_with("NO"));
        assert!(c.run("FROBNICATE\r\n").starts_with("NO"));
        // The same answer for a wrong password and for nobody.
        assert_eq!(
            c.sign_in(ANN, "wrong-password"),
            "NO \"Authentication failed\"\r\n"
        );
        assert_eq!(
            c.sign_in("nobody@example.com", ANN_PASSWORD),
            "NO \"Authentication failed\"\r\n"
        );
        // Someone else's authorisation identity is refused.
        let as_owner = data_encoding::BASE64
            .encode(format!("owner@example.com\0{ANN}\0{ANN_PASSWORD}").as_bytes());
        let answer = c.run(&format!("AUTHENTICATE \"PLAIN\" \"{as_owner}\"\r\n"));
        assert!(answer.starts_with("NO"), "{answer}");
        // The initial response as a literal.
        let answer = c.run(&format!(
            "authenticate \"plain\" {}\r\n",
            literal(&plain(ANN, ANN_PASSWORD))
        ));
        assert!(answer.starts_with("OK"), "{answer}");
        c.send("CAPABILITY\r\n");
        let capabilities = c.response().concat();
        assert!(
            capabilities.contains("\"OWNER\" \"ann@example.com\"\r\n"),
            "{capabilities}"
        );
        assert!(!capabilities.contains("STARTTLS"), "{capabilities}");

        assert_eq!(c.run("HAVESPACE \"a\" 100\r\n"), "OK\r\n");
        assert!(
            c.run("HAVESPACE \"a\" 100000000\r\n")
                .starts_with("NO (QUOTA/MAXSIZE)")
        );
        assert_eq!(
            c.run(&format!("PUTSCRIPT \"keep\" {}\r\n", literal(KEEP))),
            "OK\r\n"
        );
        assert_eq!(
            c.run(&format!(
                "PUTSCRIPT {} {}\r\n",
                literal("work"),
                literal(FILEINTO)
            )),
            "OK\r\n"
        );
        // A script over the limit is refused unkept, and the connection goes on.
        let huge = "#".repeat(200 * 1024);
        let answer = c.run(&format!("PUTSCRIPT \"huge\" {}\r\n", literal(&huge)));
        assert!(answer.starts_with("NO (QUOTA/MAXSIZE)"), "{answer}");
        let answer = c.run(&format!("CHECKSCRIPT {}\r\n", literal(BROKEN)));
        assert!(
            answer.starts_with("NO") && answer.contains("line 2, column 1"),
            "{answer}"
        );
        assert_eq!(
            c.run(&format!("CHECKSCRIPT {}\r\n", literal(KEEP))),
            "OK\r\n"
        );
        let answer = c.run(&format!("PUTSCRIPT \"bad\" {}\r\n", literal(BROKEN)));
        assert!(answer.contains("line 2, column 1"), "{answer}");

        assert_eq!(c.run("SETACTIVE \"work\"\r\n"), "OK\r\n");
        assert!(
            c.run("SETACTIVE \"missing\"\r\n")
                .starts_with("NO (NONEXISTENT)")
        );
        c.send("LISTSCRIPTS\r\n");
        let mut listed = c.response();
        listed.sort();
        assert_eq!(listed, ["\"keep\"\r\n", "\"work\" ACTIVE\r\n", "OK\r\n"]);
        c.send("GETSCRIPT \"work\"\r\n");
        assert_eq!(
            c.response(),
            [
                format!("{{{}}}\r\n{FILEINTO}\r\n", FILEINTO.len()),
                "OK\r\n".into()
            ]
        );
        assert!(
            c.run("GETSCRIPT \"missing\"\r\n")
                .starts_with("NO (NONEXISTENT)")
        );
        assert!(
            c.run("DELETESCRIPT \"work\"\r\n")
                .starts_with("NO (ACTIVE)")
        );
        assert!(
            c.run("DELETESCRIPT \"missing\"\r\n")
                .starts_with("NO (NONEXISTENT)")
        );
        assert!(
            c.run("RENAMESCRIPT \"keep\" \"work\"\r\n")
                .starts_with("NO (ALREADYEXISTS)")
        );
        assert!(
            c.run("RENAMESCRIPT \"missing\" \"x\"\r\n")
                .starts_with("NO (NONEXISTENT)")
        );
        assert_eq!(c.run("RENAMESCRIPT \"keep\" \"kept\"\r\n"), "OK\r\n");
        assert_eq!(c.run("DELETESCRIPT \"kept\"\r\n"), "OK\r\n");
        assert_eq!(c.run("NOOP \"t-1\"\r\n"), "OK (TAG \"t-1\") \"Done\"\r\n");
        assert_eq!(c.run("LOGOUT\r\n"), "OK \"Logout\"\r\n");
        assert_eq!(c.line(), None);

        // AUTHENTICATE without an initial response: an empty challenge, then the answer.
        let (mut c, _) = Raw::connect(port);
        c.send("AUTHENTICATE \"PLAIN\"\r\n");
        assert_eq!(c.line().unwrap(), "\"\"\r\n");
        let answer = c.run(&format!("\"{}\"\r\n", plain(ANN, ANN_PASSWORD)));
        assert!(answer.starts_with("OK"), "{answer}");
        c.send("LISTSCRIPTS\r\n");
        assert_eq!(c.response(), ["\"work\" ACTIVE\r\n", "OK\r\n"]);

        // Before sign-in a command is small: a large literal ends the connection unread.
        let (mut c, _) = Raw::connect(port);
        c.send("AUTHENTICATE \"PLAIN\" {100000+}\r\n");
        let bye = c.line().unwrap();
        assert!(bye.starts_with("BYE"), "{bye}");
        assert_eq!(c.line(), None);

        let audit = ok(&config, &["audit", ANN, "--limit", "50"], None);
        assert!(audit.contains("\tmanagesieve\t"), "{audit}");
    })
    .await
    .unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn with_2fa_on_the_password_followed_by_a_code_signs_in() {
    let (dir, _config, _server, lines) = seeded_node().await;
    let key = enroll_mailbox(&side_core(&dir.join("data"), false).await, ANN).await;
    tokio::task::spawn_blocking(move || {
        let (mut c, _) = Raw::connect(managesieve_port(&lines));
        assert!(c.sign_in(ANN, ANN_PASSWORD).starts_with("NO"));
        // The enrolment spent the current step's code: the next step's is fresh.
        let secret = format!("{ANN_PASSWORD}{}", oathtool(&key, 30));
        let answer = c.sign_in(ANN, &secret);
        assert!(answer.starts_with("OK"), "{answer}");
    })
    .await
    .unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn a_saved_password_ends_the_session_with_bye_before_any_further_command() {
    let (_dir, config, _server, lines) = seeded_node().await;
    tokio::task::spawn_blocking(move || {
        let port = managesieve_port(&lines);
        let (mut c, _) = Raw::connect(port);
        assert!(c.sign_in(ANN, ANN_PASSWORD).starts_with("OK"));
        let listed = ok(&config, &["sessions", "list", ANN], None);
        assert!(listed.contains("\tmanagesieve\t127.0.0.1"), "{listed}");

        let started = Instant::now();
        let new = "Second-pass-22";
        ok(
            &config,
            &["mailbox", "set-password", ANN, "--password-stdin"],
            Some(&format!("{new}\n")),
        );
        // Sent after the save: it must not run.
        c.send(&format!("PUTSCRIPT \"late\" {}\r\n", literal(KEEP)));
        let bye = c.line().unwrap();
        assert!(
            bye.starts_with("BYE") && bye.contains("Session ended"),
            "{bye}"
        );
        assert_eq!(c.line(), None);
        assert!(started.elapsed() < Duration::from_secs(10));

        let (mut old, _) = Raw::connect(port);
        assert!(old.sign_in(ANN, ANN_PASSWORD).starts_with("NO"));
        let (mut c, _) = Raw::connect(port);
        assert!(c.sign_in(ANN, new).starts_with("OK"));
        c.send("LISTSCRIPTS\r\n");
        assert_eq!(c.response(), ["OK\r\n"]);
    })
    .await
    .unwrap();
}
