//! What the certificate manager knows of each ACME certificate, kept in
//! `<data_dir>/acme/status.json` for `trekmail certificates status`, and the marker file by
//! which `trekmail certificates renew` asks the running server to renew.

use crate::config::Config;
use crate::data_dir::{private_dir, write_private};
use anyhow::{Context, Result};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::{Duration, SystemTime};

/// The label of the certificate for the mail host and `[acme] names`; the others are
/// labelled with their branded host.
pub const DEFAULT_LABEL: &str = "default";

/// One certificate's state; times are Unix seconds.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Entry {
    /// The names it is (to be) issued for.
    pub names: Vec<String>,
    pub not_after: Option<u64>,
    pub renew_at: Option<u64>,
    pub last_issued: Option<u64>,
    pub last_error: Option<String>,
    /// Failed attempts in a row.
    pub failures: u32,
    pub next_attempt: Option<u64>,
}

#[derive(Debug, Default, Serialize, Deserialize)]
pub struct Status {
    pub certificates: BTreeMap<String, Entry>,
}

/// The files of `[acme]` in the data dir.
#[derive(Debug, Clone)]
pub struct AcmeFiles {
    pub dir: PathBuf,
}

impl AcmeFiles {
    pub fn new(config: &Config) -> AcmeFiles {
        AcmeFiles {
            dir: config.acme_dir(),
        }
    }

    pub fn account(&self) -> PathBuf {
        self.dir.join("account.json")
    }

    /// A certificate's chain and key.
    pub fn certificate(&self, label: &str) -> (PathBuf, PathBuf) {
        let dir = self.dir.join("certs");
        (
            dir.join(format!("{label}.crt.pem")),
            dir.join(format!("{label}.key.pem")),
        )
    }

    fn status_file(&self) -> PathBuf {
        self.dir.join("status.json")
    }

    fn renew_marker(&self) -> PathBuf {
        self.dir.join("renew-requested")
    }

    /// The status saved last; empty when there is none yet.
    pub fn status(&self) -> Result<Status> {
        let path = self.status_file();
        match std::fs::read(&path) {
            Ok(bytes) => serde_json::from_slice(&bytes)
                .with_context(|| format!("{} is unreadable", path.display())),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Status::default()),
            Err(e) => Err(e).with_context(|| format!("cannot read {}", path.display())),
        }
    }

    pub fn save_status(&self, status: &Status) -> Result<()> {
        private_dir(&self.dir)?;
        let tmp = self.status_file().with_extension("tmp");
        write_private(&tmp, &serde_json::to_vec_pretty(status)?)?;
        std::fs::rename(&tmp, self.status_file())
            .with_context(|| format!("cannot write {}", self.status_file().display()))
    }

    pub fn request_renewal(&self) -> Result<()> {
        private_dir(&self.dir)?;
        write_private(&self.renew_marker(), b"")
    }

    pub fn renewal_requested(&self) -> bool {
        self.renew_marker().exists()
    }

    /// Whether a renewal was asked for, taking the request.
    pub fn take_renewal_request(&self) -> bool {
        std::fs::remove_file(self.renew_marker()).is_ok()
    }
}

pub fn unix(at: SystemTime) -> u64 {
    at.duration_since(SystemTime::UNIX_EPOCH)
        .unwrap_or_default()
        .as_secs()
}

pub fn from_unix(secs: u64) -> SystemTime {
    SystemTime::UNIX_EPOCH + Duration::from_secs(secs)
}
