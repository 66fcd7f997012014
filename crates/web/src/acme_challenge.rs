//! HTTP-01 validation (RFC 8555 section 8.3): `GET /.well-known/acme-challenge/{token}`
//! answered with the token's key authorization, on the dashboard and webmail listeners and on
//! a plain-HTTP listener of its own (port 80), which sends every other request to HTTPS.

use axum::Router;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;
use trekmail_net::{ChallengeTokens, Limits};

/// The challenge route alone, to merge into a channel's router.
pub(crate) fn router(tokens: ChallengeTokens) -> Router {
    Router::new()
        .route("/.well-known/acme-challenge/{token}", get(answer))
        .with_state(tokens)
}

/// The port-80 listener: challenges, and a 301 to `https://host/…` for everything else.
pub async fn serve_http(
    listener: TcpListener,
    tokens: ChallengeTokens,
    shutdown: CancellationToken,
) -> std::io::Result<()> {
    // Open to the world (the CA's validators, browsers sent on to HTTPS), so capped.
    let limits = Limits {
        max_connections: 1024,
        max_per_ip: 32,
    };
    crate::serve_plain(
        listener,
        router(tokens).fallback(to_https),
        limits,
        shutdown,
    )
    .await
}

async fn answer(State(tokens): State<ChallengeTokens>, Path(token): Path<String>) -> Response {
    match tokens.get(&token) {
        Some(key_authorization) => (
            [(header::CONTENT_TYPE, "application/octet-stream")],
            key_authorization,
        )
            .into_response(),
        None => StatusCode::NOT_FOUND.into_response(),
    }
}

/// The same host (without the plain-HTTP port) and path over HTTPS.
async fn to_https(headers: HeaderMap, uri: Uri) -> Response {
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .map(host_without_port)
        .filter(|h| {
            !h.is_empty()
                && h.chars()
                    .all(|c| c.is_ascii_alphanumeric() || ".-[]:".contains(c))
        });
    let Some(host) = host else {
        return (StatusCode::BAD_REQUEST, "no Host header").into_response();
    };
    let path = uri.path_and_query().map_or("/", |p| p.as_str());
    let location = format!("https://{host}{path}");
    (
        StatusCode::MOVED_PERMANENTLY,
        [(header::LOCATION, location)],
    )
        .into_response()
}

fn host_without_port(host: &str) -> &str {
    match host.rsplit_once(':') {
        // An IPv6 literal keeps its colons inside the brackets.
        Some((name, port)) if !port.contains(']') && port.chars().all(|c| c.is_ascii_digit()) => {
            name
        }
        _ => host,
    }
}

#[cfg(test)]
mod tests {
    use super::host_without_port;

    #[test]
    fn the_port_goes_and_ipv6_literals_stay_whole() {
        assert_eq!(
            host_without_port("mail.example.test:8080"),
            "mail.example.test"
        );
        assert_eq!(host_without_port("mail.example.test"), "mail.example.test");
        assert_eq!(host_without_port("[::1]:80"), "[::1]");
        assert_eq!(host_without_port("[::1]"), "[::1]");
    }
}
