//! Opens what every command needs: the store, the link to other nodes, the server key and the
//! core on top of them.

use crate::config::{Config, DATABASE_FILE};
use crate::data_dir;
use anyhow::{Context, Result};
use std::sync::Arc;
use tokio::sync::mpsc;
use trekmail_core::access::Operator;
use trekmail_core::clock::SystemClock;
use trekmail_core::cluster::{ClusterLink, Inbound};
use trekmail_core::security::password_hasher::PasswordHasher;
use trekmail_core::security::secret_box::SecretBox;
use trekmail_core::store::{BlobStore, Store};
use trekmail_core::{Core, CoreConfig};
use trekmail_storage::{FsBlobStore, PgLink, SocketLink, SqlStore};

/// Whether this process serves (and listens for other nodes) or runs one operator command.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    Server,
    Command,
}

/// The core, with the messages other processes send it.
pub struct Node {
    pub core: Arc<Core>,
    /// The operator's authority: for the operator commands only; `serve` drops it, so the
    /// channels act only on what they signed in to.
    pub operator: Operator,
    pub inbound: mpsc::Receiver<Inbound>,
}

pub async fn open(config: &Config, role: Role) -> Result<Node> {
    // The server key, the TLS key and the control socket live here on PostgreSQL too.
    data_dir::private_dir(&config.data_dir)?;
    if !config.is_postgres() {
        data_dir::private_file(&config.data_dir.join(DATABASE_FILE))?;
    }
    let url = config.database_url();
    let sql = Arc::new(SqlStore::open(&url).await?);
    // Message bodies: files in the data dir when embedded; in PostgreSQL when nodes share it,
    // so any node can serve any mailbox.
    let blobs: Arc<dyn BlobStore> = match config.is_postgres() {
        true => sql.clone(),
        false => Arc::new(FsBlobStore::new(config.data_dir.join("blobs"))),
    };
    let store: Arc<dyn Store> = sql;
    let (link, inbound): (Arc<dyn ClusterLink>, mpsc::Receiver<Inbound>) =
        match (config.is_postgres(), role) {
            (true, _) => {
                let (link, inbound) = PgLink::connect(&url, 1024).await?;
                (Arc::new(link), inbound)
            }
            (false, Role::Server) => {
                let (link, inbound) = SocketLink::listen(&config.socket_path(), 1024)
                    .await
                    .with_context(|| {
                        format!("cannot listen on {}", config.socket_path().display())
                    })?;
                (Arc::new(link), inbound)
            }
            (false, Role::Command) => {
                let (_, inbound) = mpsc::channel(1);
                (Arc::new(SocketLink::client(config.socket_path())), inbound)
            }
        };
    let secrets = SecretBox::load_or_create(&config.key_file())?;
    // An operator command keeps no metrics: nobody scrapes it.
    let core_config = CoreConfig {
        metrics: role == Role::Server && config.metrics.enabled,
        ..config.core_config()
    };
    let (core, operator) = Core::new(
        core_config,
        store,
        blobs,
        link,
        secrets,
        PasswordHasher::for_this_machine(),
        Arc::new(SystemClock),
    )?;
    Ok(Node {
        core,
        operator,
        inbound,
    })
}
