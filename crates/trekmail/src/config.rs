//! The TOML config `serve` and every operator command read. Every key has a default, so no
//! config at all runs the embedded setup; an unknown key is an error that names it.

use crate::acme_config::AcmeConfig;
use crate::metrics_config::MetricsConfig;
use crate::public_config::{DnsConfig, PublicConfig};
use anyhow::{Context, Result};
use rustls_pki_types::CertificateDer;
use rustls_pki_types::pem::PemObject;
use serde::Deserialize;
use std::path::{Path, PathBuf};
use std::time::Duration;
use trekmail_core::CoreConfig;
use trekmail_core::auth::ThrottlePolicy;
use trekmail_core::domain::{PlanLimits, Plans, host_key};
use trekmail_core::sessions::RegistryTimings;
use trekmail_net::{PlaintextAuth, TrustedProxies};
use trekmail_smtp::{DmarcReject, SenderChecks};

/// The embedded database's file name in the data dir.
pub const DATABASE_FILE: &str = "trekmail.db";

/// The web listeners' default idle timeout: three of the event streams' keep-alives.
const WEB_IDLE_SECS: u64 = 60;

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    /// Where the embedded database, the server key and the TLS certificate live.
    pub data_dir: PathBuf,
    /// After SIGTERM, how long connections have for their closing replies before the process
    /// exits anyway.
    pub shutdown_secs: u64,
    /// Proxies in front of the node whose word on a client's address is taken: the PROXY
    /// protocol v2 header on IMAP and SMTP, `X-Forwarded-For` on the web.
    pub trusted_proxies: TrustedProxies,
    pub database: DatabaseConfig,
    pub tls: TlsConfig,
    pub security: SecurityConfig,
    pub sessions: SessionsConfig,
    pub imap: ImapConfig,
    pub smtp: SmtpConfig,
    pub managesieve: ManageSieveConfig,
    pub plans: PlansConfig,
    pub log: LogConfig,
    pub metrics: MetricsConfig,
    pub dashboard: DashboardConfig,
    pub webmail: WebmailConfig,
    pub public: PublicConfig,
    pub dns: DnsConfig,
    pub acme: AcmeConfig,
}

/// `[plans.starter]`, `[plans.pro]`, `[plans.agency]`: each key overrides one default limit.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct PlansConfig {
    pub starter: PlanOverride,
    pub pro: PlanOverride,
    pub agency: PlanOverride,
}

#[derive(Debug, Clone, Copy, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct PlanOverride {
    pub max_domains: Option<u32>,
    pub max_mailboxes: Option<u32>,
    pub max_storage_mb: Option<u64>,
    pub max_aliases: Option<u32>,
    pub branding: Option<bool>,
}

impl PlanOverride {
    fn over(self, base: PlanLimits) -> PlanLimits {
        PlanLimits {
            max_domains: self.max_domains.unwrap_or(base.max_domains),
            max_mailboxes: self.max_mailboxes.unwrap_or(base.max_mailboxes),
            max_storage_mb: self.max_storage_mb.unwrap_or(base.max_storage_mb),
            max_aliases: self.max_aliases.unwrap_or(base.max_aliases),
            branding: self.branding.unwrap_or(base.branding),
        }
    }
}

impl PlansConfig {
    pub fn plans(&self) -> Plans {
        let base = Plans::default();
        Plans {
            starter: self.starter.over(base.starter),
            pro: self.pro.over(base.pro),
            agency: self.agency.over(base.agency),
        }
    }
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct DatabaseConfig {
    /// `postgres://…` for several nodes on one database; empty for SQLite in the data dir.
    pub url: String,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct TlsConfig {
    /// PEM certificate chain; empty for the self-signed one made on first start.
    pub cert: Option<PathBuf>,
    /// PEM private key of `cert`.
    pub key: Option<PathBuf>,
    /// Host names the self-signed certificate is made for.
    pub self_signed_names: Vec<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SecurityConfig {
    /// The key that seals TOTP secrets; every node on one database needs the same file.
    pub key_file: Option<PathBuf>,
    /// The name authenticator apps show.
    pub issuer: String,
    pub throttle: ThrottlePolicy,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SessionsConfig {
    pub sweep_every_secs: u64,
    pub node_timeout_secs: u64,
    pub web_idle_hours: u64,
    /// A web session ends this long after its sign-in, however busy.
    pub web_absolute_hours: u64,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ImapConfig {
    /// Address of the IMAP listener with STARTTLS (port 143 in production); empty to turn it off.
    pub listen: String,
    /// Address of the implicit-TLS listener (port 993 in production); empty to turn it off.
    pub tls_listen: String,
    /// `loopback`: passwords accepted without TLS from 127.0.0.0/8 and ::1 too; `never`.
    pub plaintext_auth: PlaintextAuth,
    pub max_connections: usize,
    /// Open at once from one network (an IPv4 address or an IPv6 /64).
    pub max_connections_per_ip: usize,
    /// Longest command line outside literals; a longer one ends the connection.
    pub max_line_bytes: u32,
    /// Largest literal (an APPENDed message); a larger one is refused unread.
    pub max_literal_bytes: u32,
    /// Idle clients are logged out after this long (RFC 3501: at least 30 minutes).
    pub autologout_secs: u64,
    /// A connection that has not signed in after this long is closed.
    pub pre_auth_timeout_secs: u64,
    /// Literal bytes (APPENDs) all connections may hold at once; more waits.
    pub max_inflight_mb: u64,
}

impl Default for ImapConfig {
    fn default() -> ImapConfig {
        let options = trekmail_imap::ImapOptions::default();
        ImapConfig {
            listen: "127.0.0.1:1143".to_owned(),
            tls_listen: "127.0.0.1:1993".to_owned(),
            plaintext_auth: PlaintextAuth::Loopback,
            max_connections: options.max_connections,
            max_connections_per_ip: options.max_connections_per_ip,
            max_line_bytes: options.max_line,
            max_literal_bytes: options.max_literal,
            autologout_secs: options.idle_timeout.as_secs(),
            pre_auth_timeout_secs: options.pre_auth_timeout.as_secs(),
            max_inflight_mb: options.max_inflight_bytes / (1024 * 1024),
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ManageSieveConfig {
    /// Address of the ManageSieve listener with STARTTLS (port 4190); empty to turn it off.
    pub listen: String,
    /// `loopback`: passwords accepted without TLS from 127.0.0.0/8 and ::1 too; `never`.
    pub plaintext_auth: PlaintextAuth,
    pub max_connections: usize,
    /// Open at once from one network (an IPv4 address or an IPv6 /64).
    pub max_connections_per_ip: usize,
    /// Longest command line outside literals; a longer one ends the connection.
    pub max_line_bytes: usize,
    /// A signed-in client silent this long is let go.
    pub idle_timeout_secs: u64,
    /// A connection that has not signed in after this long is closed.
    pub pre_auth_timeout_secs: u64,
}

impl Default for ManageSieveConfig {
    fn default() -> ManageSieveConfig {
        let options = trekmail_managesieve::ManageSieveOptions::default();
        ManageSieveConfig {
            listen: "127.0.0.1:4190".to_owned(),
            plaintext_auth: PlaintextAuth::Loopback,
            max_connections: options.max_connections,
            max_connections_per_ip: options.max_connections_per_ip,
            max_line_bytes: options.max_line,
            idle_timeout_secs: options.idle_timeout.as_secs(),
            pre_auth_timeout_secs: options.pre_auth_timeout.as_secs(),
        }
    }
}

impl ManageSieveConfig {
    /// The listener's options; `trusted_proxies` is the top-level key, shared by every channel.
    pub fn options(
        &self,
        trusted_proxies: &TrustedProxies,
    ) -> trekmail_managesieve::ManageSieveOptions {
        trekmail_managesieve::ManageSieveOptions {
            trusted_proxies: trusted_proxies.clone(),
            plaintext_auth: self.plaintext_auth,
            max_connections: self.max_connections.max(1),
            max_connections_per_ip: self.max_connections_per_ip.max(1),
            idle_timeout: Duration::from_secs(self.idle_timeout_secs.max(1)),
            pre_auth_timeout: Duration::from_secs(self.pre_auth_timeout_secs.max(1)),
            max_line: self.max_line_bytes.max(1024),
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SmtpConfig {
    /// Submission with STARTTLS (port 587 in production); empty to turn it off.
    pub submission_listen: String,
    /// Submission over implicit TLS (port 465 in production); empty to turn it off.
    pub submissions_listen: String,
    /// Inbound mail for the hosted domains (port 25 in production); empty to turn it off.
    pub inbound_listen: String,
    /// The name in greetings, `Received:` lines and bounces.
    pub hostname: String,
    /// `loopback`: AUTH offered without TLS from 127.0.0.0/8 and ::1 too; `never`.
    pub plaintext_auth: PlaintextAuth,
    pub max_message_mb: usize,
    pub max_recipients: usize,
    pub max_connections: usize,
    /// Open at once from one network (an IPv4 address or an IPv6 /64).
    pub max_connections_per_ip: usize,
    /// A quiet client is let go after this; RFC 5321 asks for at least 300.
    pub idle_timeout_secs: u64,
    /// A submission connection not signed in by then is let go.
    pub pre_auth_timeout_secs: u64,
    /// `host:port` all outbound mail goes through; empty to look up each domain's MX.
    pub relay: String,
    /// The relay's login (AUTH PLAIN), sent only inside TLS whose certificate checks out.
    pub relay_user: String,
    pub relay_password: Secret,
    /// A PEM file of CA certificates trusted for the relay beside the Web PKI roots.
    pub relay_ca_file: Option<PathBuf>,
    /// STARTTLS towards other servers: `opportunistic` (when offered), `required` or `off`.
    pub outbound_tls: String,
    /// The wait after the first failed delivery attempt; each later one doubles it.
    pub retry_first_secs: u64,
    pub retry_max_secs: u64,
    /// After this long in the queue a message is bounced to its sender.
    pub give_up_secs: u64,
    /// Bounces to one envelope sender per hour, counted across nodes; more are dropped.
    pub max_bounces_per_sender_hour: u32,
    /// SPF, DKIM, ARC and DMARC checks on mail from other servers, with an
    /// Authentication-Results header on every delivered copy.
    pub sender_checks: bool,
    /// What a message failing a DMARC policy of `p=reject` gets: "refuse" (`550 5.7.1`),
    /// "junk" (delivered into Junk) or "mark" (delivered, marked in its header).
    pub dmarc_reject: DmarcRejectConfig,
}

/// `[smtp] dmarc_reject`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum DmarcRejectConfig {
    Refuse,
    Junk,
    Mark,
}

impl Default for SmtpConfig {
    fn default() -> SmtpConfig {
        let queue = trekmail_smtp::QueuePolicy::default();
        let options = trekmail_smtp::SmtpOptions::default();
        SmtpConfig {
            submission_listen: "127.0.0.1:1587".to_owned(),
            submissions_listen: "127.0.0.1:1465".to_owned(),
            inbound_listen: "127.0.0.1:1025".to_owned(),
            hostname: "localhost".to_owned(),
            plaintext_auth: PlaintextAuth::Loopback,
            max_message_mb: 25,
            max_recipients: 100,
            max_connections: 10_000,
            max_connections_per_ip: trekmail_smtp::SmtpOptions::default().max_connections_per_ip,
            idle_timeout_secs: 300,
            pre_auth_timeout_secs: 60,
            relay: String::new(),
            relay_user: String::new(),
            relay_password: Secret::default(),
            relay_ca_file: None,
            outbound_tls: "opportunistic".to_owned(),
            retry_first_secs: queue.retry_first.as_secs(),
            retry_max_secs: queue.retry_max.as_secs(),
            give_up_secs: queue.give_up.as_secs(),
            max_bounces_per_sender_hour: options.max_bounces_per_sender_hour,
            sender_checks: true,
            dmarc_reject: DmarcRejectConfig::Refuse,
        }
    }
}

impl SmtpConfig {
    pub fn options(&self) -> trekmail_smtp::SmtpOptions {
        trekmail_smtp::SmtpOptions {
            hostname: self.hostname.clone(),
            plaintext_auth: self.plaintext_auth,
            max_message_bytes: self.max_message_mb.max(1).saturating_mul(1024 * 1024),
            max_recipients: self.max_recipients.max(1),
            max_connections: self.max_connections.max(1),
            max_connections_per_ip: self.max_connections_per_ip.max(1),
            idle_timeout: Duration::from_secs(self.idle_timeout_secs.max(1)),
            pre_auth_timeout: Duration::from_secs(self.pre_auth_timeout_secs.max(1)),
            max_bounces_per_sender_hour: self.max_bounces_per_sender_hour,
            sender_checks: match (self.sender_checks, self.dmarc_reject) {
                (false, _) => SenderChecks::Off,
                (true, DmarcRejectConfig::Refuse) => SenderChecks::On(DmarcReject::Refuse),
                (true, DmarcRejectConfig::Junk) => SenderChecks::On(DmarcReject::Junk),
                (true, DmarcRejectConfig::Mark) => SenderChecks::On(DmarcReject::Mark),
            },
            ..trekmail_smtp::SmtpOptions::default()
        }
    }

    /// The queue's policy; reads the relay's CA file.
    pub fn queue(&self) -> Result<trekmail_smtp::QueuePolicy> {
        let relay_roots = match &self.relay_ca_file {
            Some(path) => CertificateDer::pem_file_iter(path)
                .and_then(|certs| certs.collect::<Result<Vec<_>, _>>())
                .with_context(|| {
                    format!(
                        "smtp.relay_ca_file: cannot read certificates from {}",
                        path.display()
                    )
                })?,
            None => Vec::new(),
        };
        Ok(trekmail_smtp::QueuePolicy {
            relay: Some(self.relay.clone()).filter(|r| !r.is_empty()),
            retry_first: Duration::from_secs(self.retry_first_secs.max(1)),
            retry_max: Duration::from_secs(self.retry_max_secs.max(1)),
            give_up: Duration::from_secs(self.give_up_secs),
            tls: match self.outbound_tls.as_str() {
                "off" => trekmail_smtp::OutboundTls::Off,
                "required" => trekmail_smtp::OutboundTls::Required,
                _ => trekmail_smtp::OutboundTls::Opportunistic,
            },
            relay_login: Some(trekmail_smtp::RelayLogin {
                user: self.relay_user.clone(),
                password: self.relay_password.0.clone(),
            })
            .filter(|login| !login.user.is_empty()),
            relay_roots,
        })
    }
}

/// A password in the config: read like a string, never printed.
#[derive(Clone, Default, Deserialize)]
#[serde(transparent)]
pub struct Secret(String);

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret(..)")
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct LogConfig {
    /// A tracing filter such as `info` or `trekmail=debug,info`; RUST_LOG wins when set.
    pub level: String,
    pub format: LogFormat,
}

/// `[log] format`: lines for people, or one JSON object a line for log shippers.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    #[default]
    Text,
    Json,
}

impl Default for Config {
    fn default() -> Config {
        Config {
            data_dir: PathBuf::from("./trekmail-data"),
            shutdown_secs: 10,
            trusted_proxies: TrustedProxies::default(),
            database: DatabaseConfig::default(),
            tls: TlsConfig::default(),
            security: SecurityConfig::default(),
            sessions: SessionsConfig::default(),
            imap: ImapConfig::default(),
            smtp: SmtpConfig::default(),
            managesieve: ManageSieveConfig::default(),
            plans: PlansConfig::default(),
            log: LogConfig::default(),
            metrics: MetricsConfig::default(),
            dashboard: DashboardConfig::default(),
            webmail: WebmailConfig::default(),
            public: PublicConfig::default(),
            dns: DnsConfig::default(),
            acme: AcmeConfig::default(),
        }
    }
}

impl Default for SecurityConfig {
    fn default() -> SecurityConfig {
        SecurityConfig {
            key_file: None,
            issuer: "TrekMail".to_owned(),
            throttle: ThrottlePolicy::default(),
        }
    }
}

impl Default for SessionsConfig {
    fn default() -> SessionsConfig {
        let t = RegistryTimings::default();
        SessionsConfig {
            sweep_every_secs: t.sweep_every.as_secs(),
            node_timeout_secs: t.node_timeout.as_secs(),
            web_idle_hours: t.web_idle.as_secs() / 3600,
            web_absolute_hours: t.web_absolute.as_secs() / 3600,
        }
    }
}

impl Default for LogConfig {
    fn default() -> LogConfig {
        LogConfig {
            level: "info".to_owned(),
            format: LogFormat::Text,
        }
    }
}

impl Config {
    /// Reads `path`, or the defaults when there is none.
    pub fn load(path: Option<&Path>) -> Result<Config> {
        let Some(path) = path else {
            return Ok(Config::default());
        };
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("cannot read config {}", path.display()))?;
        let config: Config = toml::from_str(&text).map_err(|e| {
            anyhow::anyhow!(
                "config {}: {}",
                path.display(),
                e.to_string().replace('\n', " ").trim()
            )
        })?;
        config.check()?;
        Ok(config)
    }

    fn check(&self) -> Result<()> {
        if self.sessions.sweep_every_secs == 0 {
            anyhow::bail!("sessions.sweep_every_secs must be at least 1");
        }
        if self.sessions.node_timeout_secs <= self.sessions.sweep_every_secs * 2 {
            anyhow::bail!(
                "sessions.node_timeout_secs must be more than twice sessions.sweep_every_secs"
            );
        }
        if !matches!(
            self.smtp.outbound_tls.as_str(),
            "opportunistic" | "required" | "off"
        ) {
            anyhow::bail!("smtp.outbound_tls must be \"opportunistic\", \"required\" or \"off\"");
        }
        if self.smtp.relay_user.is_empty() != self.smtp.relay_password.0.is_empty() {
            anyhow::bail!(
                "smtp.relay_user and smtp.relay_password go together: set both or neither"
            );
        }
        if !self.smtp.relay_user.is_empty() && self.smtp.relay.is_empty() {
            anyhow::bail!("smtp.relay_user needs smtp.relay: credentials are for a relay only");
        }
        if self.tls.cert.is_some() != self.tls.key.is_some() {
            anyhow::bail!("tls.cert and tls.key go together: set both or neither");
        }
        if !self.database.url.is_empty()
            && !self.database.url.starts_with("postgres://")
            && !self.database.url.starts_with("postgresql://")
            && !self.database.url.starts_with("sqlite:")
        {
            anyhow::bail!("database.url must start with postgres:// or sqlite:");
        }
        Ok(())
    }

    /// The database URL, SQLite in the data dir by default.
    /// The SQLite database in the data dir, when `[database] url` is empty.
    pub fn database_url(&self) -> String {
        if self.database.url.is_empty() {
            format!(
                "sqlite://{}?mode=rwc",
                self.data_dir.join(DATABASE_FILE).display()
            )
        } else {
            self.database.url.clone()
        }
    }

    pub fn is_postgres(&self) -> bool {
        self.database_url().starts_with("postgres")
    }

    pub fn key_file(&self) -> PathBuf {
        self.security
            .key_file
            .clone()
            .unwrap_or_else(|| self.data_dir.join("server.key"))
    }

    /// Where operator commands reach a running embedded server.
    pub fn socket_path(&self) -> PathBuf {
        self.data_dir.join("trekmail.sock")
    }

    pub fn core_config(&self) -> CoreConfig {
        CoreConfig {
            plans: self.plans.plans(),
            throttle: self.security.throttle,
            timings: RegistryTimings {
                sweep_every: Duration::from_secs(self.sessions.sweep_every_secs),
                node_timeout: Duration::from_secs(self.sessions.node_timeout_secs),
                web_idle: Duration::from_secs(self.sessions.web_idle_hours.max(1) * 3600),
                web_absolute: Duration::from_secs(self.sessions.web_absolute_hours.max(1) * 3600),
                ..RegistryTimings::default()
            },
            issuer: self.security.issuer.clone(),
            reserved_hosts: self.reserved_hosts(),
            public: self.public_endpoints(),
            nameserver: self.dns.nameserver,
            metrics: self.metrics.enabled,
        }
    }

    /// Every host name that is the operator's own, in [`host_key`] form.
    fn reserved_hosts(&self) -> Vec<String> {
        let mut hosts: Vec<String> = self
            .webmail
            .reserved_hosts
            .iter()
            .chain(&self.tls.self_signed_names)
            .chain(std::iter::once(&self.smtp.hostname))
            .map(|h| host_key(h))
            .filter(|h| !h.is_empty())
            .collect();
        hosts.sort();
        hosts.dedup();
        hosts
    }
}

impl ImapConfig {
    /// The listener's options; `trusted_proxies` is the top-level key, shared by every channel.
    pub fn options(&self, trusted_proxies: &TrustedProxies) -> trekmail_imap::ImapOptions {
        trekmail_imap::ImapOptions {
            trusted_proxies: trusted_proxies.clone(),
            plaintext_auth: self.plaintext_auth,
            max_connections: self.max_connections.max(1),
            max_connections_per_ip: self.max_connections_per_ip.max(1),
            idle_timeout: Duration::from_secs(self.autologout_secs.max(1)),
            pre_auth_timeout: Duration::from_secs(self.pre_auth_timeout_secs.max(1)),
            max_line: self.max_line_bytes.max(1024),
            max_literal: self.max_literal_bytes,
            max_inflight_bytes: self.max_inflight_mb.saturating_mul(1024 * 1024),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_keys_are_named() {
        let err = toml::from_str::<Config>("[database]\nurll = \"x\"\n").unwrap_err();
        assert!(err.to_string().contains("urll"), "{err}");
    }

    #[test]
    fn managesieve_options_come_from_config() {
        let c: Config =
            toml::from_str("[managesieve]\nlisten = \"\"\nplaintext_auth = \"never\"\n").unwrap();
        assert!(c.check().is_ok());
        assert!(c.managesieve.listen.is_empty());
        let options = c.managesieve.options(&TrustedProxies::default());
        assert_eq!(
            options.plaintext_auth,
            trekmail_managesieve::PlaintextAuth::Never
        );
        let refused = toml::from_str::<Config>("[managesieve]\nplaintext_auth = \"always\"\n");
        assert!(refused.unwrap_err().to_string().contains("loopback"));
        assert_eq!(Config::default().managesieve.listen, "127.0.0.1:4190");
    }

    #[test]
    fn plan_limits_come_from_config() {
        let c: Config = toml::from_str("[plans.starter]\nmax_mailboxes = 3\n").unwrap();
        let plans = c.plans.plans();
        assert_eq!(plans.starter.max_mailboxes, 3);
        assert_eq!(
            plans.starter.max_domains,
            Plans::default().starter.max_domains
        );
        assert_eq!(plans.pro, Plans::default().pro);
    }

    #[test]
    fn default_database_is_sqlite_in_the_data_dir() {
        let c = Config::default();
        assert_eq!(
            c.database_url(),
            "sqlite://./trekmail-data/trekmail.db?mode=rwc"
        );
        assert!(!c.is_postgres());
    }

    #[test]
    fn the_operators_own_hosts_are_reserved_in_one_form() {
        let c: Config = toml::from_str(
            "[webmail]\nreserved_hosts = [\"Mail.Example.COM.\", \"dash.example.com\"]\n\
             [tls]\nself_signed_names = [\"mail.example.com\", \"localhost\"]\n\
             [smtp]\nhostname = \"MX.example.com\"\n",
        )
        .unwrap();
        assert_eq!(
            c.core_config().reserved_hosts,
            [
                "dash.example.com",
                "localhost",
                "mail.example.com",
                "mx.example.com"
            ]
        );
        assert_eq!(
            Config::default().core_config().reserved_hosts,
            ["localhost"]
        );
    }
}

/// The web listeners' default connection caps.
fn web_limits() -> trekmail_net::Limits {
    trekmail_web::WebOptions::default().limits
}

/// `[dashboard]`: the account owners' pages and JSON API.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct DashboardConfig {
    /// Address of the dashboard's HTTP listener; empty to turn it off.
    pub listen: String,
    /// Serves HTTPS on the node's certificate (`[tls]`); cookies are then `Secure`.
    pub tls: bool,
    /// Marks cookies `Secure` without `tls`: for HTTPS through a TLS-terminating proxy.
    pub secure_cookies: bool,
    /// TCP connections open at once (counted by the TCP peer: behind a proxy, the proxy).
    pub max_connections: usize,
    /// Open at once from one network (an IPv4 address or an IPv6 /64).
    pub max_connections_per_ip: usize,
    /// A connection with no bytes either way for this long is closed (pages' event streams
    /// send a keep-alive every 20 s).
    pub idle_timeout_secs: u64,
}

impl Default for DashboardConfig {
    fn default() -> DashboardConfig {
        DashboardConfig {
            listen: "127.0.0.1:8080".to_owned(),
            tls: false,
            secure_cookies: false,
            max_connections: web_limits().max_connections,
            max_connections_per_ip: web_limits().max_per_ip,
            idle_timeout_secs: WEB_IDLE_SECS,
        }
    }
}

/// `[webmail]`: the mailbox owners' pages, on their own listener (and, per account, their own
/// branded host name pointing at it).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct WebmailConfig {
    /// Address of the webmail's HTTP listener; empty to turn it off.
    pub listen: String,
    /// Serves HTTPS on the node's certificate (`[tls]`); cookies are then `Secure`.
    pub tls: bool,
    /// Marks cookies `Secure` without `tls`: for HTTPS through a TLS-terminating proxy.
    pub secure_cookies: bool,
    /// TCP connections open at once (counted by the TCP peer: behind a proxy, the proxy).
    pub max_connections: usize,
    /// Open at once from one network (an IPv4 address or an IPv6 /64).
    pub max_connections_per_ip: usize,
    /// A connection with no bytes either way for this long is closed (pages' event streams
    /// send a keep-alive every 20 s).
    pub idle_timeout_secs: u64,
    /// The operator's own host names (the shared webmail's, the dashboard's), which no
    /// account may brand; `tls.self_signed_names` and `smtp.hostname` are reserved as well.
    pub reserved_hosts: Vec<String>,
}

impl Default for WebmailConfig {
    fn default() -> WebmailConfig {
        WebmailConfig {
            listen: "127.0.0.1:8081".to_owned(),
            tls: false,
            secure_cookies: false,
            max_connections: web_limits().max_connections,
            max_connections_per_ip: web_limits().max_per_ip,
            idle_timeout_secs: WEB_IDLE_SECS,
            reserved_hosts: vec!["localhost".to_owned()],
        }
    }
}
