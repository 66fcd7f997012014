/// Where mail apps and other servers reach this server: the names and ports the world uses,
/// which behind NAT or a proxy differ from the addresses the listeners bind. The Domains
/// page's records and the mail-app autoconfiguration both read it, so neither ever shows a
/// loopback address. A port is `None` when its service is off.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublicEndpoints {
    /// The mail host: the MX target and the IMAP and SMTP server name.
    pub mail_host: String,
    /// Webmail's address, e.g. `https://mail.example.com`.
    pub webmail_url: String,
    /// IMAP over TLS (993).
    pub imaps: Option<u16>,
    /// IMAP with STARTTLS (143).
    pub imap: Option<u16>,
    /// Submission over TLS (465, RFC 8314).
    pub submissions: Option<u16>,
    /// Submission with STARTTLS (587).
    pub submission: Option<u16>,
    /// ManageSieve (4190).
    pub managesieve: Option<u16>,
}

impl Default for PublicEndpoints {
    fn default() -> PublicEndpoints {
        PublicEndpoints {
            mail_host: "localhost".to_owned(),
            webmail_url: "https://localhost".to_owned(),
            imaps: Some(993),
            imap: Some(143),
            submissions: Some(465),
            submission: Some(587),
            managesieve: Some(4190),
        }
    }
}
