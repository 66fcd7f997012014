//! A raw IMAP client over TCP, for tests that send what no library would.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use super::ANN_PASSWORD;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::time::Duration;

/// One connection, read line by line.
pub struct Client {
    pub reader: BufReader<TcpStream>,
}

impl Client {
    pub fn connect(port: u16) -> Client {
        let tcp = TcpStream::connect(("127.0.0.1", port)).unwrap();
        tcp.set_read_timeout(Some(Duration::from_secs(15))).unwrap();
        let mut client = Client {
            reader: BufReader::new(tcp),
        };
        assert!(client.line().starts_with("* OK"));
        client
    }

    pub fn send(&mut self, bytes: &[u8]) {
        self.reader.get_mut().write_all(bytes).unwrap();
    }

    /// The next line, or "" at the end of the stream.
    pub fn line(&mut self) -> String {
        let mut line = Vec::new();
        match self.reader.read_until(b'\n', &mut line) {
            Ok(_) => String::from_utf8_lossy(&line).into_owned(),
            Err(e) => panic!("no answer: {e}"),
        }
    }

    /// Lines up to the one starting with `prefix`, which is returned.
    pub fn until(&mut self, prefix: &str) -> String {
        loop {
            let line = self.line();
            assert!(!line.is_empty(), "closed before {prefix:?}");
            if line.starts_with(prefix) {
                return line;
            }
        }
    }

    pub fn closed(&mut self) -> bool {
        let mut rest = Vec::new();
        self.reader.read_to_end(&mut rest).is_ok()
    }

    pub fn sign_in(&mut self) {
        self.send(format!("L LOGIN ann@example.com {ANN_PASSWORD}\r\n").as_bytes());
        assert!(self.until("L ").starts_with("L OK"));
    }
}
