//! The network layer under IMAP, SMTP and the web against the real binary: one network
//! cannot take every connection slot, and a SIGTERM gives each open connection its closing reply and
//! ends the process within `shutdown_secs`.
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
