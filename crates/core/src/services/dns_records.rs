//! The DNS records a hosted domain publishes, built from `[public]` and its DKIM keys, and
//! "Check DNS": each looked up and compared with what it should be.

use super::Scope;
use crate::Core;
use crate::domain::{DkimKey, PublicEndpoints};
use crate::error::CoreError;
use crate::ids::DomainId;
use std::sync::Arc;
use tokio::task::JoinSet;
use trekmail_mailauth::dns::{Answer, Dns, RecordType};

/// The SPF policy published: mail for the domain is sent by its MX host, and by no one else.
const SPF: &str = "v=spf1 mx -all";
/// The DMARC policy suggested: unaligned mail goes to junk; the owner may tighten it.
const DMARC: &str = "v=DMARC1; p=quarantine";

/// One record to publish.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DnsRecord {
    /// The owner name, fully qualified, without the final dot.
    pub name: String,
    pub kind: RecordType,
    pub value: String,
    /// What it is for, in a few words.
    pub purpose: String,
}

/// What "Check DNS" found for a record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RecordState {
    Present,
    Missing,
    /// Records of the same kind and purpose that differ from the one to publish.
    Different(Vec<String>),
    /// The look-up failed; the reason.
    Unknown(String),
}

impl Core {
    /// The records `domain` should publish.
    pub async fn dns_records(
        &self,
        scope: Scope,
        domain: DomainId,
    ) -> Result<Vec<DnsRecord>, CoreError> {
        let domain = self.domain_by_id(scope, domain).await?;
        let keys = self.dkim_keys(scope, domain.id).await?;
        Ok(records(&domain.name, self.public_endpoints(), &keys))
    }

    /// Each of `domain`'s records with what DNS answers for it, looked up at once.
    pub async fn check_dns(
        &self,
        scope: Scope,
        domain: DomainId,
    ) -> Result<Vec<(DnsRecord, RecordState)>, CoreError> {
        let records = self.dns_records(scope, domain).await?;
        let dns = self.dns()?.clone();
        let mut lookups: JoinSet<(usize, RecordState)> = JoinSet::new();
        for (at, record) in records.iter().enumerate() {
            let (dns, record) = (Arc::clone(&dns), record.clone());
            lookups.spawn(async move { (at, check(&dns, &record).await) });
        }
        let mut states = vec![RecordState::Unknown("not looked up".to_owned()); records.len()];
        while let Some(done) = lookups.join_next().await {
            let (at, state) = done.map_err(|e| CoreError::Internal(e.to_string()))?;
            states[at] = state;
        }
        Ok(records.into_iter().zip(states).collect())
    }
}

/// The records for `domain` on these endpoints, with every key still published.
fn records(domain: &str, public: &PublicEndpoints, keys: &[DkimKey]) -> Vec<DnsRecord> {
    let host = public.mail_host.as_str();
    let record = |name: String, kind, value: String, purpose: &str| DnsRecord {
        name,
        kind,
        value,
        purpose: purpose.to_owned(),
    };
    let mut out = vec![
        record(
            domain.to_owned(),
            RecordType::Mx,
            format!("10 {host}"),
            "Mail for the domain comes here",
        ),
        record(
            domain.to_owned(),
            RecordType::Txt,
            SPF.to_owned(),
            "SPF: the servers that may send as the domain",
        ),
    ];
    for key in keys {
        let purpose = if key.signing {
            format!("DKIM key ({}) that signs outgoing mail", key.algorithm)
        } else {
            format!(
                "DKIM key ({}) rotated out: keep until it is retired",
                key.algorithm
            )
        };
        out.push(record(
            key.record_name(domain),
            RecordType::Txt,
            key.record_value(),
            &purpose,
        ));
    }
    out.push(record(
        format!("_dmarc.{domain}"),
        RecordType::Txt,
        DMARC.to_owned(),
        "DMARC: what receivers do with mail that fails SPF and DKIM",
    ));
    let services = [
        (
            "_imaps._tcp",
            public.imaps,
            "IMAP over TLS, for mail apps (RFC 6186, 8314)",
        ),
        (
            "_imap._tcp",
            public.imap,
            "IMAP with STARTTLS, for mail apps (RFC 6186)",
        ),
        (
            "_submissions._tcp",
            public.submissions,
            "Sending over TLS, for mail apps (RFC 8314)",
        ),
        (
            "_submission._tcp",
            public.submission,
            "Sending with STARTTLS, for mail apps (RFC 6186)",
        ),
        (
            "_sieve._tcp",
            public.managesieve,
            "ManageSieve, for filter editors (RFC 5804)",
        ),
    ];
    for (service, port, purpose) in services {
        if let Some(port) = port {
            out.push(record(
                format!("{service}.{domain}"),
                RecordType::Srv,
                format!("0 1 {port} {host}"),
                purpose,
            ));
        }
    }
    out.push(record(
        format!("autoconfig.{domain}"),
        RecordType::Cname,
        host.to_owned(),
        "Thunderbird's automatic set-up",
    ));
    out.push(record(
        format!("autodiscover.{domain}"),
        RecordType::Cname,
        host.to_owned(),
        "Outlook's automatic set-up",
    ));
    out
}

/// Looks `record` up and compares.
async fn check(dns: &Dns, record: &DnsRecord) -> RecordState {
    let found = match dns.lookup(&record.name, record.kind).await {
        Answer::Records(found) => found,
        Answer::None => return RecordState::Missing,
        Answer::Failed(why) => return RecordState::Unknown(why),
    };
    compare(record, &found)
}

/// `record` against the values DNS holds at its name: present when one matches, different
/// when only others of its kind and purpose are there (another SPF policy, an old key),
/// missing when none are (a TXT name holds unrelated records too).
fn compare(record: &DnsRecord, found: &[String]) -> RecordState {
    let wanted = comparable(record.kind, &record.value);
    let rivals = family(record.kind, &record.value);
    let same_family: Vec<&String> = found
        .iter()
        .filter(|value| family(record.kind, value) == rivals)
        .collect();
    if same_family
        .iter()
        .any(|value| comparable(record.kind, value) == wanted)
    {
        RecordState::Present
    } else if same_family.is_empty() {
        RecordState::Missing
    } else {
        RecordState::Different(same_family.into_iter().cloned().collect())
    }
}

/// What two values of one record must share to count as the same: for TXT the text without
/// spaces (a DKIM key's base64 keeps its case); for MX, SRV and CNAME the host (and port),
/// since priorities and weights are the owner's choice.
fn comparable(kind: RecordType, value: &str) -> String {
    let words: Vec<&str> = value.split_whitespace().collect();
    match kind {
        RecordType::Txt => {
            let text: String = words.concat();
            let text = text.trim_end_matches(';');
            if text.to_ascii_lowercase().starts_with("v=dkim1") {
                text.to_owned()
            } else {
                text.to_ascii_lowercase()
            }
        }
        RecordType::Mx => words
            .last()
            .copied()
            .unwrap_or_default()
            .to_ascii_lowercase(),
        RecordType::Srv => words[words.len().saturating_sub(2)..]
            .join(" ")
            .to_ascii_lowercase(),
        RecordType::Cname => value.trim().trim_end_matches('.').to_ascii_lowercase(),
    }
}

/// Which records at a name are rivals of this one: TXT records by their first tag
/// (`v=spf1`, `v=DKIM1`, `v=DMARC1`); every record of the other kinds.
fn family(kind: RecordType, value: &str) -> String {
    match kind {
        RecordType::Txt => value
            .split([' ', ';'])
            .next()
            .unwrap_or_default()
            .to_ascii_lowercase(),
        _ => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn txt(value: &str) -> DnsRecord {
        DnsRecord {
            name: "example.com".into(),
            kind: RecordType::Txt,
            value: value.into(),
            purpose: String::new(),
        }
    }

    #[test]
    fn spf_is_found_among_other_txt_records() {
        let spf = txt(SPF);
        let found = [
            "google-site-verification=abc".to_owned(),
            "v=spf1  MX -all".to_owned(),
        ];
        assert_eq!(compare(&spf, &found), RecordState::Present);
        let other = ["v=spf1 include:_spf.example.net ~all".to_owned()];
        assert_eq!(
            compare(&spf, &other),
            RecordState::Different(other.to_vec())
        );
        assert_eq!(compare(&spf, &found[..1]), RecordState::Missing);
    }

    #[test]
    fn a_dkim_key_matches_only_with_its_own_base64() {
        let key = txt("v=DKIM1; k=ed25519; p=AbC=");
        assert_eq!(
            compare(&key, &["v=DKIM1;k=ed25519;p=AbC=".to_owned()]),
            RecordState::Present
        );
        assert!(matches!(
            compare(&key, &["v=DKIM1; k=ed25519; p=abc=".to_owned()]),
            RecordState::Different(_)
        ));
    }

    #[test]
    fn mx_and_srv_compare_hosts_and_ports_not_preferences() {
        let mx = DnsRecord {
            kind: RecordType::Mx,
            value: "10 mx.example.com".into(),
            ..txt("")
        };
        assert_eq!(
            compare(&mx, &["20 MX.example.com".to_owned()]),
            RecordState::Present
        );
        assert!(matches!(
            compare(&mx, &["10 other.example".to_owned()]),
            RecordState::Different(_)
        ));
        let srv = DnsRecord {
            kind: RecordType::Srv,
            value: "0 1 993 mx.example.com".into(),
            ..txt("")
        };
        assert_eq!(
            compare(&srv, &["5 0 993 mx.example.com".to_owned()]),
            RecordState::Present
        );
        assert!(matches!(
            compare(&srv, &["0 1 143 mx.example.com".to_owned()]),
            RecordState::Different(_)
        ));
    }

    #[test]
    fn records_follow_the_public_endpoints() {
        let public = PublicEndpoints {
            mail_host: "mx.example.net".into(),
            imap: None,
            ..PublicEndpoints::default()
        };
        let all = records("example.com", &public, &[]);
        let names: Vec<&str> = all.iter().map(|r| r.name.as_str()).collect();
        assert!(names.contains(&"_imaps._tcp.example.com"));
        assert!(!names.contains(&"_imap._tcp.example.com"));
        assert!(
            all.iter()
                .all(|r| !r.value.contains("127.0.0.1") && !r.value.contains("localhost"))
        );
        assert_eq!(all[0].value, "10 mx.example.net");
    }
}
