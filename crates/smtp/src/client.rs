//! A small SMTP client for the outbound queue: one message to one recipient, every step
//! bounded in time; STARTTLS as the route asks (see client_tls.rs), AUTH PLAIN to a relay only
//! inside verified TLS. Replies are sorted into delivered, try again later, and refused.

use crate::client_tls::{Connectors, OutboundTls};
use crate::outbound::RelayLogin;
use data_encoding::BASE64;
use rustls_pki_types::ServerName;
use std::time::Duration;
use tokio::io::{AsyncBufReadExt, AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;

/// How long one step (connect, a reply, the message) may take.
const STEP_TIMEOUT: Duration = Duration::from_secs(60);
/// A reply longer than this (all its lines) is taken as a broken server.
const MAX_REPLY: usize = 64 * 1024;

/// What came of an attempt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Outcome {
    Delivered,
    /// A 4xx reply or a connection problem: try again later.
    Temporary(String),
    /// A 5xx reply: bounce.
    Permanent(String),
}

/// Where one attempt goes and how.
pub(crate) struct Hop<'a> {
    /// `host:port`.
    pub(crate) address: &'a str,
    pub(crate) tls: OutboundTls,
    /// Credentials for a relay; they make verified TLS a must.
    pub(crate) login: Option<&'a RelayLogin>,
    pub(crate) connectors: &'a Connectors,
}

/// One message for one recipient.
pub(crate) struct Envelope<'a> {
    pub(crate) helo: &'a str,
    pub(crate) from: &'a str,
    pub(crate) to: &'a str,
    pub(crate) body: &'a [u8],
}

/// One reply: its code and its lines' texts.
struct Reply {
    code: u16,
    lines: Vec<String>,
}

impl Reply {
    fn outcome(&self) -> Outcome {
        let text = format!("{} {}", self.code, self.lines.join(" "));
        match self.code {
            500..=599 => Outcome::Permanent(text),
            _ => Outcome::Temporary(text),
        }
    }

    /// Whether an EHLO reply lists `keyword` (with `argument` among its words, if given).
    fn offers(&self, keyword: &str, argument: Option<&str>) -> bool {
        self.lines.iter().skip(1).any(|line| {
            let mut words = line.split_ascii_whitespace();
            words
                .next()
                .is_some_and(|k| k.eq_ignore_ascii_case(keyword))
                && argument.is_none_or(|a| words.any(|w| w.eq_ignore_ascii_case(a)))
        })
    }
}

/// Why an attempt stopped short of an outcome.
enum Stop {
    /// A reply that decides the outcome.
    Refused(Outcome),
    /// The TLS handshake failed where clear text is allowed: try again without STARTTLS.
    InClear(String),
    Io(std::io::Error),
}

impl From<std::io::Error> for Stop {
    fn from(e: std::io::Error) -> Stop {
        Stop::Io(e)
    }
}

/// Sends one message through the server at `hop`.
pub(crate) async fn send(hop: &Hop<'_>, envelope: &Envelope<'_>) -> Outcome {
    let address = hop.address;
    let outcome = match attempt(hop, envelope, true).await {
        Err(Stop::InClear(reason)) => {
            tracing::info!(%address, %reason, "STARTTLS failed; sending in clear");
            attempt(hop, envelope, false).await
        }
        other => other,
    };
    match outcome {
        Ok(()) => Outcome::Delivered,
        Err(Stop::Refused(outcome)) => outcome,
        Err(Stop::InClear(reason)) => Outcome::Temporary(reason),
        Err(Stop::Io(e)) => Outcome::Temporary(format!("{address}: {e}")),
    }
}

async fn attempt(hop: &Hop<'_>, envelope: &Envelope<'_>, try_tls: bool) -> Result<(), Stop> {
    let address = hop.address;
    let tcp = match tokio::time::timeout(STEP_TIMEOUT, TcpStream::connect(address)).await {
        Ok(Ok(tcp)) => tcp,
        Ok(Err(e)) => return Err(refused(format!("cannot connect to {address}: {e}"))),
        Err(_) => return Err(refused(format!("cannot connect to {address}: timed out"))),
    };
    let mut conn = BufReader::new(tcp);
    expect(step(&mut conn, None).await?, 220)?;
    let hello = ehlo(&mut conn, envelope.helo).await?;
    let must = hop.tls == OutboundTls::Required || hop.login.is_some();
    let wanted = try_tls && (hop.tls != OutboundTls::Off || hop.login.is_some());
    if !(wanted && hello.offers("STARTTLS", None)) {
        if must {
            return Err(refused(format!(
                "{address} offers no STARTTLS, and TLS is required"
            )));
        }
        return talk(&mut conn, &hello, hop.login, envelope).await;
    }
    let answer = step(&mut conn, Some(b"STARTTLS\r\n")).await?;
    if answer.code != 220 {
        if must {
            return Err(Stop::Refused(Outcome::Temporary(format!(
                "{address} refused STARTTLS: {} {}",
                answer.code,
                answer.lines.join(" ")
            ))));
        }
        return talk(&mut conn, &hello, hop.login, envelope).await;
    }
    // Anything sent before the handshake could be an injected command.
    if !conn.buffer().is_empty() {
        return Err(refused(format!(
            "{address} sent data after its STARTTLS reply"
        )));
    }
    let connector = match hop.login {
        Some(_) => &hop.connectors.verified,
        None => &hop.connectors.unverified,
    };
    let handshake = tokio::time::timeout(
        STEP_TIMEOUT,
        connector.connect(server_name(address)?, conn.into_inner()),
    )
    .await
    .unwrap_or_else(|_| {
        Err(std::io::Error::new(
            std::io::ErrorKind::TimedOut,
            "timed out",
        ))
    });
    match handshake {
        Ok(tls) => {
            let mut conn = BufReader::new(tls);
            let hello = ehlo(&mut conn, envelope.helo).await?;
            talk(&mut conn, &hello, hop.login, envelope).await
        }
        Err(e) if must => Err(refused(format!("TLS with {address} failed: {e}"))),
        Err(e) => Err(Stop::InClear(format!("TLS with {address} failed: {e}"))),
    }
}

fn refused(reason: String) -> Stop {
    Stop::Refused(Outcome::Temporary(reason))
}

/// The name a verified certificate must carry: the host part of `host:port`.
fn server_name(address: &str) -> Result<ServerName<'static>, Stop> {
    let host = address.rsplit_once(':').map_or(address, |(host, _)| host);
    let host = host.trim_start_matches('[').trim_end_matches(']');
    ServerName::try_from(host.to_owned())
        .map_err(|_| refused(format!("{address} is not a usable host name for TLS")))
}

/// EHLO, or HELO when the server knows no EHLO; the reply lists what it offers.
async fn ehlo<S: AsyncRead + AsyncWrite + Unpin>(
    conn: &mut BufReader<S>,
    helo: &str,
) -> Result<Reply, Stop> {
    let hello = step(conn, Some(format!("EHLO {helo}\r\n").as_bytes())).await?;
    if hello.code == 250 {
        return Ok(hello);
    }
    let hello = step(conn, Some(format!("HELO {helo}\r\n").as_bytes())).await?;
    expect(hello, 250)
}

fn expect(reply: Reply, code: u16) -> Result<Reply, Stop> {
    match reply.code == code {
        true => Ok(reply),
        false => Err(Stop::Refused(reply.outcome())),
    }
}

/// After the greeting (and TLS): the exchange, then QUIT unless the connection broke.
async fn talk<S: AsyncRead + AsyncWrite + Unpin>(
    conn: &mut BufReader<S>,
    hello: &Reply,
    login: Option<&RelayLogin>,
    envelope: &Envelope<'_>,
) -> Result<(), Stop> {
    let result = exchange(conn, hello, login, envelope).await;
    if !matches!(result, Err(Stop::Io(_))) {
        let _ = step(conn, Some(b"QUIT\r\n")).await;
    }
    result
}

/// AUTH if a relay wants it, then the envelope and the message.
async fn exchange<S: AsyncRead + AsyncWrite + Unpin>(
    conn: &mut BufReader<S>,
    hello: &Reply,
    login: Option<&RelayLogin>,
    envelope: &Envelope<'_>,
) -> Result<(), Stop> {
    if let Some(login) = login {
        if !hello.offers("AUTH", Some("PLAIN")) {
            return Err(refused("the relay offers no AUTH PLAIN".to_owned()));
        }
        let token = BASE64.encode(format!("\0{}\0{}", login.user, login.password).as_bytes());
        let answer = step(conn, Some(format!("AUTH PLAIN {token}\r\n").as_bytes())).await?;
        // A refused login is the operator's to fix: keep the mail and try again later.
        if answer.code != 235 {
            return Err(refused(format!(
                "the relay refused our login: {} {}",
                answer.code,
                answer.lines.join(" ")
            )));
        }
    }
    let from = envelope.from;
    expect(
        step(conn, Some(format!("MAIL FROM:<{from}>\r\n").as_bytes())).await?,
        250,
    )?;
    let to = envelope.to;
    let rcpt = step(conn, Some(format!("RCPT TO:<{to}>\r\n").as_bytes())).await?;
    if rcpt.code != 250 && rcpt.code != 251 {
        return Err(Stop::Refused(rcpt.outcome()));
    }
    expect(step(conn, Some(b"DATA\r\n")).await?, 354)?;
    expect(step(conn, Some(&stuffed(envelope.body))).await?, 250)?;
    Ok(())
}

/// Writes `command` (if any) and reads one reply.
async fn step<S: AsyncRead + AsyncWrite + Unpin>(
    conn: &mut BufReader<S>,
    command: Option<&[u8]>,
) -> std::io::Result<Reply> {
    let work = async {
        if let Some(command) = command {
            conn.get_mut().write_all(command).await?;
            conn.get_mut().flush().await?;
        }
        read_reply(conn).await
    };
    tokio::time::timeout(STEP_TIMEOUT, work)
        .await
        .map_err(|_| std::io::Error::new(std::io::ErrorKind::TimedOut, "no reply in time"))?
}

async fn read_reply<S: AsyncRead + Unpin>(conn: &mut BufReader<S>) -> std::io::Result<Reply> {
    let mut lines = Vec::new();
    let mut total = 0;
    let mut line = Vec::new();
    loop {
        line.clear();
        let n = (&mut *conn)
            .take(MAX_REPLY as u64)
            .read_until(b'\n', &mut line)
            .await?;
        let bad = || std::io::Error::new(std::io::ErrorKind::InvalidData, "malformed reply");
        if n == 0 {
            return Err(std::io::Error::new(
                std::io::ErrorKind::UnexpectedEof,
                "connection closed",
            ));
        }
        let s = String::from_utf8_lossy(&line);
        let s = s.trim_end();
        let code: u16 = s.get(..3).and_then(|c| c.parse().ok()).ok_or_else(bad)?;
        total += s.len();
        if total > MAX_REPLY {
            return Err(bad());
        }
        lines.push(s.get(4..).unwrap_or("").to_owned());
        match s.as_bytes().get(3) {
            Some(b'-') => continue,
            _ => return Ok(Reply { code, lines }),
        }
    }
}

/// The message in DATA form: CRLF line ends, dots doubled at line starts, ended by `.`.
fn stuffed(body: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(body.len() + 64);
    let mut at_line_start = true;
    for &b in body {
        if at_line_start && b == b'.' {
            out.push(b'.');
        }
        out.push(b);
        at_line_start = b == b'\n';
    }
    if !out.ends_with(b"\r\n") {
        out.extend_from_slice(b"\r\n");
    }
    out.extend_from_slice(b".\r\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bodies_are_dot_stuffed_and_ended() {
        assert_eq!(stuffed(b"a\r\n.b\r\n"), b"a\r\n..b\r\n.\r\n");
        assert_eq!(stuffed(b".x"), b"..x\r\n.\r\n");
    }

    #[tokio::test]
    async fn replies_decide_the_outcome() {
        let server = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let address = server.local_addr().unwrap().to_string();
        let peer = tokio::spawn(async move {
            let (tcp, _) = server.accept().await.unwrap();
            let mut tcp = BufReader::new(tcp);
            let mut line = String::new();
            tcp.get_mut().write_all(b"220 sink\r\n").await.unwrap();
            for reply in [
                &b"250-sink\r\n250 SIZE\r\n"[..],
                b"250 ok\r\n",
                b"550 5.1.1 no such user\r\n",
            ] {
                line.clear();
                tcp.read_line(&mut line).await.unwrap();
                tcp.get_mut().write_all(reply).await.unwrap();
            }
        });
        let connectors = Connectors::new(&[]).unwrap();
        let hop = Hop {
            address: &address,
            tls: OutboundTls::Opportunistic,
            login: None,
            connectors: &connectors,
        };
        let envelope = Envelope {
            helo: "me",
            from: "a@x.com",
            to: "b@y.com",
            body: b"hi\r\n",
        };
        let outcome = send(&hop, &envelope).await;
        assert_eq!(outcome, Outcome::Permanent("550 5.1.1 no such user".into()));
        peer.await.unwrap();
        let closed = send(&hop, &envelope).await;
        assert!(matches!(closed, Outcome::Temporary(_)), "{closed:?}");
    }

    /// A server that offers no STARTTLS: what the client sends it, line by line.
    async fn clear_text_server(
        ehlo: &'static [u8],
    ) -> (String, tokio::task::JoinHandle<Vec<String>>) {
        let server = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let address = server.local_addr().unwrap().to_string();
        let peer = tokio::spawn(async move {
            let (tcp, _) = server.accept().await.unwrap();
            let mut tcp = BufReader::new(tcp);
            tcp.get_mut().write_all(b"220 plain\r\n").await.unwrap();
            let mut heard = Vec::new();
            loop {
                let mut line = String::new();
                if tcp.read_line(&mut line).await.unwrap_or(0) == 0 {
                    return heard;
                }
                let reply: &[u8] = match line.as_str() {
                    l if l.starts_with("EHLO") => ehlo,
                    "DATA\r\n" => b"354 go on\r\n",
                    _ => b"250 ok\r\n",
                };
                heard.push(line);
                tcp.get_mut().write_all(reply).await.unwrap();
                if reply.starts_with(b"354") {
                    let mut body = Vec::new();
                    while !body.ends_with(b"\r\n.\r\n") {
                        if tcp.read_until(b'\n', &mut body).await.unwrap_or(0) == 0 {
                            return heard;
                        }
                    }
                    tcp.get_mut().write_all(b"250 queued\r\n").await.unwrap();
                }
            }
        });
        (address, peer)
    }

    #[tokio::test]
    async fn credentials_and_required_tls_never_go_out_in_clear() {
        let connectors = Connectors::new(&[]).unwrap();
        let login = RelayLogin {
            user: "relay-user".into(),
            password: "relay-secret".into(),
        };
        let envelope = Envelope {
            helo: "me",
            from: "a@x.com",
            to: "b@y.com",
            body: b"hi\r\n",
        };
        for (tls, login) in [
            (OutboundTls::Required, None),
            (OutboundTls::Opportunistic, Some(&login)),
            (OutboundTls::Off, Some(&login)),
        ] {
            let (address, peer) = clear_text_server(b"250-plain\r\n250 AUTH PLAIN\r\n").await;
            let hop = Hop {
                address: &address,
                tls,
                login,
                connectors: &connectors,
            };
            let outcome = send(&hop, &envelope).await;
            assert!(
                matches!(&outcome, Outcome::Temporary(r) if r.contains("offers no STARTTLS")),
                "{outcome:?}"
            );
            let heard = peer.await.unwrap();
            assert!(
                heard
                    .iter()
                    .all(|l| !l.starts_with("AUTH") && !l.starts_with("MAIL")),
                "{heard:?}"
            );
        }
        // Opportunistic without credentials: in clear is better than not at all.
        let (address, peer) = clear_text_server(b"250 plain\r\n").await;
        let hop = Hop {
            address: &address,
            tls: OutboundTls::Opportunistic,
            login: None,
            connectors: &connectors,
        };
        assert_eq!(send(&hop, &envelope).await, Outcome::Delivered);
        assert!(
            peer.await
                .unwrap()
                .iter()
                .any(|l| l.starts_with("MAIL FROM:<a@x.com>"))
        );
    }
}
