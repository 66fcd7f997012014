//! The TLS certificate the mail listeners serve: the configured one, or a self-signed one made
//! on first start so that STARTTLS and implicit TLS work out of the box.

use crate::config::Config;
use crate::data_dir::{private_dir, write_private};
use anyhow::{Context, Result};
use std::path::{Path, PathBuf};
use trekmail_net::ServedKey;

/// Where the certificate and key are, and whether they were made just now.
#[derive(Debug, Clone)]
pub struct TlsFiles {
    pub cert: PathBuf,
    pub key: PathBuf,
    pub self_signed: bool,
}

impl TlsFiles {
    /// The certificate and key as served, read from the files now (at start and each SIGHUP).
    pub fn served_key(&self) -> Result<ServedKey> {
        let read = |path: &Path| {
            std::fs::read(path).with_context(|| format!("tls: cannot read {}", path.display()))
        };
        ServedKey::from_pem(&read(&self.cert)?, &read(&self.key)?).with_context(|| {
            format!(
                "tls: {} and {} cannot be served",
                self.cert.display(),
                self.key.display()
            )
        })
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
