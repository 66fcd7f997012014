//! `[public]`, `[dns]` and `[sender_checks]`: how the world reaches this server, which DNS
//! server answers its look-ups, and what the checks on arrival do with a failure.

use crate::config::Config;
use serde::Deserialize;
use std::net::SocketAddr;
use trekmail_core::domain::PublicEndpoints;

/// `[public]`: the names and ports DNS records and mail apps are given. Each port defaults to
/// the service's standard one while its listener is on, whatever port the listener binds
/// (a NAT or proxy maps them); `0` leaves a service out of what is published.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct PublicConfig {
    /// The mail host: MX target, IMAP and SMTP server name; empty for `smtp.hostname`.
    pub mail_host: String,
    /// Webmail's address; empty for `https://` and the mail host.
    pub webmail_url: String,
    pub imaps_port: Option<u16>,
    pub imap_port: Option<u16>,
    pub submissions_port: Option<u16>,
    pub submission_port: Option<u16>,
    pub managesieve_port: Option<u16>,
}

/// `[dns]`: the resolver for MX look-ups, the checks on arrival and "Check DNS".
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct DnsConfig {
    /// The one DNS server to ask (`ip:port`); unset for the system's (`/etc/resolv.conf`).
    pub nameserver: Option<SocketAddr>,
}

impl Config {
    /// `[public]` with its defaults filled in from the listeners.
    pub fn public_endpoints(&self) -> PublicEndpoints {
        let public = &self.public;
        let mail_host = match public.mail_host.trim() {
            "" => self.smtp.hostname.clone(),
            host => host.to_owned(),
        };
        let webmail_url = match public.webmail_url.trim() {
            "" => format!("https://{mail_host}"),
            url => url.trim_end_matches('/').to_owned(),
        };
        PublicEndpoints {
            imaps: port(public.imaps_port, &self.imap.tls_listen, 993),
            imap: port(public.imap_port, &self.imap.listen, 143),
            submissions: port(public.submissions_port, &self.smtp.submissions_listen, 465),
            submission: port(public.submission_port, &self.smtp.submission_listen, 587),
            managesieve: port(public.managesieve_port, &self.managesieve.listen, 4190),
            mail_host,
            webmail_url,
        }
    }
}

/// A published port: the configured one (`0` for none), else `standard` while `listen` is on.
fn port(configured: Option<u16>, listen: &str, standard: u16) -> Option<u16> {
    match configured {
        Some(0) => None,
        Some(port) => Some(port),
        None => (!listen.trim().is_empty()).then_some(standard),
    }
}

#[cfg(test)]
mod tests {
    use crate::config::Config;

    #[test]
    fn public_ports_are_the_standard_ones_whatever_the_listeners_bind() {
        let config = Config::default();
        let public = config.public_endpoints();
        assert_eq!(public.mail_host, "localhost");
        assert_eq!(public.webmail_url, "https://localhost");
        assert_eq!(
            (
                public.imaps,
                public.imap,
                public.submissions,
                public.submission
            ),
            (Some(993), Some(143), Some(465), Some(587))
        );
    }

    #[test]
    fn public_settings_override_and_zero_leaves_a_service_out() {
        let config: Config = toml::from_str(
            "[public]\nmail_host = \"mx.example.com\"\nimap_port = 0\nsubmission_port = 2587\n\
             [dns]\nnameserver = \"127.0.0.1:5353\"\n\
             [imap]\ntls_listen = \"\"\n",
        )
        .unwrap();
        let public = config.public_endpoints();
        assert_eq!(public.mail_host, "mx.example.com");
        assert_eq!(public.webmail_url, "https://mx.example.com");
        assert_eq!(
            (public.imaps, public.imap, public.submission),
            (None, None, Some(2587))
        );
        assert_eq!(
            config.dns.nameserver,
            Some("127.0.0.1:5353".parse().unwrap())
        );
    }
}
