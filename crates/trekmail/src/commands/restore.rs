//! `trekmail restore DIR`: a backup made by `trekmail backup`, checked whole, into a data dir
//! that holds no data yet, then migrated by opening the store once, so a backup of an older
//! version restores into this one.

use super::backup::{database_file, is_new_or_empty};
use crate::config::Config;
use crate::data_dir::{private_dir, write_private};
use anyhow::{Context, Result};
use std::path::{Path, PathBuf};
use std::time::Instant;
use trekmail_storage::backup::{self, BLOBS_DIR, KEY_FILE};
use trekmail_storage::{SqlStore, known_schema_versions};

pub async fn run(config: &Config, dir: &Path) -> Result<()> {
    let started = Instant::now();
    if config.is_postgres() {
        anyhow::bail!(
            "this node's database is PostgreSQL: restore its pg_dump with `pg_restore --dbname=URL FILE` into an empty database, then copy {} from {} to {}",
            KEY_FILE,
            dir.display(),
            config.key_file().display()
        );
    }
    let db = database_file(config)?;
    let key_file = config.key_file();
    let blobs = config.data_dir.join(BLOBS_DIR);
    let wal = PathBuf::from(format!("{}-wal", db.display()));
    for (what, path) in [
        ("a database", &db),
        ("a database", &wal),
        ("a server key", &key_file),
    ] {
        if path.exists() {
            anyhow::bail!(
                "the data dir already holds {what} ({}): restore only into an empty data dir",
                path.display()
            );
        }
    }
    if !is_new_or_empty(&blobs)? {
        anyhow::bail!(
            "the data dir already holds message bodies ({}): restore only into an empty data dir",
            blobs.display()
        );
    }
    let verified = backup::verify(dir)
        .await
        .with_context(|| format!("{} does not verify; nothing was restored", dir.display()))?;
    let Some(contents) = verified.contents else {
        anyhow::bail!(
            "{} is a PostgreSQL node's backup: it holds the server key only; restore the database with pg_restore",
            dir.display()
        );
    };
    let newest = known_schema_versions().last().copied().unwrap_or_default();
    if contents.schema_version > newest {
        anyhow::bail!(
            "the backup's database schema is version {}, newer than this TrekMail knows ({newest}): restore with TrekMail {} or later",
            contents.schema_version,
            verified.manifest.trekmail_version
        );
    }
    private_dir(&config.data_dir)?;
    let key = std::fs::read(dir.join(KEY_FILE))
        .with_context(|| format!("cannot read {}", dir.join(KEY_FILE).display()))?;
    let copied = async {
        backup::restore(dir, &contents, &db, &blobs).await?;
        write_private(&key_file, &key)?;
        // Applies the migrations of this version to an older backup's database.
        let store = SqlStore::open(&config.database_url()).await?;
        store.close().await;
        anyhow::Ok(())
    };
    copied.await.with_context(|| {
        format!(
            "the restore stopped part way: empty {} before trying again",
            config.data_dir.display()
        )
    })?;
    println!(
        "Restored {} messages and {} message bodies ({} bytes) from the backup of {} (TrekMail {}) into {} in {:.1} s.",
        contents.messages,
        contents.blobs.len(),
        verified.blob_bytes,
        verified.manifest.created_at.format("%Y-%m-%d %H:%M:%S UTC"),
        verified.manifest.trekmail_version,
        config.data_dir.display(),
        started.elapsed().as_secs_f64()
    );
    Ok(())
}
