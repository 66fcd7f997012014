//! The PROXY protocol v2 header (HAProxy's, binary) that a trusted proxy sends before the
//! client's bytes: it names the client's address. Read with exact reads, so not a byte of the
//! client's own stream is taken.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use tokio::io::{AsyncRead, AsyncReadExt};

const SIGNATURE: [u8; 12] = *b"\r\n\r\n\0\r\nQUIT\n";
/// Address blocks and TLVs together; more is no proxy of ours.
const MAX_BODY: usize = 1024;

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ProxyHeaderError {
    #[error("no PROXY protocol v2 header")]
    NotV2,
    #[error("a malformed PROXY protocol v2 header")]
    Malformed,
    #[error("the connection ended inside the PROXY header")]
    Truncated,
}

/// Reads the header; `Some(client)` for a proxied TCP connection, `None` for the proxy's own
/// (LOCAL: a health check) or a family without addresses, whose peer is then the proxy.
pub async fn read_header<R: AsyncRead + Unpin>(
    stream: &mut R,
) -> Result<Option<SocketAddr>, ProxyHeaderError> {
    let mut head = [0u8; 16];
    stream
        .read_exact(&mut head)
        .await
        .map_err(|_| ProxyHeaderError::Truncated)?;
    if head[..12] != SIGNATURE || head[12] >> 4 != 2 {
        return Err(ProxyHeaderError::NotV2);
    }
    let len = usize::from(u16::from_be_bytes([head[14], head[15]]));
    if len > MAX_BODY {
        return Err(ProxyHeaderError::Malformed);
    }
    let mut body = vec![0u8; len];
    stream
        .read_exact(&mut body)
        .await
        .map_err(|_| ProxyHeaderError::Truncated)?;
    let command = head[12] & 0x0f;
    match command {
        0 => return Ok(None),
        1 => {}
        _ => return Err(ProxyHeaderError::Malformed),
    }
    // The family (high nibble) and transport (low nibble, 1 = stream).
    match head[13] {
        0x11 => {
            let b = body.get(..12).ok_or(ProxyHeaderError::Malformed)?;
            let ip = Ipv4Addr::new(b[0], b[1], b[2], b[3]);
            Ok(Some(SocketAddr::new(IpAddr::V4(ip), port(b[8], b[9]))))
        }
        0x21 => {
            let b = body.get(..36).ok_or(ProxyHeaderError::Malformed)?;
            let mut octets = [0u8; 16];
            octets.copy_from_slice(&b[..16]);
            let ip = Ipv6Addr::from(octets);
            Ok(Some(SocketAddr::new(IpAddr::V6(ip), port(b[32], b[33]))))
        }
        _ => Ok(None),
    }
}

fn port(high: u8, low: u8) -> u16 {
    u16::from_be_bytes([high, low])
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn header(command: u8, family: u8, body: &[u8]) -> Vec<u8> {
        let mut out = SIGNATURE.to_vec();
        out.push(0x20 | command);
        out.push(family);
        out.extend_from_slice(&u16::try_from(body.len()).unwrap().to_be_bytes());
        out.extend_from_slice(body);
        out
    }

    #[tokio::test]
    async fn the_client_address_and_nothing_more_is_read() {
        let body = [203, 0, 113, 9, 10, 0, 0, 1, 0x30, 0x39, 0, 143];
        let mut bytes = header(1, 0x11, &body);
        bytes.extend_from_slice(b"a LOGIN");
        let mut stream = &bytes[..];
        let client = read_header(&mut stream).await.unwrap();
        assert_eq!(client, Some("203.0.113.9:12345".parse().unwrap()));
        assert_eq!(stream, b"a LOGIN");

        let mut v6 = vec![0u8; 36];
        v6[..16].copy_from_slice(&"2001:db8::7".parse::<Ipv6Addr>().unwrap().octets());
        v6[32..34].copy_from_slice(&993u16.to_be_bytes());
        let bytes = header(1, 0x21, &v6);
        let client = read_header(&mut &bytes[..]).await.unwrap();
        assert_eq!(client, Some("[2001:db8::7]:993".parse().unwrap()));
    }

    #[tokio::test]
    async fn local_bad_and_cut_headers_are_told_apart() {
        assert_eq!(read_header(&mut &header(0, 0, &[])[..]).await, Ok(None));
        let v1 = b"PROXY TCP4 1.2.3.4 5.6.7.8 1 2\r\n";
        assert_eq!(
            read_header(&mut &v1[..]).await,
            Err(ProxyHeaderError::NotV2)
        );
        let short = header(1, 0x11, &[1, 2, 3]);
        assert_eq!(
            read_header(&mut &short[..]).await,
            Err(ProxyHeaderError::Malformed)
        );
        let cut = &header(1, 0x11, &[0; 12])[..20];
        assert_eq!(
            read_header(&mut &cut[..]).await,
            Err(ProxyHeaderError::Truncated)
        );
        let mut huge = header(1, 0x11, &[]);
        huge[14..16].copy_from_slice(&5000u16.to_be_bytes());
        assert_eq!(
            read_header(&mut &huge[..]).await,
            Err(ProxyHeaderError::Malformed)
        );
    }
}
