//! Certificates from an ACME CA (Pebble, RFC 8555's test server) and swapped while the
//! server runs: issued by HTTP-01 and by TLS-ALPN-01, served on IMAPS and HTTPS and checked by
//! openssl and curl against Pebble's root; a forced renewal serves a new certificate while a
//! connection opened before keeps working; a branded host is certified only once its DNS
//! points here; a failing CA leaves the old certificate and shows its error; and the
//! operator's own files are re-read at SIGHUP.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::dns::DnsServer;
use common::{imaps_port, ok, serve, wait_for_line, webmail_port};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};
use trekmail_testkit::scratch_dir;

const MAIL_HOST: &str = "mail.example.test";
const BRANDED: &str = "webmail.brand.test";

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// A certificate and key for `name`, made by openssl in `dir` as `stem`.crt / `stem`.key.
fn openssl_pair(dir: &Path, stem: &str, name: &str) -> (PathBuf, PathBuf) {
    let (cert, key) = (
        dir.join(format!("{stem}.crt")),
        dir.join(format!("{stem}.key")),
    );
    let out = Command::new("openssl")
        .args([
            "req",
            "-x509",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:prime256v1",
        ])
        .args(["-nodes", "-days", "3", "-subj", &format!("/CN={name}")])
        .args([
            "-addext",
            &format!("subjectAltName=DNS:{name},IP:127.0.0.1"),
        ])
        .args(["-addext", "basicConstraints=critical,CA:FALSE"])
        .arg("-keyout")
        .arg(&key)
        .arg("-out")
        .arg(&cert)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    (cert, key)
}

/// A running Pebble, stopped on drop; `root` is the CA that signs what it issues.
struct Pebble {
    child: Option<Child>,
    directory: String,
    https_cert: PathBuf,
    root: PathBuf,
}

impl Pebble {
    /// Pebble validating on `http_port` (HTTP-01) and `tls_port` (TLS-ALPN-01) of the names'
    /// addresses, which it looks up at `dns`.
    fn start(dns: &DnsServer, http_port: u16, tls_port: u16) -> Pebble {
        let dir = scratch_dir();
        let (https_cert, https_key) = openssl_pair(&dir, "pebble-https", "localhost");
        let (listen, management) = (free_port(), free_port());
        let config = dir.join("pebble.json");
        let body = serde_json::json!({"pebble": {
            "listenAddress": format!("127.0.0.1:{listen}"),
            "managementListenAddress": format!("127.0.0.1:{management}"),
            "certificate": https_cert, "privateKey": https_key,
            "httpPort": http_port, "tlsPort": tls_port,
            "ocspResponderURL": "", "externalAccountBindingRequired": false,
        }});
        std::fs::write(&config, body.to_string()).unwrap();
        let child = Command::new("pebble")
            .arg("-config")
            .arg(&config)
            .args(["-dnsserver", &format!("127.0.0.1:{}", dns.port)])
            .env("PEBBLE_VA_NOSLEEP", "1")
            .env("PEBBLE_WFE_NONCEREJECT", "0")
            .env("PEBBLE_AUTHZREUSE", "0")
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(dir.join("pebble.log")).unwrap())
            .spawn()
            .expect("pebble (Debian package pebble) is installed");
        let deadline = Instant::now() + Duration::from_secs(20);
        let root = dir.join("pebble-root.pem");
        loop {
            let out = Command::new("curl")
                .args(["-sfk", &format!("https://127.0.0.1:{management}/roots/0")])
                .output()
                .unwrap();
            if out.status.success() && !out.stdout.is_empty() {
                std::fs::write(&root, out.stdout).unwrap();
                break;
            }
            assert!(Instant::now() < deadline, "pebble did not start");
            std::thread::sleep(Duration::from_millis(200));
        }
        Pebble {
            child: Some(child),
            directory: format!("https://localhost:{listen}/dir"),
            https_cert,
            root,
        }
    }

    fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

impl Drop for Pebble {
    fn drop(&mut self) {
        self.stop();
    }
}

/// A node on SQLite with `[acme]` on: IMAPS on `imaps`, webmail over HTTPS, HTTP-01 answered
/// on `http`, DNS at `dns`.
fn acme_node(dns: &DnsServer, pebble: &Pebble, challenge: &str, imaps: u16, http: u16) -> PathBuf {
    let (_dir, config) = common::setup("");
    let text = std::fs::read_to_string(&config).unwrap();
    let text = text
        .replace(
            "tls_listen = \"127.0.0.1:0\"",
            &format!("tls_listen = \"127.0.0.1:{imaps}\""),
        )
        .replace("[webmail]\n", "[webmail]\ntls = true\n");
    let text = format!(
        "{text}{}\n[public]\nmail_host = \"{MAIL_HOST}\"\n[acme]\ndirectory_url = \"{}\"\n\
         contact = \"postmaster@example.test\"\nchallenge = \"{challenge}\"\n\
         http_listen = \"127.0.0.1:{http}\"\nca_root = \"{}\"\nbranded_check_secs = 3600\n",
        dns.config(),
        pebble.directory,
        pebble.https_cert.display()
    );
    std::fs::write(&config, text).unwrap();
    config
}

fn data_dir(config: &Path) -> PathBuf {
    config.parent().unwrap().join("data")
}

/// The saved status of one certificate (`default` or a branded host).
fn status_of(config: &Path, label: &str) -> Option<serde_json::Value> {
    let bytes = std::fs::read(data_dir(config).join("acme/status.json")).ok()?;
    let status: serde_json::Value = serde_json::from_slice(&bytes).ok()?;
    status["certificates"].get(label).cloned()
}

/// Waits until `label`'s status satisfies `check`.
fn wait_status(
    config: &Path,
    label: &str,
    what: &str,
    check: impl Fn(&serde_json::Value) -> bool,
) -> serde_json::Value {
    let deadline = Instant::now() + Duration::from_secs(90);
    loop {
        if let Some(entry) = status_of(config, label).filter(|e| check(e)) {
            return entry;
        }
        assert!(
            Instant::now() < deadline,
            "{label}: {what} did not happen: {:?}",
            status_of(config, label)
        );
        std::thread::sleep(Duration::from_millis(300));
    }
}

/// The serial of the certificate served on `port` to `name`, verified by openssl against
/// `root` (fails the test when it does not verify).
fn served_serial(port: u16, name: &str, root: &Path) -> String {
    let child = Command::new("openssl")
        .args([
            "s_client",
            "-connect",
            &format!("127.0.0.1:{port}"),
            "-servername",
            name,
        ])
        .args(["-verify_return_error", "-verify_hostname", name, "-CAfile"])
        .arg(root)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let out = child.wait_with_output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success() && text.contains("Verify return code: 0 (ok)"),
        "{name} on {port} does not verify: {text}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let mut x509 = Command::new("openssl")
        .args(["x509", "-noout", "-serial"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    x509.stdin
        .take()
        .unwrap()
        .write_all(text.as_bytes())
        .unwrap();
    let serial = String::from_utf8(x509.wait_with_output().unwrap().stdout).unwrap();
    serial
        .trim()
        .strip_prefix("serial=")
        .unwrap()
        .to_ascii_lowercase()
        .trim_start_matches('0')
        .to_owned()
}

/// The subject of the certificate served to `name`, unverified.
fn served_subject(port: u16, name: &str) -> String {
    let out = Command::new("openssl")
        .args(["s_client", "-connect", &format!("127.0.0.1:{port}")])
        .args(["-servername", name])
        .stdin(Stdio::null())
        .output()
        .unwrap();
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .find_map(|l| l.trim().strip_prefix("0 s:").map(str::to_owned))
        .unwrap_or_default()
}

fn sighup(server: &common::Serve) {
    let status = Command::new("kill")
        .args(["-HUP", &server.0.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
}

#[test]
fn http01_issues_renews_live_certifies_branded_hosts_and_survives_a_failing_ca() {
    let dns = DnsServer::start();
    dns.set(&serde_json::json!({
        MAIL_HOST: {"A": ["127.0.0.1"]},
        BRANDED: {"A": ["192.0.2.7"]},
    }));
    let (imaps, http) = (free_port(), free_port());
    let mut pebble = Pebble::start(&dns, http, imaps);
    let config = acme_node(&dns, &pebble, "http-01", imaps, http);
    ok(
        &config,
        &[
            "account",
            "create",
            "--email",
            "owner@brand.test",
            "--plan",
            "agency",
            "--password-stdin",
        ],
        Some("Owner-first-pass-1\n"),
    );
    ok(
        &config,
        &[
            "account",
            "brand",
            "owner@brand.test",
            "--host",
            BRANDED,
            "--name",
            "Brand",
            "--colour",
            "#2f5bd3",
        ],
        None,
    );
    let (server, lines) = serve(&config);
    assert_eq!(imaps_port(&lines), imaps);
    assert!(lines.iter().any(|l| l.contains("ACME HTTP:")), "{lines:?}");

    // Issued by HTTP-01 and served on IMAPS and HTTPS.
    let first = wait_status(&config, "default", "issuance", |e| {
        e["last_issued"].is_number()
    });
    assert_eq!(first["names"], serde_json::json!([MAIL_HOST]));
    let serial = served_serial(imaps, MAIL_HOST, &pebble.root);
    let webmail = webmail_port(&lines);
    let curl = Command::new("curl")
        .args(["-sS", "-o", "/dev/null", "-w", "%{http_code}", "--cacert"])
        .arg(&pebble.root)
        .args(["--resolve", &format!("{MAIL_HOST}:{webmail}:127.0.0.1")])
        .arg(format!("https://{MAIL_HOST}:{webmail}/"))
        .output()
        .unwrap();
    assert!(
        curl.status.success(),
        "{}",
        String::from_utf8_lossy(&curl.stderr)
    );
    // The plain-HTTP listener sends everything but challenges to HTTPS.
    let redirect = Command::new("curl")
        .args([
            "-sS",
            "-o",
            "/dev/null",
            "-w",
            "%{http_code} %{redirect_url}",
            "-H",
            &format!("Host: {MAIL_HOST}"),
        ])
        .arg(format!("http://127.0.0.1:{http}/inbox?x=1"))
        .output()
        .unwrap();
    assert_eq!(
        String::from_utf8_lossy(&redirect.stdout),
        format!("301 https://{MAIL_HOST}/inbox?x=1")
    );

    // The branded host points elsewhere: not ordered, until its DNS points here.
    std::thread::sleep(Duration::from_secs(2));
    assert!(status_of(&config, BRANDED).is_none());
    dns.set(&serde_json::json!({
        MAIL_HOST: {"A": ["127.0.0.1"]},
        BRANDED: {"A": ["127.0.0.1"]},
    }));
    sighup(&server);
    wait_status(&config, BRANDED, "issuance", |e| {
        e["last_issued"].is_number()
    });
    let branded_serial = served_serial(imaps, BRANDED, &pebble.root);
    assert_ne!(branded_serial, serial);
    assert_eq!(served_serial(imaps, MAIL_HOST, &pebble.root), serial);

    // A forced renewal: a new certificate, while a connection opened before keeps working.
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/acme_client.py");
    let mut held = Command::new("python3")
        .arg(script)
        .args([&imaps.to_string(), MAIL_HOST, pebble.root.to_str().unwrap()])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let held_in = held.stdin.take();
    let greeting = wait_for_line(&mut held, "GREETING");
    assert!(greeting.contains("* OK"), "{greeting}");
    let renewed_at = first["last_issued"].as_u64().unwrap();
    let out = ok(&config, &["certificates", "renew"], None);
    assert!(out.contains("within a few seconds"), "{out}");
    wait_status(&config, "default", "renewal", |e| {
        e["last_issued"].as_u64() > Some(renewed_at)
    });
    let new_serial = served_serial(imaps, MAIL_HOST, &pebble.root);
    assert_ne!(new_serial, serial, "the renewed certificate is served");
    let serial_line = wait_for_line(&mut held, "SERIAL");
    assert_eq!(
        serial_line.trim(),
        format!("SERIAL {serial}"),
        "held from before the swap"
    );
    writeln!(held_in.unwrap()).unwrap();
    let out = held.wait_with_output().unwrap();
    let rest = String::from_utf8_lossy(&out.stdout);
    assert!(
        rest.contains("REPLY a1 OK") && rest.contains("DONE"),
        "{rest}{}",
        String::from_utf8_lossy(&out.stderr)
    );

    // The CA fails: the error is shown and the certificate in use stays.
    pebble.stop();
    ok(&config, &["certificates", "renew"], None);
    wait_status(&config, "default", "a recorded failure", |e| {
        e["last_error"].is_string()
    });
    let status = ok(&config, &["certificates", "status"], None);
    assert!(
        status.contains("last error:") && status.contains("failures in a row"),
        "{status}"
    );
    assert!(status.contains("next attempt:"), "{status}");
    assert_eq!(served_serial(imaps, MAIL_HOST, &pebble.root), new_serial);

    // The brand is cleared: its host is served the default certificate again.
    ok(
        &config,
        &["account", "brand", "owner@brand.test", "--clear"],
        None,
    );
    sighup(&server);
    let deadline = std::time::Instant::now() + Duration::from_secs(15);
    while !served_subject(imaps, BRANDED).contains(&format!("CN = {MAIL_HOST}")) {
        assert!(
            std::time::Instant::now() < deadline,
            "the cleared brand's certificate is still served"
        );
        std::thread::sleep(Duration::from_millis(200));
    }
    assert!(status_of(&config, BRANDED).is_none());
    drop(server);
}

#[test]
fn tls_alpn01_issues_through_the_imaps_listener() {
    let dns = DnsServer::start();
    dns.set(&serde_json::json!({MAIL_HOST: {"A": ["127.0.0.1"]}}));
    let (imaps, http) = (free_port(), free_port());
    let pebble = Pebble::start(&dns, free_port(), imaps);
    let config = acme_node(&dns, &pebble, "tls-alpn-01", imaps, http);
    let (_server, lines) = serve(&config);
    assert!(lines.iter().any(|l| l.contains("tls-alpn-01")), "{lines:?}");
    let entry = wait_status(&config, "default", "issuance", |e| {
        e["last_issued"].is_number()
    });
    assert!(entry["last_error"].is_null(), "{entry}");
    served_serial(imaps, MAIL_HOST, &pebble.root);
}

#[test]
fn operator_certificate_files_are_re_read_at_sighup() {
    let (dir, config) = common::setup("");
    let (cert, key) = openssl_pair(&dir, "operator", "localhost");
    let mut text = std::fs::read_to_string(&config).unwrap();
    text.push_str(&format!(
        "\n[tls]\ncert = \"{}\"\nkey = \"{}\"\n",
        cert.display(),
        key.display()
    ));
    std::fs::write(&config, text).unwrap();
    let (server, lines) = serve(&config);
    let imaps = imaps_port(&lines);
    let first = served_serial(imaps, "localhost", &cert);

    // A bad file: logged, the old certificate kept.
    let first_cert = dir.join("first.crt");
    std::fs::copy(&cert, &first_cert).unwrap();
    std::fs::write(&cert, "not a certificate").unwrap();
    sighup(&server);
    std::thread::sleep(Duration::from_millis(500));
    assert_eq!(served_serial(imaps, "localhost", &first_cert), first);

    // A new pair in the same files: served from the next handshake on.
    let (second_cert, second_key) = openssl_pair(&dir, "second", "localhost");
    std::fs::copy(&second_key, &key).unwrap();
    std::fs::copy(&second_cert, &cert).unwrap();
    sighup(&server);
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let probe = Command::new("openssl")
            .args([
                "s_client",
                "-connect",
                &format!("127.0.0.1:{imaps}"),
                "-verify_return_error",
                "-CAfile",
            ])
            .arg(&second_cert)
            .stdin(Stdio::null())
            .output()
            .unwrap();
        if probe.status.success() {
            break;
        }
        assert!(Instant::now() < deadline, "the new pair is not served");
        std::thread::sleep(Duration::from_millis(200));
    }
    let second = served_serial(imaps, "localhost", &second_cert);
    assert_ne!(second, first);
}
