//! The manifest of a backup (JSON): what it holds and the hashes to check it by, so a restore
//! refuses a backup that is not whole before it copies anything.

use super::{BackupError, BackupResult};
use chrono::{DateTime, SecondsFormat, Utc};
use serde_json::{Value, json};

/// The layout of a backup directory this build writes and reads.
const FORMAT_VERSION: u64 = 1;

/// Which database the backed-up node ran on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DatabaseKind {
    /// The database copy and its bodies are in the backup.
    Sqlite,
    /// Only the server key is: the database is backed up with `pg_dump`.
    Postgres,
}

impl DatabaseKind {
    fn name(self) -> &'static str {
        match self {
            DatabaseKind::Sqlite => "sqlite",
            DatabaseKind::Postgres => "postgresql",
        }
    }
}

/// What a backup holds; on PostgreSQL the database fields are empty.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Manifest {
    pub created_at: DateTime<Utc>,
    pub trekmail_version: String,
    pub database: DatabaseKind,
    pub schema_version: Option<i64>,
    pub messages: Option<u64>,
    pub blobs: Option<u64>,
    pub blob_bytes: Option<u64>,
    /// The SHA-256 (hex) of the database copy.
    pub database_sha256: Option<String>,
    /// The SHA-256 (hex) of the server key file: a key swapped or damaged is noticed too.
    pub key_sha256: String,
}

impl Manifest {
    pub fn to_json(&self) -> String {
        let value = json!({
            "format": FORMAT_VERSION,
            "created_at": self.created_at.to_rfc3339_opts(SecondsFormat::Secs, true),
            "trekmail_version": self.trekmail_version,
            "database": self.database.name(),
            "schema_version": self.schema_version,
            "messages": self.messages,
            "blobs": self.blobs,
            "blob_bytes": self.blob_bytes,
            "database_sha256": self.database_sha256,
            "key_sha256": self.key_sha256,
        });
        format!("{value:#}\n")
    }

    /// Reads a manifest this build can restore from: a newer format is refused, not guessed.
    pub fn parse(text: &str) -> BackupResult<Manifest> {
        let damaged = |why: &str| BackupError::Damaged(format!("manifest: {why}"));
        let value: Value = serde_json::from_str(text).map_err(|e| damaged(&e.to_string()))?;
        let format = value["format"]
            .as_u64()
            .ok_or_else(|| damaged("no format version"))?;
        if format != FORMAT_VERSION {
            return Err(damaged(&format!(
                "format {format}; this TrekMail reads format {FORMAT_VERSION}: restore with the version that made it"
            )));
        }
        let text_of = |key: &str| {
            value[key]
                .as_str()
                .map(str::to_owned)
                .ok_or_else(|| damaged(&format!("no {key}")))
        };
        let created_at = DateTime::parse_from_rfc3339(&text_of("created_at")?)
            .map_err(|e| damaged(&format!("created_at: {e}")))?
            .with_timezone(&Utc);
        let database = match text_of("database")?.as_str() {
            "sqlite" => DatabaseKind::Sqlite,
            "postgresql" => DatabaseKind::Postgres,
            other => return Err(damaged(&format!("unknown database {other:?}"))),
        };
        Ok(Manifest {
            created_at,
            trekmail_version: text_of("trekmail_version")?,
            database,
            schema_version: value["schema_version"].as_i64(),
            messages: value["messages"].as_u64(),
            blobs: value["blobs"].as_u64(),
            blob_bytes: value["blob_bytes"].as_u64(),
            database_sha256: value["database_sha256"].as_str().map(str::to_owned),
            key_sha256: text_of("key_sha256")?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_manifest_reads_back_and_a_newer_format_is_refused() {
        let manifest = Manifest {
            created_at: DateTime::parse_from_rfc3339("2026-03-01T10:00:00Z")
                .unwrap()
                .with_timezone(&Utc),
            trekmail_version: "0.1.0".into(),
            database: DatabaseKind::Sqlite,
            schema_version: Some(19),
            messages: Some(3),
            blobs: Some(2),
            blob_bytes: Some(120),
            database_sha256: Some("ab".repeat(32)),
            key_sha256: "cd".repeat(32),
        };
        let text = manifest.to_json();
        assert!(text.contains("\"format\": 1"), "{text}");
        assert_eq!(Manifest::parse(&text).unwrap(), manifest);
        let newer = text.replace("\"format\": 1", "\"format\": 2");
        let err = Manifest::parse(&newer).unwrap_err().to_string();
        assert!(err.contains("format 2"), "{err}");
        assert!(Manifest::parse("{").is_err());
    }
}
