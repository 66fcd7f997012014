//! The proxies in front of a node (a TLS terminator, a load balancer), whose word on the
//! client's real address is taken: the PROXY protocol header on IMAP and SMTP, the
//! `X-Forwarded-For` header on the web. Anyone else's claim is ignored, so a client cannot
//! pick the address it is throttled and audited under.

use ipnet::IpNet;
use serde::Deserialize;
use std::net::IpAddr;

/// Addresses and networks (`10.0.0.5`, `10.0.0.0/8`, `fd00::/8`) of trusted proxies.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TrustedProxies(Vec<IpNet>);

impl TrustedProxies {
    /// Reads each entry as a network, or as a single address.
    pub fn parse<S: AsRef<str>>(entries: &[S]) -> Result<TrustedProxies, String> {
        entries
            .iter()
            .map(|entry| {
                let entry = entry.as_ref().trim();
                entry
                    .parse::<IpNet>()
                    .or_else(|_| entry.parse::<IpAddr>().map(IpNet::from))
                    .map_err(|_| format!("{entry:?} is not an address or a network"))
            })
            .collect::<Result<Vec<_>, _>>()
            .map(TrustedProxies)
    }

    /// Whether `ip` is one of the proxies (an IPv4-mapped IPv6 address counts as IPv4).
    pub fn trusts(&self, ip: IpAddr) -> bool {
        let ip = match ip {
            IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
            v4 => v4,
        };
        self.0.iter().any(|net| net.contains(&ip))
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl<'de> Deserialize<'de> for TrustedProxies {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<TrustedProxies, D::Error> {
        let entries = Vec::<String>::deserialize(d)?;
        TrustedProxies::parse(&entries).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn addresses_and_networks_are_trusted_and_nothing_else() {
        let proxies = TrustedProxies::parse(&["10.0.0.5", "192.168.0.0/16", "fd00::/8"]).unwrap();
        let ip = |s: &str| s.parse::<IpAddr>().unwrap();
        assert!(proxies.trusts(ip("10.0.0.5")));
        assert!(!proxies.trusts(ip("10.0.0.6")));
        assert!(proxies.trusts(ip("192.168.7.1")));
        assert!(proxies.trusts(ip("::ffff:192.168.7.1")));
        assert!(proxies.trusts(ip("fd12::1")));
        assert!(!proxies.trusts(ip("2001:db8::1")));
        assert!(!TrustedProxies::default().trusts(ip("127.0.0.1")));
        assert!(TrustedProxies::parse(&["10.0.0.0/33"]).is_err());
        assert!(TrustedProxies::parse(&["proxy.example"]).is_err());
    }
}
