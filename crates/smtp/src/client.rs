//! A small SMTP client for the outbound queue: one message to one recipient, plain SMTP, every
//! step bounded in time. Replies are sorted into delivered, try again later, and refused.

use std::time::Duration;
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
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

/// One reply: its code and its text (the lines joined).
struct Reply {
    code: u16,
    text: String,
}

impl Reply {
    fn outcome(&self) -> Outcome {
        let text = format!("{} {}", self.code, self.text);
        match self.code {
            500..=599 => Outcome::Permanent(text),
            _ => Outcome::Temporary(text),
        }
    }
}

/// Sends `body` from `from` to `to` through the server at `address` (`host:port`).
pub(crate) async fn send(address: &str, helo: &str, from: &str, to: &str, body: &[u8]) -> Outcome {
    let tcp = match tokio::time::timeout(STEP_TIMEOUT, TcpStream::connect(address)).await {
        Ok(Ok(tcp)) => tcp,
        Ok(Err(e)) => return Outcome::Temporary(format!("cannot connect to {address}: {e}")),
        Err(_) => return Outcome::Temporary(format!("cannot connect to {address}: timed out")),
    };
    let mut conn = BufReader::new(tcp);
    match talk(&mut conn, helo, from, to, body).await {
        Ok(outcome) => {
            let _ = step(&mut conn, Some(b"QUIT\r\n")).await;
            outcome
        }
        Err(e) => Outcome::Temporary(format!("{address}: {e}")),
    }
}

async fn talk(
    conn: &mut BufReader<TcpStream>,
    helo: &str,
    from: &str,
    to: &str,
    body: &[u8],
) -> std::io::Result<Outcome> {
    let expect = |reply: Reply, code: u16| match reply.code == code {
        true => None,
        false => Some(reply.outcome()),
    };
    if let Some(refused) = expect(step(conn, None).await?, 220) {
        return Ok(refused);
    }
    let hello = step(conn, Some(format!("EHLO {helo}\r\n").as_bytes())).await?;
    if hello.code != 250 {
        let hello = step(conn, Some(format!("HELO {helo}\r\n").as_bytes())).await?;
        if let Some(refused) = expect(hello, 250) {
            return Ok(refused);
        }
    }
    let mail = step(conn, Some(format!("MAIL FROM:<{from}>\r\n").as_bytes())).await?;
    if let Some(refused) = expect(mail, 250) {
        return Ok(refused);
    }
    let rcpt = step(conn, Some(format!("RCPT TO:<{to}>\r\n").as_bytes())).await?;
    if rcpt.code != 250 && rcpt.code != 251 {
        return Ok(rcpt.outcome());
    }
    if let Some(refused) = expect(step(conn, Some(b"DATA\r\n")).await?, 354) {
        return Ok(refused);
    }
    let done = step(conn, Some(&stuffed(body))).await?;
    Ok(expect(done, 250).unwrap_or(Outcome::Delivered))
}

/// Writes `command` (if any) and reads one reply.
async fn step(conn: &mut BufReader<TcpStream>, command: Option<&[u8]>) -> std::io::Result<Reply> {
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

async fn read_reply(conn: &mut BufReader<TcpStream>) -> std::io::Result<Reply> {
    let mut text = String::new();
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
        if !text.is_empty() {
            text.push(' ');
        }
        text.push_str(s.get(4..).unwrap_or(""));
        if text.len() > MAX_REPLY {
            return Err(bad());
        }
        match s.as_bytes().get(3) {
            Some(b'-') => continue,
            _ => return Ok(Reply { code, text }),
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
        let outcome = send(&address, "me", "a@x.com", "b@y.com", b"hi\r\n").await;
        assert_eq!(outcome, Outcome::Permanent("550 5.1.1 no such user".into()));
        peer.await.unwrap();
        let closed = send(&address, "me", "a@x.com", "b@y.com", b"hi").await;
        assert!(matches!(closed, Outcome::Temporary(_)), "{closed:?}");
    }
}
