//! The client's address on the web channels, decided in one place for the throttle, the
//! audit and the session list: the TCP peer, or, when the peer is a trusted proxy, the
//! right-most `X-Forwarded-For` entry that is not itself a trusted proxy. Entries further
//! left were written by the client and are never believed.

use axum::extract::{ConnectInfo, FromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode};
use axum::middleware::Next;
use axum::response::Response;
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use trekmail_net::TrustedProxies;

const FORWARDED_FOR: &str = "x-forwarded-for";

/// The address a request is throttled, audited and listed under.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClientAddr(pub IpAddr);

/// Middleware: records each request's [`ClientAddr`] for the handlers.
pub async fn resolve(
    State(proxies): State<Arc<TrustedProxies>>,
    mut request: Request,
    next: Next,
) -> Response {
    if let Some(ConnectInfo(peer)) = request.extensions().get::<ConnectInfo<SocketAddr>>() {
        let client = client_address(peer.ip(), request.headers(), &proxies);
        request.extensions_mut().insert(ClientAddr(client));
    }
    next.run(request).await
}

/// Walks `X-Forwarded-For` from the right while the hop it names is a trusted proxy. An entry
/// that is no address stops the walk at the proxy that passed it on.
fn client_address(peer: IpAddr, headers: &HeaderMap, proxies: &TrustedProxies) -> IpAddr {
    if !proxies.trusts(peer) {
        return peer;
    }
    let entries: Vec<&str> = headers
        .get_all(FORWARDED_FOR)
        .iter()
        .flat_map(|value| value.to_str().unwrap_or("?").split(','))
        .collect();
    let mut client = peer;
    for entry in entries.iter().rev() {
        let Some(hop) = parse_hop(entry.trim()) else {
            break;
        };
        client = hop;
        if !proxies.trusts(hop) {
            break;
        }
    }
    client
}

/// `192.0.2.1`, `2001:db8::1`, or either with a port (`192.0.2.1:5000`, `[2001:db8::1]:5000`).
fn parse_hop(entry: &str) -> Option<IpAddr> {
    entry
        .parse::<IpAddr>()
        .ok()
        .or_else(|| entry.parse::<SocketAddr>().ok().map(|s| s.ip()))
}

/// A sign-in handler's client address; a request served without one is refused rather than
/// let past the throttle uncounted.
impl<S: Send + Sync> FromRequestParts<S> for ClientAddr {
    type Rejection = StatusCode;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<ClientAddr, StatusCode> {
        parts
            .extensions
            .get::<ClientAddr>()
            .copied()
            .ok_or(StatusCode::INTERNAL_SERVER_ERROR)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn client(peer: &str, forwarded: &[&str], proxies: &[&str]) -> String {
        let mut headers = HeaderMap::new();
        for value in forwarded {
            headers.append(FORWARDED_FOR, value.parse().unwrap());
        }
        let proxies = TrustedProxies::parse(proxies).unwrap();
        client_address(peer.parse().unwrap(), &headers, &proxies).to_string()
    }

    #[test]
    fn only_a_trusted_proxy_is_believed_and_only_for_its_own_hop() {
        // Not from a proxy: the header is the client's own claim.
        assert_eq!(
            client("198.51.100.7", &["203.0.113.9"], &["10.0.0.1"]),
            "198.51.100.7"
        );
        assert_eq!(client("10.0.0.1", &["203.0.113.9"], &[]), "10.0.0.1");
        // From a proxy: the hop it saw, not what the client wrote before it.
        assert_eq!(
            client("10.0.0.1", &["1.1.1.1, 203.0.113.9"], &["10.0.0.1"]),
            "203.0.113.9"
        );
        // A chain of trusted proxies is walked through, across repeated headers.
        assert_eq!(
            client(
                "10.0.0.1",
                &["1.1.1.1, 203.0.113.9", "10.0.0.2"],
                &["10.0.0.0/24"]
            ),
            "203.0.113.9"
        );
        assert_eq!(
            client("10.0.0.1", &["[2001:db8::5]:443"], &["10.0.0.1"]),
            "2001:db8::5"
        );
        // Nothing to go by: the proxy's own address, or the last trusted hop's.
        assert_eq!(client("10.0.0.1", &[], &["10.0.0.1"]), "10.0.0.1");
        assert_eq!(
            client("10.0.0.1", &["203.0.113.9, junk"], &["10.0.0.1"]),
            "10.0.0.1"
        );
        assert_eq!(
            client("10.0.0.1", &["junk, 10.0.0.2"], &["10.0.0.0/24"]),
            "10.0.0.2"
        );
        assert_eq!(
            client("10.0.0.1", &["10.0.0.3, 10.0.0.2"], &["10.0.0.0/24"]),
            "10.0.0.3"
        );
    }
}
