//! The metrics listener, read by real clients: the page parses with the Prometheus client's
//! OpenMetrics parser and its counters move as a mailbox signs in, fails, receives mail and has
//! its password saved; `/healthz` and `/readyz` answer on it and on the dashboard, and
//! `/readyz` fails (503, naming the check) for an expired certificate and for a database that
//! stops taking connections, and recovers with it. On SQLite and PostgreSQL. Off, nothing
//! listens.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::*;
use std::io::{Read, Write};
use std::path::Path;
use std::time::{Duration, Instant};
use trekmail_testkit::{BACKENDS, Backend, fresh_database};

/// A config with the metrics listener on, and `more` appended.
fn metered(url: &str, more: &str) -> std::path::PathBuf {
    let (_dir, config) = setup(url);
    let mut text = std::fs::read_to_string(&config).unwrap();
    text.push_str("[metrics]\nenabled = true\nlisten = \"127.0.0.1:0\"\n");
    text.push_str(more);
    std::fs::write(&config, text).unwrap();
    config
}

/// `GET path` over plain HTTP: the status code and the body.
fn get(port: u16, path: &str) -> (u16, String) {
    let mut tcp = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
    tcp.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
    write!(
        tcp,
        "GET {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut answer = String::new();
    tcp.read_to_string(&mut answer).unwrap();
    let status = answer
        .split(' ')
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or_else(|| panic!("no status in {answer:?}"));
    let body = answer.split_once("\r\n\r\n").map_or("", |(_, b)| b);
    (status, body.to_owned())
}

/// Polls `/readyz` until `check` holds, for up to 30 s.
fn ready_until(port: u16, what: &str, check: impl Fn(u16, &str) -> bool) -> String {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let (status, body) = get(port, "/readyz");
        if check(status, &body) {
            return body;
        }
        assert!(Instant::now() < deadline, "{what}: still {status} {body}");
        std::thread::sleep(Duration::from_millis(300));
    }
}

fn psql(sql: &str) {
    let admin = std::env::var("TREKMAIL_TEST_PG_URL").unwrap();
    let out = std::process::Command::new("psql")
        .args([admin.as_str(), "-v", "ON_ERROR_STOP=1", "-qc", sql])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A certificate and key that expired in 2021.
fn expired_pair(dir: &Path) -> (std::path::PathBuf, std::path::PathBuf) {
    let mut params = rcgen::CertificateParams::new(vec!["localhost".to_owned()]).unwrap();
    params.not_before = rcgen::date_time_ymd(2020, 1, 1);
    params.not_after = rcgen::date_time_ymd(2021, 1, 1);
    let key = rcgen::KeyPair::generate().unwrap();
    let cert = params.self_signed(&key).unwrap();
    let (cert_file, key_file) = (dir.join("expired.pem"), dir.join("expired-key.pem"));
    std::fs::write(&cert_file, cert.pem()).unwrap();
    std::fs::write(&key_file, key.serialize_pem()).unwrap();
    (cert_file, key_file)
}

fn metrics_port(lines: &[String]) -> u16 {
    let line = lines
        .iter()
        .find(|l| l.contains("Metrics:"))
        .expect("no Metrics line");
    line.trim()
        .rsplit(':')
        .next()
        .and_then(|p| p.trim_end_matches("/metrics").parse().ok())
        .unwrap_or_else(|| panic!("no port in {line:?}"))
}

#[tokio::test(flavor = "multi_thread")]
async fn counters_move_as_mail_apps_sign_in_fail_send_and_passwords_are_saved() {
    for backend in BACKENDS {
        let url = match backend {
            Backend::Sqlite => String::new(),
            Backend::Postgres => fresh_database(backend).await,
        };
        tokio::task::spawn_blocking(move || {
            let config = metered(&url, "");
            seed(&config);
            let (server, lines) = serve(&config);
            let out = finish(python(
                "python3",
                "metrics_client.py",
                &[
                    &metrics_port(&lines).to_string(),
                    &dashboard_port(&lines).to_string(),
                    &imap_port(&lines).to_string(),
                    &smtp_port(&lines, "inbound").to_string(),
                    BIN,
                    config.to_str().unwrap(),
                ],
            ));
            assert!(out.contains("OK"), "{backend:?}: {out}");
            drop(server);
        })
        .await
        .unwrap();
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn off_by_default() {
    tokio::task::spawn_blocking(|| {
        let (_dir, config) = setup("");
        let (server, lines) = serve(&config);
        assert!(
            lines
                .iter()
                .any(|l| l.contains("Metrics:") && l.contains("off")),
            "{lines:?}"
        );
        drop(server);
    })
    .await
    .unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn readyz_fails_for_an_expired_certificate() {
    tokio::task::spawn_blocking(|| {
        let dir = trekmail_testkit::scratch_dir();
        let (cert, key) = expired_pair(&dir);
        let config = metered(
            "",
            &format!(
                "[tls]\ncert = \"{}\"\nkey = \"{}\"\n",
                cert.display(),
                key.display()
            ),
        );
        let (server, lines) = serve(&config);
        for port in [metrics_port(&lines), dashboard_port(&lines)] {
            let (status, body) = get(port, "/readyz");
            assert_eq!(status, 503, "{body}");
            assert!(body.contains("failed certificate: expired\n"), "{body}");
            assert!(body.contains("ok database\n"), "{body}");
            assert_eq!(get(port, "/healthz"), (200, "ok\n".to_owned()));
        }
        drop(server);
    })
    .await
    .unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn readyz_fails_while_the_database_refuses_connections_and_recovers() {
    let url = fresh_database(Backend::Postgres).await;
    tokio::task::spawn_blocking(move || {
        let database = url.rsplit('/').next().unwrap().to_owned();
        let config = metered(&url, "");
        let (server, lines) = serve(&config);
        let port = metrics_port(&lines);
        ready_until(port, "a fresh node", |status, _| status == 200);
        // No new connection may be made, and every open one is cut.
        psql(&format!(
            "ALTER DATABASE {database} ALLOW_CONNECTIONS false; \
             SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{database}'"
        ));
        let body = ready_until(port, "the database gone", |status, body| {
            status == 503 && body.contains("failed database: database unreachable")
        });
        assert!(!body.contains("password"), "{body}");
        ready_until(port, "the link", |_, body| {
            body.contains("failed node_link: reconnecting")
        });
        psql(&format!("ALTER DATABASE {database} ALLOW_CONNECTIONS true"));
        ready_until(port, "the database back", |status, _| status == 200);
        drop(server);
    })
    .await
    .unwrap();
}
