//! `trekmail certificates`: what the running server's ACME certificates are (from the status
//! file it keeps), and a request to renew them all.

use crate::certificate_status::{AcmeFiles, from_unix};
use crate::config::Config;
use anyhow::Result;
use clap::Subcommand;

#[derive(Debug, Subcommand)]
pub enum CertificatesCommand {
    /// Each ACME certificate: its names, expiry, renewal time, last error, next attempt.
    Status,
    /// Renew every ACME certificate now: the running server acts within a few seconds.
    Renew,
}

pub fn run(config: &Config, command: CertificatesCommand) -> Result<()> {
    let files = AcmeFiles::new(config);
    let Some(directory) = &config.acme.directory_url else {
        anyhow::bail!("[acme] is off (no directory_url): certificates come from [tls]");
    };
    match command {
        CertificatesCommand::Status => {
            let status = files.status()?;
            println!("ACME directory: {directory}");
            if status.certificates.is_empty() {
                println!("no certificate yet (is the server running?)");
            }
            for (label, entry) in &status.certificates {
                println!("{label}: {}", entry.names.join(", "));
                println!("  expires:      {}", show_time(entry.not_after));
                println!("  renew at:     {}", show_time(entry.renew_at));
                println!("  last issued:  {}", show_time(entry.last_issued));
                match &entry.last_error {
                    Some(error) => {
                        println!(
                            "  last error:   {error} ({} failures in a row)",
                            entry.failures
                        );
                        println!("  next attempt: {}", show_time(entry.next_attempt));
                    }
                    None => println!("  last error:   none"),
                }
            }
            if files.renewal_requested() {
                println!("renewal requested; waiting for the server");
            }
        }
        CertificatesCommand::Renew => {
            files.request_renewal()?;
            println!(
                "Renewal requested: the running server renews every ACME certificate within a few seconds (see `trekmail certificates status`)."
            );
        }
    }
    Ok(())
}

/// A time in RFC 3339, or `-`.
fn show_time(secs: Option<u64>) -> String {
    secs.map(from_unix)
        .map(|at| chrono::DateTime::<chrono::Utc>::from(at).to_rfc3339())
        .unwrap_or_else(|| "-".to_owned())
}
