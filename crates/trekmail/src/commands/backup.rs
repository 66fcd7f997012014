//! `trekmail backup DIR`: an embedded node's database, message bodies and server key, taken
//! while it serves and checked before the command says it is done. On PostgreSQL the
//! database is `pg_dump`'s to back up; the server key, which no dump holds, is written.

use crate::config::Config;
use crate::data_dir::{private_dir, write_private};
use anyhow::{Context, Result};
use std::path::Path;
use std::time::Instant;
use trekmail_storage::backup::{
    self, BLOBS_DIR, DatabaseKind, KEY_FILE, MANIFEST_FILE, Manifest, Taken, sha256_hex,
};
use trekmail_storage::mask_password;

pub async fn run(config: &Config, dir: &Path) -> Result<()> {
    let started = Instant::now();
    let key_file = config.key_file();
    let key = std::fs::read(&key_file).with_context(|| {
        format!(
            "cannot read the server key {} (has this node started once?)",
            key_file.display()
        )
    })?;
    if !is_new_or_empty(dir)? {
        anyhow::bail!(
            "{} is not empty: back up into a new or empty directory",
            dir.display()
        );
    }
    private_dir(dir)?;
    write_private(&dir.join(KEY_FILE), &key)?;
    if config.is_postgres() {
        let manifest = manifest(&key, None);
        write_private(&dir.join(MANIFEST_FILE), manifest.to_json().as_bytes())?;
        print_postgres_guidance(config, dir);
        warn_about_the_key(dir);
        return Ok(());
    }
    let db = database_file(config)?;
    if !db.is_file() {
        anyhow::bail!("no database at {}: nothing to back up", db.display());
    }
    let taken = backup::take(&db, &config.data_dir.join(BLOBS_DIR), dir)
        .await
        .with_context(|| format!("the backup into {} failed", dir.display()))?;
    let manifest = manifest(&key, Some(&taken));
    write_private(&dir.join(MANIFEST_FILE), manifest.to_json().as_bytes())?;
    let verified = backup::verify(dir).await.with_context(|| {
        format!(
            "the backup in {} was written but does not verify",
            dir.display()
        )
    })?;
    println!(
        "Backed up {} messages, {} message bodies ({} bytes) and the server key to {} in {:.2} s; verified.",
        taken.contents.messages,
        taken.contents.blobs.len(),
        verified.blob_bytes,
        dir.display(),
        started.elapsed().as_secs_f64()
    );
    println!(
        "Not included: TLS files (a configured certificate is yours to keep; a self-signed one is made again)."
    );
    warn_about_the_key(dir);
    Ok(())
}

/// The embedded database's file, from the config's URL.
pub(super) fn database_file(config: &Config) -> Result<std::path::PathBuf> {
    backup::sqlite_file(&config.database_url()).with_context(|| {
        format!(
            "{} is not a SQLite file",
            mask_password(&config.database_url())
        )
    })
}

/// What the backup holds: the key, and on SQLite what [`backup::take`] wrote.
fn manifest(key: &[u8], taken: Option<&Taken>) -> Manifest {
    Manifest {
        created_at: chrono::Utc::now(),
        trekmail_version: env!("CARGO_PKG_VERSION").to_owned(),
        database: match taken {
            Some(_) => DatabaseKind::Sqlite,
            None => DatabaseKind::Postgres,
        },
        schema_version: taken.map(|t| t.contents.schema_version),
        messages: taken.map(|t| t.contents.messages),
        blobs: taken.map(|t| t.contents.blobs.len() as u64),
        blob_bytes: taken.map(|t| t.blob_bytes),
        database_sha256: taken.map(|t| t.database_sha256.clone()),
        key_sha256: sha256_hex(key),
    }
}

/// Whether `dir` is missing or an empty directory.
pub(super) fn is_new_or_empty(dir: &Path) -> Result<bool> {
    match std::fs::read_dir(dir) {
        Ok(mut entries) => Ok(entries.next().is_none()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(true),
        Err(e) => Err(e).with_context(|| format!("cannot read {}", dir.display())),
    }
}

/// The key opens every sealed secret, so whoever holds the backup holds them too.
fn warn_about_the_key(dir: &Path) {
    println!(
        "WARNING: {} holds the server key, which unlocks the 2FA secrets and DKIM keys: keep the backup as safe as the server itself.",
        dir.display()
    );
}

/// What backs up a PostgreSQL node's database: `pg_dump`, bodies included.
fn print_postgres_guidance(config: &Config, dir: &Path) {
    let url = mask_password(&config.database_url());
    println!("This node's database is PostgreSQL: back it up with pg_dump, for example");
    println!(
        "  pg_dump --format=custom --file={}/trekmail.pgdump '{url}'",
        dir.display()
    );
    println!(
        "Message bodies are rows of the plain table `blobs` (no large objects), so a dump of the whole database holds them with every other table."
    );
    println!(
        "Restore it with pg_restore --dbname=URL into an empty database, then copy {KEY_FILE} from {} to the key file of every node ({}).",
        dir.display(),
        config.key_file().display()
    );
    println!(
        "Wrote the server key and {MANIFEST_FILE} to {}.",
        dir.display()
    );
}
