//! The receiving SMTP server of the outbound tests (smtp_sink.py, aiosmtpd) and the relay
//! setting that sends every outbound message to it.

use super::{python, wait_for_line};
use std::io::Read;
use std::process::Child;

/// A sink in `mode` on `port` (0: any); returns it and its port.
pub fn sink(mode: &str, port: u16) -> (Sink, u16) {
    sink_with(mode, port, &[])
}

/// A sink with more arguments: certificate and key (STARTTLS), user and password (AUTH).
pub fn sink_with(mode: &str, port: u16, more: &[&str]) -> (Sink, u16) {
    let port = port.to_string();
    let mut args = vec![mode, &port];
    args.extend_from_slice(more);
    let mut child = python("/usr/bin/python3", "smtp_sink.py", &args);
    let line = wait_for_line(&mut child, "PORT");
    let port = line.trim().strip_prefix("PORT ").unwrap().parse().unwrap();
    (Sink(child), port)
}

/// A running sink, stopped on drop.
pub struct Sink(pub Child);

impl Sink {
    /// Stops the sink; everything it printed after its port.
    pub fn stop(&mut self) -> String {
        let _ = self.0.kill();
        let mut out = String::new();
        if let Some(mut stdout) = self.0.stdout.take() {
            let _ = stdout.read_to_string(&mut out);
        }
        out
    }
}

impl Drop for Sink {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

pub fn relay_config(port: u16, give_up_secs: u64) -> String {
    format!(
        "relay = \"127.0.0.1:{port}\"\nretry_first_secs = 1\nretry_max_secs = 1\ngive_up_secs = {give_up_secs}\n"
    )
}
