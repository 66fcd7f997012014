//! TLS for the benchmarks: a self-signed certificate for `localhost`, the server's acceptor,
//! and a client that trusts that certificate alone (the clients run in a child process, which
//! reads the certificate from a file).

use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName};
use std::path::Path;
use std::sync::Arc;
use tokio_rustls::TlsConnector;
use trekmail_net::{Certificates, ServedKey, Tls};

fn provider() -> Arc<rustls::crypto::CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

/// A certificate for `localhost` written to `cert_path` as PEM, and the acceptor serving it.
pub fn acceptor(cert_path: &Path) -> anyhow::Result<Tls> {
    let made = rcgen::generate_simple_self_signed(vec!["localhost".to_string()])?;
    std::fs::write(cert_path, made.cert.pem())?;
    let key = ServedKey::from_pem(
        made.cert.pem().as_bytes(),
        made.signing_key.serialize_pem().as_bytes(),
    )?;
    Ok(Tls::new(Certificates::new(key))?)
}

/// A connector that trusts the certificate at `cert_path` and nothing else.
pub fn connector(cert_path: &Path) -> anyhow::Result<TlsConnector> {
    let mut roots = rustls::RootCertStore::empty();
    for cert in CertificateDer::pem_file_iter(cert_path)? {
        roots.add(cert?)?;
    }
    let config = rustls::ClientConfig::builder_with_provider(provider())
        .with_safe_default_protocol_versions()?
        .with_root_certificates(roots)
        .with_no_client_auth();
    Ok(TlsConnector::from(Arc::new(config)))
}

pub fn localhost() -> ServerName<'static> {
    ServerName::try_from("localhost").expect("a valid name")
}
