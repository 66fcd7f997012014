//! One DNS resolver for every look-up the mail side makes: the MX of a recipient's domain, the
//! SPF, DKIM and DMARC records on arrival, and the Domains page's "Check DNS". The config may
//! name the server to ask (tests run one on loopback); otherwise the system's is used.

use crate::AuthError;
use mail_auth::MessageAuthenticator;
use mail_auth::hickory_resolver::config::{
    ConnectionConfig, NameServerConfig, ResolverConfig, ResolverOpts,
};
use mail_auth::hickory_resolver::proto::rr::{RData, RecordType as WireType};
use std::fmt;
use std::net::SocketAddr;
use std::time::Duration;

/// The kinds of record TrekMail publishes or reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RecordType {
    Mx,
    Txt,
    Srv,
    Cname,
}

impl RecordType {
    fn wire(self) -> WireType {
        match self {
            RecordType::Mx => WireType::MX,
            RecordType::Txt => WireType::TXT,
            RecordType::Srv => WireType::SRV,
            RecordType::Cname => WireType::CNAME,
        }
    }
}

impl fmt::Display for RecordType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            RecordType::Mx => "MX",
            RecordType::Txt => "TXT",
            RecordType::Srv => "SRV",
            RecordType::Cname => "CNAME",
        })
    }
}

/// What a look-up found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Answer {
    /// The records, in presentation form without the final dot: TXT strings joined, MX as
    /// `preference host`, SRV as `priority weight port target`, CNAME as its target.
    Records(Vec<String>),
    /// The name does not exist or has no record of the type.
    None,
    /// The server could not be asked or did not answer.
    Failed(String),
}

/// The resolver, shared by the checks on arrival and the queue's MX look-ups.
pub struct Dns {
    authenticator: MessageAuthenticator,
}

impl Dns {
    /// A resolver asking `nameserver` (over UDP, then TCP for long answers), or the system's
    /// configured servers when `None`.
    pub fn new(nameserver: Option<SocketAddr>) -> Result<Dns, AuthError> {
        let authenticator = match nameserver {
            None => MessageAuthenticator::new_system_conf(),
            Some(addr) => {
                let connections = [ConnectionConfig::udp(), ConnectionConfig::tcp()]
                    .into_iter()
                    .map(|mut c| {
                        c.port = addr.port();
                        c
                    })
                    .collect();
                let server = NameServerConfig::new(addr.ip(), true, connections);
                let mut options = ResolverOpts::default();
                options.timeout = Duration::from_secs(2);
                options.attempts = 1;
                MessageAuthenticator::new(ResolverConfig::from_name_servers(vec![server]), options)
            }
        }
        .map_err(|e| AuthError::Resolver(e.to_string()))?;
        Ok(Dns { authenticator })
    }

    pub(crate) fn authenticator(&self) -> &MessageAuthenticator {
        &self.authenticator
    }

    /// The records of `kind` at `name` (a fully qualified name; the final dot is added).
    pub async fn lookup(&self, name: &str, kind: RecordType) -> Answer {
        let fqdn = format!("{}.", name.trim_end_matches('.'));
        match self
            .authenticator
            .resolver()
            .lookup(fqdn, kind.wire())
            .await
        {
            Ok(lookup) => {
                let found: Vec<String> = lookup
                    .answers()
                    .iter()
                    .filter_map(|record| presentation(&record.data, kind))
                    .collect();
                if found.is_empty() {
                    Answer::None
                } else {
                    Answer::Records(found)
                }
            }
            Err(e) if e.is_no_records_found() || e.is_nx_domain() => Answer::None,
            Err(e) => Answer::Failed(e.to_string()),
        }
    }
}

impl Dns {
    /// The A and AAAA records of `name`, as addresses in text: whether a host points here.
    pub async fn addresses(&self, name: &str) -> Answer {
        let fqdn = format!("{}.", name.trim_end_matches('.'));
        match self.authenticator.resolver().lookup_ip(fqdn).await {
            Ok(found) => {
                let found: Vec<String> = found.iter().map(|ip| ip.to_string()).collect();
                match found.is_empty() {
                    true => Answer::None,
                    false => Answer::Records(found),
                }
            }
            Err(e) if e.is_no_records_found() || e.is_nx_domain() => Answer::None,
            Err(e) => Answer::Failed(e.to_string()),
        }
    }
}

/// One record's data as [`Answer::Records`] shows it; `None` for records of another type
/// (a CNAME met while asking for TXT).
fn presentation(data: &RData, kind: RecordType) -> Option<String> {
    let host = |name: &mail_auth::hickory_resolver::proto::rr::Name| {
        name.to_ascii().trim_end_matches('.').to_ascii_lowercase()
    };
    match (data, kind) {
        (RData::TXT(txt), RecordType::Txt) => Some(
            txt.txt_data
                .iter()
                .map(|part| String::from_utf8_lossy(part).into_owned())
                .collect(),
        ),
        (RData::MX(mx), RecordType::Mx) => {
            Some(format!("{} {}", mx.preference, host(&mx.exchange)))
        }
        (RData::SRV(srv), RecordType::Srv) => Some(format!(
            "{} {} {} {}",
            srv.priority,
            srv.weight,
            srv.port,
            host(&srv.target)
        )),
        (RData::CNAME(cname), RecordType::Cname) => Some(host(&cname.0)),
        _ => None,
    }
}
