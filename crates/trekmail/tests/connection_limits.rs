//! The network layer under every listener against the real binary: one network cannot take
//! every connection slot (IMAP, SMTP, and the web listeners, which close what is over their
//! caps); behind a trusted proxy the PROXY protocol v2 header names the client (for the
//! throttle, the audit, the session list and the caps) and nobody else's does; a SIGTERM gives
//! each open connection its closing reply and ends the process within `shutdown_secs`.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::imap_raw::Client;
use common::*;
use std::io::{BufRead, BufReader, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

fn smtp_greeting(port: u16) -> (BufReader<TcpStream>, String) {
    let tcp = TcpStream::connect(("127.0.0.1", port)).unwrap();
    tcp.set_read_timeout(Some(Duration::from_secs(15))).unwrap();
    let mut reader = BufReader::new(tcp);
    let mut line = String::new();
    reader.read_line(&mut line).unwrap();
    (reader, line)
}

#[test]
fn one_network_gets_its_share_of_connections_and_no_more() {
    let (_dir, config) = setup_sections(
        "",
        "max_connections_per_ip = 3",
        "max_connections_per_ip = 2",
    );
    let (_server, lines) = serve(&config);
    seed(&config);
    let imap = imap_port(&lines);
    let held: Vec<Client> = (0..3).map(|_| Client::connect(imap)).collect();
    let tcp = TcpStream::connect(("127.0.0.1", imap)).unwrap();
    tcp.set_read_timeout(Some(Duration::from_secs(15))).unwrap();
    let mut refused = String::new();
    BufReader::new(tcp).read_line(&mut refused).unwrap();
    assert!(refused.starts_with("* BYE Too many"), "{refused}");
    // A place comes free when a connection closes.
    drop(held);
    let mut again = None;
    for _ in 0..50 {
        let tcp = TcpStream::connect(("127.0.0.1", imap)).unwrap();
        let mut line = String::new();
        BufReader::new(tcp.try_clone().unwrap())
            .read_line(&mut line)
            .unwrap();
        if line.starts_with("* OK") {
            again = Some(tcp);
            break;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    assert!(again.is_some(), "no place after the others closed");

    let smtp = smtp_port(&lines, "inbound");
    let _kept: Vec<_> = (0..2).map(|_| smtp_greeting(smtp)).collect();
    let (_, line) = smtp_greeting(smtp);
    assert!(line.starts_with("421 4.7.0"), "{line}");
}

#[test]
fn sigterm_gives_every_connection_its_closing_reply_and_exits_in_time() {
    let (_dir, config) = setup("");
    let with_deadline = std::fs::read_to_string(&config).unwrap();
    std::fs::write(&config, format!("shutdown_secs = 3\n{with_deadline}")).unwrap();
    let (mut server, lines) = serve(&config);
    seed(&config);
    let mut imap = Client::connect(imap_port(&lines));
    imap.sign_in();
    imap.send(b"i IDLE\r\n");
    assert!(imap.line().starts_with('+'));
    // An SMTP client in the middle of a message.
    let (mut smtp, _) = smtp_greeting(smtp_port(&lines, "inbound"));
    smtp.get_mut()
        .write_all(
            b"EHLO x\r\nMAIL FROM:<a@elsewhere.test>\r\nRCPT TO:<ann@example.com>\r\nDATA\r\n",
        )
        .unwrap();
    let mut line = String::new();
    while !line.starts_with("354") {
        line.clear();
        smtp.read_line(&mut line).unwrap();
    }
    smtp.get_mut()
        .write_all(b"Subject: half\r\n\r\nnot done")
        .unwrap();

    let started = Instant::now();
    let pid = server.0.id().to_string();
    assert!(
        std::process::Command::new("kill")
            .args(["-TERM", &pid])
            .status()
            .unwrap()
            .success()
    );
    assert!(imap.until("* BYE").contains("shutting down"));
    line.clear();
    smtp.read_line(&mut line).unwrap();
    assert!(line.starts_with("421"), "{line}");
    let status = loop {
        if let Some(status) = server.0.try_wait().unwrap() {
            break status;
        }
        assert!(
            started.elapsed() < Duration::from_secs(8),
            "still running after SIGTERM"
        );
        std::thread::sleep(Duration::from_millis(50));
    };
    assert!(status.success(), "{status:?}");
}

/// A PROXY protocol v2 header naming `client` (IPv4, TCP).
fn proxy_header(client: [u8; 4]) -> Vec<u8> {
    let mut header = b"\r\n\r\n\0\r\nQUIT\n\x21\x11\x00\x0c".to_vec();
    header.extend_from_slice(&client);
    header.extend_from_slice(&[127, 0, 0, 1, 0x30, 0x39, 0x04, 0x77]);
    header
}

/// Through the "proxy" on behalf of argv[2], then TLS, then LOGIN ann with argv[3]; prints
/// the answer, and with argv[4] = "hold" keeps the session until killed.
const TLS_LOGIN: &str = r#"
import socket, ssl, sys, time
port, client, password = int(sys.argv[1]), sys.argv[2], sys.argv[3]
raw = socket.create_connection(("127.0.0.1", port))
body = socket.inet_aton(client) + socket.inet_aton("127.0.0.1") + (12345).to_bytes(2, "big") + (993).to_bytes(2, "big")
raw.sendall(b"\r\n\r\n\0\r\nQUIT\n\x21\x11" + len(body).to_bytes(2, "big") + body)
context = ssl.create_default_context()
context.check_hostname = False
context.verify_mode = ssl.CERT_NONE
tls = context.wrap_socket(raw)
lines = tls.makefile("rb")
lines.readline()
tls.sendall(b"a LOGIN ann@example.com " + password.encode() + b"\r\n")
while True:
    line = lines.readline().decode()
    if line.startswith("a "):
        print(line.strip(), flush=True)
        break
if sys.argv[4:] == ["hold"]:
    time.sleep(60)
"#;

fn tls_login(port: u16, client: &str, password: &str) -> String {
    let out = std::process::Command::new("python3")
        .args(["-c", TLS_LOGIN, &port.to_string(), client, password])
        .output()
        .unwrap();
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Connects through the "proxy" (this test, from 127.0.0.1) on behalf of `client`.
fn proxied(port: u16, client: [u8; 4]) -> BufReader<TcpStream> {
    let mut tcp = TcpStream::connect(("127.0.0.1", port)).unwrap();
    tcp.set_read_timeout(Some(Duration::from_secs(15))).unwrap();
    tcp.write_all(&proxy_header(client)).unwrap();
    BufReader::new(tcp)
}

fn answer(reader: &mut BufReader<TcpStream>) -> String {
    let mut line = String::new();
    let _ = reader.read_line(&mut line);
    line
}

#[test]
fn behind_a_trusted_proxy_the_proxy_header_names_the_client() {
    let (_dir, config) = setup_sections("", "max_connections_per_ip = 2", "");
    let toml = std::fs::read_to_string(&config).unwrap();
    std::fs::write(
        &config,
        format!("trusted_proxies = [\"127.0.0.1\"]\n{toml}"),
    )
    .unwrap();
    let (_server, lines) = serve(&config);
    seed(&config);
    let imap = imap_port(&lines);
    // Passwords go over TLS (the proxy passes it through): a wrong one on behalf of
    // 203.0.113.9 is that address's in the audit; the right one on behalf of 203.0.113.10
    // stays signed in, listed under that address.
    let imaps = imaps_port(&lines);
    assert!(tls_login(imaps, "203.0.113.9", "Wrong-guess-1").starts_with("a NO"));
    let mut owner = std::process::Command::new("python3")
        .args([
            "-c",
            TLS_LOGIN,
            &imaps.to_string(),
            "203.0.113.10",
            ANN_PASSWORD,
            "hold",
        ])
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut first = String::new();
    BufReader::new(owner.stdout.as_mut().unwrap())
        .read_line(&mut first)
        .unwrap();
    assert!(first.starts_with("a OK"), "{first}");
    let audit = ok(&config, &["audit", "ann@example.com"], None);
    assert!(audit.contains("203.0.113.9"), "{audit}");
    let sessions = ok(&config, &["sessions", "list", "ann@example.com"], None);
    assert!(sessions.contains("203.0.113.10"), "{sessions}");
    let _ = owner.kill();
    let _ = owner.wait();
    // The cap (2) counts the clients, not the proxy: .9 gets two places, then none.
    let held: Vec<_> = (0..2)
        .map(|_| {
            let mut c = proxied(imap, [203, 0, 113, 9]);
            assert!(answer(&mut c).starts_with("* OK"));
            c
        })
        .collect();
    let mut over = proxied(imap, [203, 0, 113, 9]);
    assert!(answer(&mut over).starts_with("* BYE Too many"));
    drop(held);
    // The proxy's connection without a header is closed unanswered.
    let mut bare = TcpStream::connect(("127.0.0.1", imap)).unwrap();
    bare.set_read_timeout(Some(Duration::from_secs(15)))
        .unwrap();
    bare.write_all(b"a LOGIN ann@example.com x\r\n").unwrap();
    assert_eq!(answer(&mut BufReader::new(bare)), "");
    // SMTP takes the header too.
    let mut smtp = proxied(smtp_port(&lines, "inbound"), [198, 51, 100, 7]);
    assert!(answer(&mut smtp).starts_with("220 "));
}

#[test]
fn without_trusted_proxies_a_proxy_header_is_nobodys_word() {
    let (_dir, config) = setup("");
    let (_server, lines) = serve(&config);
    seed(&config);
    let mut claimed = proxied(imap_port(&lines), [203, 0, 113, 9]);
    assert!(answer(&mut claimed).starts_with("* OK"));
    claimed
        .get_mut()
        .write_all(b"\r\na LOGIN ann@example.com Wrong-guess-1\r\n")
        .unwrap();
    let mut line = answer(&mut claimed);
    while !line.starts_with("a ") && !line.is_empty() {
        line = answer(&mut claimed);
    }
    let audit = ok(&config, &["audit", "ann@example.com"], None);
    assert!(!audit.contains("203.0.113.9"), "{audit}");
}

/// A plain GET on a fresh connection: the status line, or `None` when the server closed the
/// connection without an answer. Panics when it neither answers nor closes within 5 s.
fn http_status(port: u16) -> Option<String> {
    let mut tcp = TcpStream::connect(("127.0.0.1", port)).unwrap();
    tcp.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    let _ = tcp.write_all(b"GET /signin HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n");
    let mut answer = String::new();
    match BufReader::new(tcp).read_line(&mut answer) {
        Ok(_) if answer.is_empty() => None,
        Ok(_) => Some(answer),
        Err(e) if e.kind() == std::io::ErrorKind::ConnectionReset => None,
        Err(e) => panic!("neither answered nor closed: {e}"),
    }
}

/// Tries `works` for up to 5 s; whether it came true.
fn within_5s(works: impl Fn() -> bool) -> bool {
    let started = Instant::now();
    while started.elapsed() < Duration::from_secs(5) {
        if works() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    false
}

#[test]
fn a_web_listener_closes_connections_over_its_caps_until_a_place_frees() {
    let (_dir, config) = setup("");
    let text = std::fs::read_to_string(&config)
        .unwrap()
        .replace("[webmail]\n", "[webmail]\nmax_connections_per_ip = 3\n")
        .replace(
            "[dashboard]\n",
            "[dashboard]\ntls = true\nmax_connections = 2\n",
        );
    std::fs::write(&config, text).unwrap();
    let (_server, lines) = serve(&config);

    // Plain HTTP: three idle connections take the network's share; a fourth is closed
    // unanswered, and one more is served once a place is free.
    let webmail = webmail_port(&lines);
    let mut held: Vec<TcpStream> = (0..3)
        .map(|_| TcpStream::connect(("127.0.0.1", webmail)).unwrap())
        .collect();
    assert_eq!(http_status(webmail), None);
    assert_eq!(http_status(webmail), None);
    drop(held.pop());
    assert!(within_5s(
        || http_status(webmail).is_some_and(|s| s.starts_with("HTTP/1.1 200"))
    ));

    // HTTPS: connections count from accept, before their handshake.
    let dashboard = format!("https://127.0.0.1:{}/signin", dashboard_port(&lines));
    let https_works = || common::web::curl(&["-k", &dashboard]).starts_with("HTTP/1.1 200");
    let mut held: Vec<TcpStream> = (0..2)
        .map(|_| TcpStream::connect(("127.0.0.1", dashboard_port(&lines))).unwrap())
        .collect();
    std::thread::sleep(Duration::from_millis(200));
    assert!(!https_works());
    drop(held.pop());
    assert!(within_5s(https_works));
}

/// A web connection that says nothing, or stops mid-request, is closed after the idle timeout
/// and gives its place back.
#[test]
fn a_silent_web_connection_is_closed_after_the_idle_timeout() {
    let (_dir, config) = setup("");
    let text = std::fs::read_to_string(&config).unwrap().replace(
        "[webmail]\n",
        "[webmail]\nmax_connections_per_ip = 2\nidle_timeout_secs = 2\n",
    );
    std::fs::write(&config, text).unwrap();
    let (_server, lines) = serve(&config);
    let webmail = webmail_port(&lines);
    let silent = TcpStream::connect(("127.0.0.1", webmail)).unwrap();
    let mut halfway = TcpStream::connect(("127.0.0.1", webmail)).unwrap();
    halfway
        .write_all(b"GET /signin HTTP/1.1\r\nHost: loc")
        .unwrap();
    std::thread::sleep(Duration::from_millis(300));
    assert_eq!(http_status(webmail), None, "a third place");
    let started = Instant::now();
    for tcp in [silent, halfway] {
        tcp.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
        let mut rest = Vec::new();
        let _ = std::io::Read::read_to_end(&mut &tcp, &mut rest);
    }
    let took = started.elapsed();
    assert!(took < Duration::from_secs(6), "closed after {took:?}");
    assert!(http_status(webmail).is_some_and(|s| s.contains("200")));
}
