//! A small IMAP client for the benchmarks: it sends one command at a time and reads the answer
//! to its tagged line, stepping over literals, so a message body that happens to hold a line
//! like the tag cannot end an answer early. The same client talks to TrekMail and to Dovecot.

use std::time::{Duration, Instant};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;

pub struct Client {
    stream: BufReader<TcpStream>,
    next_tag: u32,
}

/// What a command answered: its untagged lines (literals left out) and its tagged line.
pub struct Answer {
    pub untagged: Vec<String>,
    pub tagged: String,
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

impl Client {
    /// Connects to a loopback port, reads the greeting and signs in with LOGIN.
    pub async fn login(port: u16, user: &str, password: &str) -> anyhow::Result<Self> {
        let tcp = TcpStream::connect(("127.0.0.1", port)).await?;
        tcp.set_nodelay(true)?;
        let mut client = Client {
            stream: BufReader::with_capacity(64 * 1024, tcp),
            next_tag: 1,
        };
        let greeting = client.line().await?;
        anyhow::ensure!(greeting.starts_with("* OK"), "greeting: {greeting}");
        client
            .ok(&format!("LOGIN \"{user}\" \"{password}\""))
            .await?;
        Ok(client)
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
        };
        let tagged = format!("{tag} ");
        loop {
            let line = self.line().await?;
            if line.starts_with(tagged.as_str()) {
                answer.tagged = line;
                return Ok(answer);
            }
            answer.untagged.push(line);
        }
    }

    /// One response line with any literals in it read past; its text without the literals.
    async fn line(&mut self) -> anyhow::Result<String> {
        let mut text = String::new();
        loop {
            let mut raw = Vec::new();
            let n = self.stream.read_until(b'\n', &mut raw).await?;
            anyhow::ensure!(n > 0, "the server closed the connection");
            let part = String::from_utf8_lossy(&raw);
            let part = part.trim_end_matches(['\r', '\n']);
            text.push_str(part);
            let Some(size) = literal_size(part) else {
                return Ok(text);
            };
            let mut left = size;
            let mut sink = [0u8; 8192];
            while left > 0 {
                let want = left.min(sink.len());
                let got = self.stream.read(&mut sink[..want]).await?;
                anyhow::ensure!(got > 0, "the server closed the connection in a literal");
                left -= got;
            }
        }
    }
}

/// `{n}` (or `~{n}`) at the end of a line: a literal of n bytes follows.
fn literal_size(line: &str) -> Option<usize> {
    let open = line.strip_suffix('}')?.rfind('{')?;
    line[open + 1..line.len() - 1].parse().ok()
}
