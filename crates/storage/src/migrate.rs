//! A tiny migration runner: numbered SQL scripts per backend, embedded in the binary, each
//! applied once in its own transaction and recorded in `schema_migrations`.

use crate::error::db_err;
use crate::sql_store::Backend;
use sqlx::AnyConnection;
use sqlx::{AnyPool, Connection, Row};
use trekmail_core::clock::to_micros;
use trekmail_core::store::{StoreError, StoreResult};

/// One schema step. Versions only grow; a shipped script is never edited.
struct Migration {
    version: i64,
    sqlite: &'static str,
    postgres: &'static str,
}

const MIGRATIONS: &[Migration] = &[
    Migration {
        version: 1,
        sqlite: include_str!("../migrations/sqlite/0001_initial.sql"),
        postgres: include_str!("../migrations/postgres/0001_initial.sql"),
    },
    Migration {
        version: 2,
        sqlite: include_str!("../migrations/sqlite/0002_messages.sql"),
        postgres: include_str!("../migrations/postgres/0002_messages.sql"),
    },
    Migration {
        version: 3,
        sqlite: include_str!("../migrations/sqlite/0003_outbound_queue.sql"),
        postgres: include_str!("../migrations/postgres/0003_outbound_queue.sql"),
    },
    Migration {
        version: 4,
        sqlite: include_str!("../migrations/sqlite/0004_api_tokens.sql"),
        postgres: include_str!("../migrations/postgres/0004_api_tokens.sql"),
    },
    Migration {
        version: 6,
        sqlite: include_str!("../migrations/sqlite/0006_message_bodies.sql"),
        postgres: include_str!("../migrations/postgres/0006_message_bodies.sql"),
    },
    Migration {
        version: 7,
        sqlite: include_str!("../migrations/sqlite/0007_sign_in_failures.sql"),
        postgres: include_str!("../migrations/postgres/0007_sign_in_failures.sql"),
    },
    Migration {
        version: 8,
        sqlite: include_str!("../migrations/sqlite/0008_webmail_brands.sql"),
        postgres: include_str!("../migrations/postgres/0008_webmail_brands.sql"),
    },
    Migration {
        version: 9,
        sqlite: include_str!("../migrations/sqlite/0009_sign_in_trust.sql"),
        postgres: include_str!("../migrations/postgres/0009_sign_in_trust.sql"),
    },
    Migration {
        version: 10,
        sqlite: include_str!("../migrations/sqlite/0010_outbound_bodies_and_bounces.sql"),
        postgres: include_str!("../migrations/postgres/0010_outbound_bodies_and_bounces.sql"),
    },
    Migration {
        version: 11,
        sqlite: include_str!("../migrations/sqlite/0011_api_token_expiry.sql"),
        postgres: include_str!("../migrations/postgres/0011_api_token_expiry.sql"),
    },
    Migration {
        version: 12,
        sqlite: include_str!("../migrations/sqlite/0012_outbound_body_charge.sql"),
        postgres: include_str!("../migrations/postgres/0012_outbound_body_charge.sql"),
    },
    Migration {
        version: 13,
        sqlite: include_str!("../migrations/sqlite/0013_modseq.sql"),
        postgres: include_str!("../migrations/postgres/0013_modseq.sql"),
    },
    Migration {
        version: 14,
        sqlite: include_str!("../migrations/sqlite/0014_subscriptions.sql"),
        postgres: include_str!("../migrations/postgres/0014_subscriptions.sql"),
    },
    Migration {
        version: 15,
        sqlite: include_str!("../migrations/sqlite/0015_header_summaries.sql"),
        postgres: include_str!("../migrations/postgres/0015_header_summaries.sql"),
    },
    Migration {
        version: 16,
        sqlite: include_str!("../migrations/sqlite/0016_routing.sql"),
        postgres: include_str!("../migrations/postgres/0016_routing.sql"),
    },
    Migration {
        version: 17,
        sqlite: include_str!("../migrations/sqlite/0017_sieve.sql"),
        postgres: include_str!("../migrations/postgres/0017_sieve.sql"),
    },
    Migration {
        version: 18,
        sqlite: include_str!("../migrations/sqlite/0018_unseen_index.sql"),
        postgres: include_str!("../migrations/postgres/0018_unseen_index.sql"),
    },
    Migration {
        version: 19,
        sqlite: include_str!("../migrations/sqlite/0019_dkim_keys.sql"),
        postgres: include_str!("../migrations/postgres/0019_dkim_keys.sql"),
    },
];

const CREATE_TABLE_SQLITE: &str = "CREATE TABLE IF NOT EXISTS schema_migrations \
     (version INTEGER PRIMARY KEY, applied_at INTEGER NOT NULL)";
const CREATE_TABLE_POSTGRES: &str = "CREATE TABLE IF NOT EXISTS schema_migrations \
     (version BIGINT PRIMARY KEY, applied_at BIGINT NOT NULL)";
/// Serialises migrating processes on PostgreSQL; released at commit. The key is arbitrary
/// but fixed ("TrekMail" in ASCII).
const PG_LOCK: &str = "SELECT pg_advisory_xact_lock(6085037558065097068)";
const IS_APPLIED: &str = "SELECT COUNT(*) AS n FROM schema_migrations WHERE version = $1";
const RECORD: &str = "INSERT INTO schema_migrations (version, applied_at) VALUES ($1, $2)";
const NEWEST: &str = "SELECT CAST(COALESCE(MAX(version), 0) AS BIGINT) AS v FROM schema_migrations";
const APPLIED: &str = "SELECT version FROM schema_migrations ORDER BY version";

/// Applies every migration not yet recorded. Safe to run from several processes at once: on
/// PostgreSQL an advisory lock, on SQLite `BEGIN IMMEDIATE`, lets one migrate while the others
/// wait and then find the work done.
pub(crate) async fn run(conn: &mut AnyConnection, backend: Backend) -> StoreResult<()> {
    for m in MIGRATIONS {
        let mut tx = match backend {
            Backend::Sqlite => conn.begin_with("BEGIN IMMEDIATE").await,
            Backend::Postgres => conn.begin().await,
        }
        .map_err(db_err)?;
        let (create, script) = match backend {
            Backend::Sqlite => (CREATE_TABLE_SQLITE, m.sqlite),
            Backend::Postgres => {
                sqlx::query(PG_LOCK)
                    .execute(&mut *tx)
                    .await
                    .map_err(db_err)?;
                (CREATE_TABLE_POSTGRES, m.postgres)
            }
        };
        sqlx::query(create)
            .execute(&mut *tx)
            .await
            .map_err(db_err)?;
        let row = sqlx::query(IS_APPLIED)
            .bind(m.version)
            .fetch_one(&mut *tx)
            .await
            .map_err(db_err)?;
        let done: i64 = row.try_get("n").map_err(db_err)?;
        if done > 0 {
            tx.rollback().await.map_err(db_err)?;
            continue;
        }
        sqlx::raw_sql(script).execute(&mut *tx).await.map_err(|e| {
            StoreError::Backend(format!(
                "migration {} failed: {}",
                m.version,
                crate::error::cause(&e)
            ))
        })?;
        sqlx::query(RECORD)
            .bind(m.version)
            .bind(to_micros(chrono::Utc::now()))
            .execute(&mut *tx)
            .await
            .map_err(db_err)?;
        tx.commit().await.map_err(db_err)?;
        tracing::info!(version = m.version, "applied database migration");
    }
    let newest = MIGRATIONS.last().map_or(0, |m| m.version);
    let row = sqlx::query(NEWEST)
        .fetch_one(&mut *conn)
        .await
        .map_err(db_err)?;
    let found: i64 = row.try_get("v").map_err(db_err)?;
    if found > newest {
        // A newer TrekMail migrated this database; this one would misread it.
        return Err(StoreError::Backend(format!(
            "the database schema is version {found}, newer than this TrekMail knows ({newest}); upgrade TrekMail"
        )));
    }
    Ok(())
}

/// The versions this build knows, in order: what a database it opened is migrated to.
pub fn known_versions() -> Vec<i64> {
    MIGRATIONS.iter().map(|m| m.version).collect()
}

/// The versions recorded as applied.
pub(crate) async fn applied(pool: &AnyPool) -> StoreResult<Vec<i64>> {
    let rows = sqlx::query(APPLIED).fetch_all(pool).await.map_err(db_err)?;
    rows.iter()
        .map(|r| r.try_get("version").map_err(db_err))
        .collect()
}
