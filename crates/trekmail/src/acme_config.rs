//! `[acme]`: certificates from an ACME CA (Let's Encrypt, or a private one) for the mail host,
//! the extra names, and each account's branded webmail host once its DNS points here.

use crate::config::Config;
use serde::Deserialize;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

/// `[acme]`; off while `directory_url` is unset.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct AcmeConfig {
    /// The CA's directory, e.g. `https://acme-v02.api.letsencrypt.org/directory`.
    pub directory_url: Option<String>,
    /// The email address the CA may write to about the account.
    pub contact: Option<String>,
    /// How the CA checks each name.
    pub challenge: AcmeChallenge,
    /// The plain-HTTP listener (port 80) answering HTTP-01 tokens and redirecting the rest.
    pub http_listen: Option<SocketAddr>,
    /// A PEM root trusted (alone) for the directory's HTTPS: a private CA.
    pub ca_root: Option<PathBuf>,
    /// Names besides `[public] mail_host` (and webmail_url's host) on the default certificate.
    pub names: Vec<String>,
    /// A certificate is renewed a third of its lifetime before expiry, but at most this early.
    pub renew_before_days: u32,
    /// How often branded webmail hosts are looked up again (also at each SIGHUP).
    pub branded_check_secs: u64,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
pub enum AcmeChallenge {
    /// A token on `http_listen`, or on a web listener the CA reaches on port 80.
    #[default]
    #[serde(rename = "http-01")]
    Http01,
    /// A challenge certificate on any TLS listener the CA reaches on port 443.
    #[serde(rename = "tls-alpn-01")]
    TlsAlpn01,
}

impl Default for AcmeConfig {
    fn default() -> AcmeConfig {
        AcmeConfig {
            directory_url: None,
            contact: None,
            challenge: AcmeChallenge::Http01,
            http_listen: None,
            ca_root: None,
            names: Vec::new(),
            renew_before_days: 30,
            branded_check_secs: 3600,
        }
    }
}

impl AcmeConfig {
    pub fn renew_before(&self) -> Duration {
        Duration::from_secs(u64::from(self.renew_before_days) * 86_400)
    }

    pub fn challenge(&self) -> trekmail_acme::Challenge {
        match self.challenge {
            AcmeChallenge::Http01 => trekmail_acme::Challenge::Http01,
            AcmeChallenge::TlsAlpn01 => trekmail_acme::Challenge::TlsAlpn01,
        }
    }
}

impl Config {
    /// The names of the default certificate: the mail host, webmail's host, `[acme] names`;
    /// lower case, each once, the mail host first.
    pub fn acme_names(&self) -> Vec<String> {
        let public = self.public_endpoints();
        let webmail = public
            .webmail_url
            .split_once("://")
            .map_or(public.webmail_url.as_str(), |(_, rest)| rest)
            .split(['/', ':'])
            .next()
            .unwrap_or_default()
            .to_owned();
        let mut names: Vec<String> = Vec::new();
        for name in [public.mail_host, webmail]
            .into_iter()
            .chain(self.acme.names.iter().cloned())
        {
            let name = name.trim().trim_end_matches('.').to_ascii_lowercase();
            if !name.is_empty() && !names.contains(&name) {
                names.push(name);
            }
        }
        names
    }

    /// Where the ACME account, certificates and status are kept.
    pub fn acme_dir(&self) -> PathBuf {
        self.data_dir.join("acme")
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use crate::config::Config;

    #[test]
    fn names_are_the_mail_host_webmail_and_extras_once_each() {
        let config: Config = toml::from_str(
            "[public]\nmail_host = \"Mail.Example.Test\"\nwebmail_url = \"https://webmail.example.test:8443/\"\n\
             [acme]\nnames = [\"mail.example.test\", \"dash.example.test\"]\nchallenge = \"tls-alpn-01\"\n",
        )
        .unwrap();
        assert_eq!(
            config.acme_names(),
            [
                "mail.example.test",
                "webmail.example.test",
                "dash.example.test"
            ]
        );
        assert_eq!(config.acme.challenge(), trekmail_acme::Challenge::TlsAlpn01);
        let config: Config =
            toml::from_str("[public]\nmail_host = \"mail.example.test\"\n").unwrap();
        assert_eq!(config.acme_names(), ["mail.example.test"]);
        assert!(config.acme.directory_url.is_none());
    }
}
