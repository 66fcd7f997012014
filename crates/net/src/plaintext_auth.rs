//! When a password may cross a connection: the same rule for every listener, set per service.

use std::net::IpAddr;

/// When a password may be sent without TLS; `"loopback"` or `"never"` in config.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum PlaintextAuth {
    /// From 127.0.0.0/8 and ::1 too.
    #[default]
    Loopback,
    Never,
}

impl PlaintextAuth {
    /// Where passwords may go without TLS, for the start-up lines.
    pub fn describe(self) -> &'static str {
        match self {
            PlaintextAuth::Loopback => "from loopback only",
            PlaintextAuth::Never => "nowhere",
        }
    }

    /// Passwords only over TLS, or from loopback when this allows it.
    pub fn allows(self, tls: bool, client: IpAddr) -> bool {
        tls || match self {
            PlaintextAuth::Loopback => client.is_loopback(),
            PlaintextAuth::Never => false,
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::PlaintextAuth;
    use std::net::IpAddr;

    #[test]
    fn tls_always_plaintext_from_loopback_only_if_allowed() {
        let (lo, far): (IpAddr, IpAddr) = ("::1".parse().unwrap(), "192.0.2.1".parse().unwrap());
        assert!(PlaintextAuth::Never.allows(true, far));
        assert!(PlaintextAuth::Loopback.allows(false, lo));
        assert!(!PlaintextAuth::Loopback.allows(false, far));
        assert!(!PlaintextAuth::Never.allows(false, lo));
    }
}
