//! What the dashboard's and the webmail's tests share: curl, and reading its answers.

use super::{ANN_PASSWORD, OWNER_PASSWORD, Serve, ok, seed, serve, setup};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

/// A seeded node, serving: its config, the server and its printed lines.
pub fn started() -> (PathBuf, Serve, Vec<String>) {
    let (_dir, config) = setup("");
    seed(&config);
    let (server, lines) = serve(&config);
    (config, server, lines)
}

/// A Playwright script beside these tests, given `ports`, `mode` and `args`, with the
/// seeded passwords in its environment.
pub fn browser(script: &str, ports: &[u16], mode: &str, args: &[&str]) -> Child {
    Command::new("python3")
        .arg(
            Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("tests")
                .join(script),
        )
        .args(ports.iter().map(u16::to_string))
        .arg(mode)
        .args(args)
        .env("OWNER_PASSWORD", OWNER_PASSWORD)
        .env("ANN_PASSWORD", ANN_PASSWORD)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

/// curl with `args`; the answer's headers and body (`-i`), at most 10 s.
pub fn curl(args: &[&str]) -> String {
    let out = Command::new("curl")
        .args(["-s", "-i", "--max-time", "10"])
        .args(args)
        .output()
        .unwrap();
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// The rest of the first line of `out` that starts with `prefix`.
pub fn line_value(out: &str, prefix: &str) -> String {
    out.lines()
        .find_map(|l| l.strip_prefix(prefix))
        .unwrap_or_else(|| panic!("no {prefix:?} in {out}"))
        .trim()
        .to_owned()
}

/// The value an answer set for cookie `name`.
pub fn set_cookie(response: &str, name: &str) -> String {
    line_value(response, &format!("set-cookie: {name}="))
        .split(';')
        .next()
        .unwrap_or_default()
        .to_owned()
}

/// A seeded node whose `[section]` listener has `tls = true`: it prints `label` with an
/// https:// address, answers over TLS with Secure cookies, and not in clear. Its port.
pub fn https_only(section: &str, label: &str, port_of: fn(&[String]) -> u16) -> (Serve, u16) {
    let (_dir, config) = setup("");
    let listen = format!("[{section}]\nlisten = \"127.0.0.1:0\"\n");
    let text = std::fs::read_to_string(&config).unwrap();
    assert!(text.contains(&listen), "{text}");
    let text = text.replace(&listen, &format!("{listen}tls = true\n"));
    std::fs::write(&config, text).unwrap();
    seed(&config);
    let (server, lines) = serve(&config);
    assert!(
        lines
            .iter()
            .any(|l| l.contains(&format!("{label}https://"))),
        "{lines:?}"
    );
    let port = port_of(&lines);
    let page = curl(&["--insecure", &format!("https://127.0.0.1:{port}/signin")]);
    assert!(page.starts_with("HTTP/1.1 200"), "{page}");
    assert!(page.contains("HttpOnly; SameSite=Strict; Secure"), "{page}");
    // HSTS on every answer: a page, a redirect, a 404.
    for path in ["/signin", "/", "/no-such-page"] {
        let answer = curl(&["--insecure", &format!("https://127.0.0.1:{port}{path}")]);
        assert!(
            answer.contains("\nstrict-transport-security: max-age=31536000\r\n"),
            "{path}: {answer}"
        );
    }
    let plain = curl(&[&format!("http://127.0.0.1:{port}/signin")]);
    assert!(!plain.contains("200 OK"), "{plain}");
    (server, port)
}

/// `page` (headers and body) carries the strict headers every page has: a CSP with no inline
/// script, frames denied, no sniffing, no caching.
pub fn assert_strict_headers(page: &str) {
    // In clear, HSTS would mean nothing (RFC 6797 8.1): it is sent over HTTPS only.
    assert!(!page.contains("strict-transport-security"), "{page}");
    for header in [
        "content-security-policy: default-src 'none'; script-src 'self'",
        "frame-ancestors 'none'",
        "x-frame-options: DENY",
        "x-content-type-options: nosniff",
        "cache-control: no-store",
    ] {
        assert!(
            page.to_lowercase().contains(&header.to_lowercase()),
            "{header}: {page}"
        );
    }
    assert!(!page.contains("<script>"), "inline script: {page}");
}

/// Signs the dashboard's owner in with curl; the answer's headers and body.
pub fn curl_sign_in(base: &str, password: &str) -> String {
    dashboard_sign_in(base, "owner@example.com", password)
}

/// Signs the account owner `email` in to the dashboard with curl; the answer's headers and
/// body.
pub fn dashboard_sign_in(base: &str, email: &str, password: &str) -> String {
    let page = curl(&[&format!("{base}/signin")]);
    let pre = set_cookie(&page, "tm_pre");
    let email = email.replace('@', "%40");
    let body = format!("csrf={pre}&email={email}&password={password}");
    curl(&[
        "-b",
        &format!("tm_pre={pre}"),
        "--data",
        &body,
        &format!("{base}/signin"),
    ])
}

/// Signs ann in to the webmail at `base` with curl (no 2FA); the session's cookie
/// (`tm_mail=…`).
pub fn webmail_session(base: &str) -> String {
    webmail_sign_in(base, "ann@example.com", ANN_PASSWORD)
}

/// Signs `address` in to the webmail at `base` with curl (no 2FA); the session's cookie
/// (`tm_mail=…`).
pub fn webmail_sign_in(base: &str, address: &str, password: &str) -> String {
    let page = curl(&[&format!("{base}/signin")]);
    let pre = set_cookie(&page, "tm_mail_pre");
    let address = address.replace('@', "%40");
    let body = format!("csrf={pre}&address={address}&password={password}");
    let jar = format!("tm_mail_pre={pre}");
    let signed_in = curl(&["-b", &jar, "--data", &body, &format!("{base}/signin")]);
    format!("tm_mail={}", set_cookie(&signed_in, "tm_mail"))
}

/// The value of the first form field `name` on `page`.
pub fn form_value(page: &str, name: &str) -> String {
    let start = format!("name=\"{name}\" value=\"");
    let at = page
        .find(&start)
        .unwrap_or_else(|| panic!("no field {name} in {page}"))
        + start.len();
    page[at..].split('"').next().unwrap_or_default().to_owned()
}

pub const B_EMAIL: &str = "boss@other.example";
pub const B_PASSWORD: &str = "Boss-first-pass-1";
pub const CARL_PASSWORD: &str = "Carl-first-pass-1";

/// A second tenant: boss@other.example (Starter, [`B_PASSWORD`]) with other.example and
/// carl@other.example ([`CARL_PASSWORD`]).
pub fn seed_other(config: &Path) {
    ok(
        config,
        &[
            "account",
            "create",
            "--email",
            B_EMAIL,
            "--plan",
            "starter",
            "--password-stdin",
        ],
        Some(&format!("{B_PASSWORD}\n")),
    );
    ok(
        config,
        &["domain", "add", "--account", B_EMAIL, "other.example"],
        None,
    );
    ok(
        config,
        &[
            "mailbox",
            "create",
            "carl@other.example",
            "--password-stdin",
        ],
        Some(&format!("{CARL_PASSWORD}\n")),
    );
}

/// For tokio tests: a config on `database` ("" for SQLite) seeded with both tenants (ann's
/// account and [`seed_other`]'s), set up off the runtime; its scratch dir and config.
pub async fn two_tenants(database: &str) -> (PathBuf, PathBuf) {
    let (dir, config) = setup(database);
    let c = config.clone();
    tokio::task::spawn_blocking(move || {
        seed(&c);
        seed_other(&c);
    })
    .await
    .unwrap();
    (dir, config)
}
