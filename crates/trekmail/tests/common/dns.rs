//! A DNS server of the test's own (dns_server.py, dnslib on loopback) and the config that
//! points a node's resolver at it.

use super::{python, wait_for_line};
use std::path::PathBuf;
use std::process::Child;
use trekmail_testkit::scratch_dir;

/// A running loopback DNS server answering from a zone the test sets; stopped on drop.
pub struct DnsServer {
    child: Child,
    pub zone: PathBuf,
    pub port: u16,
}

impl DnsServer {
    /// A server with an empty zone.
    pub fn start() -> DnsServer {
        let zone = scratch_dir().join("zone.json");
        std::fs::write(&zone, "{}").unwrap();
        let mut child = python("python3", "dns_server.py", &[zone.to_str().unwrap()]);
        let line = wait_for_line(&mut child, "PORT");
        let port = line.trim().strip_prefix("PORT ").unwrap().parse().unwrap();
        DnsServer { child, zone, port }
    }

    /// Replaces the zone: `{"name": {"TXT": ["…"], "MX": ["10 host"]}}`; read by the next query.
    pub fn set(&self, zone: &serde_json::Value) {
        let tmp = self.zone.with_extension("tmp");
        std::fs::write(&tmp, zone.to_string()).unwrap();
        std::fs::rename(&tmp, &self.zone).unwrap();
    }

    /// Config lines, to append after everything else, that send the node's look-ups here.
    pub fn config(&self) -> String {
        format!("\n[dns]\nnameserver = \"127.0.0.1:{}\"\n", self.port)
    }
}

impl Drop for DnsServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
