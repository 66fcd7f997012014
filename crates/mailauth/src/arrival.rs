//! The checks a message from another server meets on arrival: SPF for the envelope sender,
//! DKIM signatures, an ARC chain, and the DMARC policy of the `From:` domain; their results
//! as one Authentication-Results header (RFC 8601) for the delivered copy.

use crate::dns::Dns;
use mail_auth::common::headers::HeaderWriter;
use mail_auth::dmarc::Policy;
use mail_auth::dmarc::verify::DmarcParameters;
use mail_auth::spf::verify::SpfParameters;
use mail_auth::{AuthenticatedMessage, AuthenticationResults, DmarcResult};
use std::net::IpAddr;

/// One SMTP transaction's facts the checks read.
pub struct Arrival<'a> {
    pub remote_ip: IpAddr,
    /// The EHLO/HELO name.
    pub helo: &'a str,
    /// The envelope sender; empty for a bounce.
    pub mail_from: &'a str,
    /// This server's name: the authserv-id of the header and SPF's receiving host.
    pub hostname: &'a str,
}

/// What the `From:` domain's DMARC policy asks of a message that failed it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DmarcFailure {
    /// `p=none` (or no policy): deliver, marked.
    Monitor,
    Quarantine,
    Reject,
}

/// The checks' outcome.
#[derive(Debug, Clone)]
pub struct Verdict {
    /// The `Authentication-Results:` field, folded, ending in CRLF.
    pub header: String,
    /// The DMARC verdict when the message failed a published policy; `None` when it passed or
    /// its domain publishes none.
    pub dmarc_failure: Option<DmarcFailure>,
}

/// Runs every check on `message` as it arrived in `arrival`.
pub async fn check(dns: &Dns, arrival: &Arrival<'_>, message: &[u8]) -> Verdict {
    let authenticator = dns.authenticator();
    let helo = if arrival.helo.is_empty() {
        "unknown"
    } else {
        arrival.helo
    };
    // A bounce has no sender: SPF then checks the HELO name's postmaster (RFC 7208 §2.4).
    let spf = if arrival.mail_from.is_empty() {
        authenticator
            .verify_spf(SpfParameters::verify_ehlo(
                arrival.remote_ip,
                helo,
                arrival.hostname,
            ))
            .await
    } else {
        authenticator
            .verify_spf(SpfParameters::verify_mail_from(
                arrival.remote_ip,
                helo,
                arrival.hostname,
                arrival.mail_from,
            ))
            .await
    };
    let results = AuthenticationResults::new(arrival.hostname);
    let results = if arrival.mail_from.is_empty() {
        results.with_spf_ehlo_result(&spf, arrival.remote_ip, helo)
    } else {
        results.with_spf_mailfrom_result(&spf, arrival.remote_ip, arrival.mail_from, helo)
    };
    let Some(parsed) = AuthenticatedMessage::parse(message) else {
        return Verdict {
            header: results.to_header(),
            dmarc_failure: None,
        };
    };
    let dkim = authenticator.verify_dkim(&parsed).await;
    let arc = authenticator.verify_arc(&parsed).await;
    let mail_from_domain = arrival
        .mail_from
        .rsplit_once('@')
        .map_or(helo, |(_, domain)| domain);
    let dmarc = authenticator
        .verify_dmarc(DmarcParameters::new(&parsed, &dkim, mail_from_domain, &spf))
        .await;
    let failed = matches!(dmarc.result(), DmarcResult::Fail(_));
    let dmarc_failure = failed.then(|| match dmarc.policy() {
        Policy::Reject => DmarcFailure::Reject,
        Policy::Quarantine => DmarcFailure::Quarantine,
        Policy::None | Policy::Unspecified => DmarcFailure::Monitor,
    });
    let header = results
        .with_dkim_results(&dkim, parsed.from())
        .with_arc_result(&arc, arrival.remote_ip)
        .with_dmarc_result(&dmarc)
        .to_header();
    Verdict {
        header,
        dmarc_failure,
    }
}
