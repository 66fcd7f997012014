//! The TLS certificate the mail listeners serve: the configured one, or a self-signed one made
//! on first start so that STARTTLS and implicit TLS work out of the box.

use crate::config::Config;
use crate::data_dir::{private_dir, write_private};
use anyhow::{Context, Result};
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, PrivateKeyDer};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use tokio_rustls::TlsAcceptor;

/// Where the certificate and key are, and whether they were made just now.
#[derive(Debug, Clone)]
pub struct TlsFiles {
    pub cert: PathBuf,
    pub key: PathBuf,
    pub self_signed: bool,
}

impl TlsFiles {
    /// The acceptor every TLS listener (IMAP, SMTP, web) shares; TLS 1.2 and 1.3, ring only.
    pub fn acceptor(&self) -> Result<TlsAcceptor> {
        let certs = CertificateDer::pem_file_iter(&self.cert)
            .and_then(|certs| certs.collect::<Result<Vec<_>, _>>())
            .with_context(|| {
                format!("tls: cannot read certificates from {}", self.cert.display())
            })?;
        let key = PrivateKeyDer::from_pem_file(&self.key)
            .with_context(|| format!("tls: cannot read the key from {}", self.key.display()))?;
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let config = rustls::ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .context("tls: no protocol versions")?
            .with_no_client_auth()
            .with_single_cert(certs, key)
            .context("tls: the certificate and key do not go together")?;
        Ok(TlsAcceptor::from(Arc::new(config)))
    }
}

/// The configured certificate, or the self-signed one (made now if missing).
pub fn prepare(config: &Config) -> Result<TlsFiles> {
    if let (Some(cert), Some(key)) = (&config.tls.cert, &config.tls.key) {
        for path in [cert, key] {
            std::fs::metadata(path)
                .with_context(|| format!("tls: cannot read {}", path.display()))?;
        }
        return Ok(TlsFiles {
            cert: cert.clone(),
            key: key.clone(),
            self_signed: false,
        });
    }
    let dir = config.data_dir.join("tls");
    let files = TlsFiles {
        cert: dir.join("self-signed-cert.pem"),
        key: dir.join("self-signed-key.pem"),
        self_signed: true,
    };
    if !files.cert.exists() || !files.key.exists() {
        make_self_signed(config, &dir, &files)?;
    }
    Ok(files)
}

fn make_self_signed(config: &Config, dir: &Path, files: &TlsFiles) -> Result<()> {
    let mut names = config.tls.self_signed_names.clone();
    if names.is_empty() {
        names = vec!["localhost".to_owned()];
    }
    let made = rcgen::generate_simple_self_signed(names)
        .context("cannot make a self-signed certificate")?;
    private_dir(dir)?;
    write_private(&files.key, made.signing_key.serialize_pem().as_bytes())?;
    write_private(&files.cert, made.cert.pem().as_bytes())?;
    tracing::info!(cert = %files.cert.display(), "made a self-signed TLS certificate");
    Ok(())
}
