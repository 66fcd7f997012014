//! The certificates every TLS listener serves, kept current while the server runs: the
//! operator's files (or the self-signed pair) re-read at SIGHUP, and with `[acme]` on, the
//! certificates an ACME CA issues — for the mail host and the extra names, and for each
//! branded webmail host once its DNS points here — ordered when missing, renewed when due,
//! retried with a growing delay after a failure while the old certificate stays in use.

use crate::acme_config::AcmeConfig;
use crate::certificate_status::{AcmeFiles, DEFAULT_LABEL, Entry, Status, unix};
use crate::config::Config;
use crate::data_dir::{private_dir, write_private};
use crate::tls::TlsFiles;
use anyhow::{Context, Result};
use std::collections::BTreeSet;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, SystemTime};
use tokio::sync::Notify;
use tokio_util::sync::CancellationToken;
use trekmail_acme::AcmeAccount;
use trekmail_core::Core;
use trekmail_core::services::Scope;
use trekmail_mailauth::dns::Answer;
use trekmail_net::{Certificates, ChallengeTokens, ServedKey, Tls};

/// How often the task looks for due certificates and `trekmail certificates renew` requests.
const POLL: Duration = Duration::from_secs(3);

/// What the listeners are given, and what SIGHUP acts on.
pub struct CertificateManager {
    tls: Tls,
    tokens: ChallengeTokens,
    files: TlsFiles,
    acme: Option<Acme>,
    wake: Arc<Notify>,
}

/// `[acme]` when on.
struct Acme {
    config: AcmeConfig,
    directory_url: String,
    names: Vec<String>,
    mail_host: String,
    files: AcmeFiles,
}

impl CertificateManager {
    /// The operator's (or self-signed) certificate, then any ACME certificates issued before.
    pub fn open(config: &Config, files: TlsFiles) -> Result<CertificateManager> {
        let certificates = Certificates::new(files.served_key()?);
        let acme = config.acme.directory_url.clone().map(|directory_url| Acme {
            config: config.acme.clone(),
            directory_url,
            names: config.acme_names(),
            mail_host: config.public_endpoints().mail_host,
            files: AcmeFiles::new(config),
        });
        if let Some(acme) = &acme {
            for (label, _) in acme.files.status()?.certificates {
                match load(&acme.files, &label) {
                    Ok(key) => install(&certificates, &label, key),
                    Err(e) => {
                        tracing::warn!(label, error = %format!("{e:#}"), "ACME certificate not loaded")
                    }
                }
            }
        }
        Ok(CertificateManager {
            tls: Tls::new(certificates).context("tls: no protocol versions")?,
            tokens: ChallengeTokens::default(),
            files,
            acme,
            wake: Arc::new(Notify::new()),
        })
    }

    pub fn tls(&self) -> &Tls {
        &self.tls
    }

    /// HTTP-01 tokens, for the web listeners to answer.
    pub fn tokens(&self) -> ChallengeTokens {
        self.tokens.clone()
    }

    /// One line for the start-up summary.
    pub fn describe(&self) -> String {
        let files = format!(
            "{}{}",
            self.files.cert.display(),
            if self.files.self_signed {
                " (self-signed)"
            } else {
                ""
            }
        );
        match &self.acme {
            Some(acme) => format!(
                "ACME from {} for {} ({}); until issued {files}",
                acme.directory_url,
                acme.names.join(", "),
                match acme.config.challenge {
                    crate::acme_config::AcmeChallenge::Http01 => "http-01",
                    crate::acme_config::AcmeChallenge::TlsAlpn01 => "tls-alpn-01",
                }
            ),
            None => files,
        }
    }

    /// SIGHUP: the operator's files again (not while ACME provides the default certificate),
    /// and an ACME check at once.
    pub fn reload(&self) {
        let acme_default = self
            .acme
            .as_ref()
            .is_some_and(|acme| acme.files.certificate(DEFAULT_LABEL).0.exists());
        if !acme_default {
            match self.files.served_key() {
                Ok(key) => {
                    self.tls.certificates().set_default(key);
                    tracing::info!(cert = %self.files.cert.display(), "TLS certificate re-read");
                }
                Err(e) => {
                    tracing::warn!(error = %format!("{e:#}"), "TLS certificate not re-read; the old one stays")
                }
            }
        }
        self.wake.notify_one();
    }

    /// With `[acme]` on: the plain-HTTP listener, and the task ordering and renewing, both
    /// until `shutdown`. Returns the listener's address.
    pub async fn start(
        self: &Arc<Self>,
        core: Arc<Core>,
        operator: Scope,
        shutdown: CancellationToken,
    ) -> Result<Option<SocketAddr>> {
        let Some(acme) = &self.acme else {
            return Ok(None);
        };
        let mut bound = None;
        if let Some(address) = acme.config.http_listen {
            let listener = tokio::net::TcpListener::bind(address)
                .await
                .with_context(|| format!("acme.http_listen: cannot listen on {address}"))?;
            bound = Some(listener.local_addr()?);
            tokio::spawn(trekmail_web::acme_challenge::serve_http(
                listener,
                self.tokens(),
                shutdown.clone(),
            ));
        }
        private_dir(&acme.files.dir)?;
        tokio::spawn(self.clone().run(core, operator, shutdown));
        Ok(bound)
    }

    async fn run(self: Arc<Self>, core: Arc<Core>, operator: Scope, shutdown: CancellationToken) {
        let Some(acme) = &self.acme else { return };
        let mut status = acme.files.status().unwrap_or_else(|e| {
            tracing::warn!(error = %format!("{e:#}"), "ACME status reset");
            Status::default()
        });
        let mut account = None;
        let mut branded = Vec::new();
        let mut next_branded_check = SystemTime::now();
        let mut woken = true;
        loop {
            let forced = acme.files.take_renewal_request();
            let now = SystemTime::now();
            if woken || forced || now >= next_branded_check {
                let served = self.tls.certificates().named();
                if let Some(found) = acme.branded_hosts(&core, operator, &served).await {
                    self.drop_unbranded(&found, &mut status);
                    branded = found;
                }
                next_branded_check =
                    now + Duration::from_secs(acme.config.branded_check_secs.max(1));
            }
            let wanted = std::iter::once((DEFAULT_LABEL.to_owned(), acme.names.clone())).chain(
                branded
                    .iter()
                    .map(|host| (host.clone(), vec![host.clone()])),
            );
            for (label, names) in wanted {
                let entry = status.certificates.entry(label.clone()).or_default();
                if !acme.due(entry, &names, forced, woken) {
                    continue;
                }
                entry.names = names;
                self.attempt(acme, &mut account, &label, entry).await;
                if let Err(e) = acme.files.save_status(&status) {
                    tracing::warn!(error = %format!("{e:#}"), "ACME status not saved");
                }
                if shutdown.is_cancelled() {
                    return;
                }
            }
            woken = tokio::select! {
                () = shutdown.cancelled() => return,
                () = self.wake.notified() => true,
                () = tokio::time::sleep(POLL) => false,
            };
        }
    }

    /// A host no longer branded (or no longer pointing here) is served the default
    /// certificate again, and its own is no longer renewed (nor listed in the status).
    fn drop_unbranded(&self, branded: &[String], status: &mut Status) {
        let kept = |name: &str| branded.iter().any(|host| host.eq_ignore_ascii_case(name));
        let certificates = self.tls.certificates();
        for name in certificates.named() {
            if !kept(&name) {
                certificates.remove_named(&name);
                tracing::info!(
                    host = name,
                    "no longer a branded host here: its certificate is not served"
                );
            }
        }
        let before = status.certificates.len();
        status
            .certificates
            .retain(|label, _| label == DEFAULT_LABEL || kept(label));
        if status.certificates.len() != before
            && let Some(acme) = &self.acme
            && let Err(e) = acme.files.save_status(status)
        {
            tracing::warn!(error = %format!("{e:#}"), "ACME status not saved");
        }
    }

    /// One order for `label`'s names; its outcome recorded in `entry`.
    async fn attempt(
        &self,
        acme: &Acme,
        account: &mut Option<AcmeAccount>,
        label: &str,
        entry: &mut Entry,
    ) {
        let now = SystemTime::now();
        match self.issue(acme, account, label, &entry.names).await {
            Ok(key) => {
                let (not_before, not_after) = (key.not_before(), key.not_after());
                install(self.tls.certificates(), label, key);
                tracing::info!(label, names = ?entry.names, "ACME certificate installed");
                *entry = Entry {
                    names: std::mem::take(&mut entry.names),
                    not_after: not_after.map(unix),
                    renew_at: not_before
                        .zip(not_after)
                        .map(|(from, until)| {
                            trekmail_acme::renew_at(from, until, acme.config.renew_before())
                        })
                        .map(unix),
                    last_issued: Some(unix(now)),
                    ..Entry::default()
                };
            }
            Err(e) => {
                let error = format!("{e:#}");
                entry.failures = entry.failures.saturating_add(1);
                let delay = trekmail_acme::retry_delay(entry.failures);
                entry.next_attempt = Some(unix(now + delay));
                tracing::warn!(label, error, retry_in = ?delay, "ACME order failed; the old certificate stays");
                entry.last_error = Some(error);
            }
        }
    }

    async fn issue(
        &self,
        acme: &Acme,
        account: &mut Option<AcmeAccount>,
        label: &str,
        names: &[String],
    ) -> Result<ServedKey> {
        let opened = match account {
            Some(opened) => opened.clone(),
            None => {
                let opened = acme.account().await?;
                *account = Some(opened.clone());
                opened
            }
        };
        let issued = opened
            .order(
                names,
                acme.config.challenge(),
                &self.tokens,
                self.tls.certificates(),
            )
            .await?;
        let key = ServedKey::from_pem(issued.chain_pem.as_bytes(), issued.key_pem.as_bytes())?;
        let (cert, key_file) = acme.files.certificate(label);
        if let Some(dir) = cert.parent() {
            private_dir(dir)?;
        }
        write_private(&key_file, issued.key_pem.as_bytes())?;
        write_private(&cert, issued.chain_pem.as_bytes())?;
        Ok(key)
    }
}

impl Acme {
    /// Whether `entry` is to be ordered now: never issued or for other names, due for
    /// renewal, or asked for; a failing one waits for its retry time unless woken.
    fn due(&self, entry: &Entry, names: &[String], forced: bool, woken: bool) -> bool {
        if forced {
            return true;
        }
        let now = unix(SystemTime::now());
        if entry.next_attempt.is_some_and(|at| at > now) && !woken {
            return false;
        }
        entry.names != names
            || entry.not_after.is_none()
            || entry.renew_at.is_none_or(|at| at <= now)
            || entry.last_error.is_some()
    }

    /// The saved account at the configured directory, or a new one (then saved).
    async fn account(&self) -> Result<AcmeAccount> {
        let path = self.files.account();
        let saved = match std::fs::read_to_string(&path) {
            Ok(saved) => Some(saved),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
            Err(e) => return Err(e).with_context(|| format!("cannot read {}", path.display())),
        };
        let opened = AcmeAccount::open(
            &self.directory_url,
            self.config.contact.as_deref(),
            self.config.ca_root.as_deref(),
            saved.as_deref(),
        )
        .await?;
        if let Some(saved) = opened.new_saved {
            write_private(&path, saved.as_bytes())?;
        }
        Ok(opened.account)
    }

    /// The branded hosts whose A/AAAA records share an address with the mail host's; `None`
    /// when that cannot be told now (the store or the DNS failing), so nothing is dropped for
    /// a passing failure. A host whose own look-up fails keeps the certificate it has.
    async fn branded_hosts(
        &self,
        core: &Core,
        operator: Scope,
        served: &[String],
    ) -> Option<Vec<String>> {
        let hosts = match core.branded_hosts(operator).await {
            Ok(hosts) => hosts,
            Err(e) => {
                tracing::warn!(error = %e, "branded hosts not listed");
                return None;
            }
        };
        let dns = core.dns().ok()?;
        let ours = match dns.addresses(&self.mail_host).await {
            Answer::Records(found) => found.into_iter().collect::<BTreeSet<_>>(),
            Answer::None => BTreeSet::new(),
            Answer::Failed(why) => {
                tracing::warn!(
                    host = self.mail_host,
                    why,
                    "the mail host's addresses not looked up"
                );
                return None;
            }
        };
        let mut here = Vec::new();
        for host in hosts {
            let points_here = match dns.addresses(&host).await {
                Answer::Records(theirs) => theirs.iter().any(|a| ours.contains(a)),
                Answer::None => false,
                Answer::Failed(_) => served.iter().any(|s| s.eq_ignore_ascii_case(&host)),
            };
            match points_here {
                true => here.push(host),
                false => {
                    tracing::info!(
                        host,
                        "branded host does not point here; no certificate for it"
                    )
                }
            }
        }
        Some(here)
    }
}

fn load(files: &AcmeFiles, label: &str) -> Result<ServedKey> {
    let (cert, key) = files.certificate(label);
    let read = |path: &std::path::Path| {
        std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))
    };
    Ok(ServedKey::from_pem(&read(&cert)?, &read(&key)?)?)
}

fn install(certificates: &Certificates, label: &str, key: ServedKey) {
    match label {
        DEFAULT_LABEL => certificates.set_default(key),
        host => certificates.set_named(host, key),
    }
}
