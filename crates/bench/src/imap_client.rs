//! A small IMAP client for the benchmarks: it sends one command at a time and reads the answer
//! to its tagged line, stepping over literals, so a message body that happens to hold a line
//! like the tag cannot end an answer early. The same client talks to TrekMail and to Dovecot.

use std::time::{Duration, Instant};
use tokio::io::{AsyncBufReadExt, AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;

pub struct Client<S> {
    stream: BufReader<S>,
    next_tag: u32,
}

/// What a command answered: its untagged lines (literals left out) and its tagged line.
pub struct Answer {
    pub untagged: Vec<String>,
    pub tagged: String,
    /// Bytes read, literals included.
    pub bytes: usize,
}

impl Answer {
    /// The words after `* NAME ` of the first untagged line of that name, e.g. `SEARCH`.
    pub fn data(&self, name: &str) -> Option<&str> {
        let prefix = format!("* {name}");
        self.untagged
            .iter()
            .find_map(|line| line.strip_prefix(prefix.as_str()))
            .map(str::trim)
    }

    /// The value of a response code such as `HIGHESTMODSEQ` in any line.
    pub fn code(&self, name: &str) -> Option<u64> {
        let prefix = format!("[{name} ");
        self.untagged
            .iter()
            .chain(std::iter::once(&self.tagged))
            .find_map(|line| {
                let rest = &line[line.find(prefix.as_str())? + prefix.len()..];
                rest.split(']').next()?.trim().parse().ok()
            })
    }
}

impl Client<TcpStream> {
    /// Connects to a loopback port and signs in with LOGIN.
    pub async fn login(port: u16, user: &str, password: &str) -> anyhow::Result<Self> {
        let tcp = TcpStream::connect(("127.0.0.1", port)).await?;
        tcp.set_nodelay(true)?;
        let mut client = Client::over(tcp);
        client.greeting().await?;
        client
            .ok(&format!("LOGIN \"{user}\" \"{password}\""))
            .await?;
        Ok(client)
    }
}

impl<S: AsyncRead + AsyncWrite + Unpin> Client<S> {
    pub fn over(stream: S) -> Self {
        Client {
            stream: BufReader::with_capacity(64 * 1024, stream),
            next_tag: 1,
        }
    }

    /// Reads the server's greeting.
    pub async fn greeting(&mut self) -> anyhow::Result<String> {
        let (line, _) = self.line().await?;
        anyhow::ensure!(line.starts_with("* OK"), "greeting: {line}");
        Ok(line)
    }

    /// Sends `command` and reads its answer, which must be OK.
    pub async fn ok(&mut self, command: &str) -> anyhow::Result<Answer> {
        let answer = self.command(command).await?;
        let status = answer.tagged.split_whitespace().nth(1).unwrap_or_default();
        anyhow::ensure!(status == "OK", "{command} answered {}", answer.tagged);
        Ok(answer)
    }

    /// How long `command` takes, over `rounds` runs one after another: the median.
    pub async fn median(&mut self, command: &str, rounds: usize) -> anyhow::Result<Duration> {
        let mut times = Vec::with_capacity(rounds);
        for _ in 0..rounds {
            let started = Instant::now();
            self.ok(command).await?;
            times.push(started.elapsed());
        }
        times.sort();
        Ok(times.get(times.len() / 2).copied().unwrap_or_default())
    }

    pub async fn command(&mut self, command: &str) -> anyhow::Result<Answer> {
        let tag = format!("b{}", self.next_tag);
        self.next_tag += 1;
        self.stream
            .get_mut()
            .write_all(format!("{tag} {command}\r\n").as_bytes())
            .await?;
        let mut answer = Answer {
            untagged: Vec::new(),
            tagged: String::new(),
            bytes: 0,
        };
        let tagged = format!("{tag} ");
        loop {
            let (line, bytes) = self.line().await?;
            answer.bytes += bytes;
            if line.starts_with(tagged.as_str()) {
                answer.tagged = line;
                return Ok(answer);
            }
            answer.untagged.push(line);
        }
    }

    /// One response line with any literals in it read past; its text without the literals.
    async fn line(&mut self) -> anyhow::Result<(String, usize)> {
        let mut text = String::new();
        let mut bytes = 0;
        loop {
            let mut raw = Vec::new();
            let n = self.stream.read_until(b'\n', &mut raw).await?;
            anyhow::ensure!(n > 0, "the server closed the connection");
            bytes += n;
            let part = String::from_utf8_lossy(&raw);
            let part = part.trim_end_matches(['\r', '\n']);
            text.push_str(part);
            let Some(size) = literal_size(part) else {
                return Ok((text, bytes));
            };
            let mut left = size;
            let mut sink = [0u8; 8192];
            while left > 0 {
                let want = left.min(sink.len());
                let got = self.stream.read(&mut sink[..want]).await?;
                anyhow::ensure!(got > 0, "the server closed the connection in a literal");
                left -= got;
            }
            bytes += size;
        }
    }
}

/// `{n}` (or `~{n}`) at the end of a line: a literal of n bytes follows.
fn literal_size(line: &str) -> Option<usize> {
    let open = line.strip_suffix('}')?.rfind('{')?;
    line[open + 1..line.len() - 1].parse().ok()
}
