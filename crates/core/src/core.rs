//! The assembled core: one value holding the store, the door, the registry and the event bus,
//! which every channel and the operator commands share.

use crate::access::Operator;
use crate::auth::{SignInDoor, ThrottlePolicy};
use crate::clock::Clock;
use crate::cluster::{ClusterLink, ClusterMessage, Inbound};
use crate::domain::{Plan, PlanLimits, Plans, PublicEndpoints};
use crate::events::{DomainEvent, EventBus};
use crate::ids::NodeId;
use crate::mail::{BodiesInFlight, MailChange, MailWatch};
use crate::metrics::{Metrics, TimedBlobs};
use crate::security::password_hasher::PasswordHasher;
use crate::security::random;
use crate::security::secret_box::SecretBox;
use crate::sessions::{RegistryTimings, SessionRegistry};
use crate::store::{BlobStore, Store};
use std::sync::Arc;
use tokio::sync::mpsc;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;
use trekmail_mailauth::dns::Dns;

/// The core's settings, from the `[plans]`, `[security]` and `[sessions]` config sections.
#[derive(Debug, Clone, Default)]
pub struct CoreConfig {
    pub plans: Plans,
    pub throttle: ThrottlePolicy,
    pub timings: RegistryTimings,
    /// The issuer shown in authenticator apps.
    pub issuer: String,
    /// The operator's own host names (shared webmail, dashboard): no account may brand one.
    pub reserved_hosts: Vec<String>,
    /// The names and ports mail apps and DNS records give out.
    pub public: PublicEndpoints,
    /// The DNS server to ask; `None` for the system's (`[dns] nameserver`).
    pub nameserver: Option<std::net::SocketAddr>,
    /// Whether the node keeps metrics (`[metrics] listen` set).
    pub metrics: bool,
}

/// Everything the channels need, shared behind an `Arc`.
pub struct Core {
    pub(crate) store: Arc<dyn Store>,
    pub(crate) blobs: Arc<dyn BlobStore>,
    pub(crate) clock: Arc<dyn Clock>,
    pub(crate) hasher: PasswordHasher,
    pub(crate) secrets: SecretBox,
    pub(crate) config: CoreConfig,
    events: EventBus,
    pub(crate) mail_watch: MailWatch,
    pub(crate) folder_deltas: crate::mail::FolderDeltas,
    pub(crate) bodies_in_flight: BodiesInFlight,
    /// Wakes the outbound queue's worker when anything (SMTP, a forward, a reply) queues mail.
    pub(crate) outbound_queued: tokio::sync::Notify,
    pub(crate) compiled_scripts: crate::services::CompiledScripts,
    pub(crate) dkim_signers: crate::services::DkimSigners,
    /// The resolver, made at its first use so a node without DNS still starts.
    dns: std::sync::OnceLock<Result<Arc<Dns>, String>>,
    registry: Arc<SessionRegistry>,
    door: SignInDoor,
    metrics: Metrics,
}

impl Core {
    /// The core, and the operator's authority over it: for the caller's operator commands only,
    /// never to be handed to a channel.
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        config: CoreConfig,
        store: Arc<dyn Store>,
        blobs: Arc<dyn BlobStore>,
        link: Arc<dyn ClusterLink>,
        secrets: SecretBox,
        hasher: PasswordHasher,
        clock: Arc<dyn Clock>,
    ) -> Result<(Arc<Core>, Operator), crate::CoreError> {
        let node = NodeId(random::hex_token()?);
        let metrics = Metrics::new(config.metrics);
        let blobs = TimedBlobs::wrap(blobs, &metrics);
        let registry = SessionRegistry::new(
            node,
            store.clone(),
            link,
            clock.clone(),
            config.timings,
            metrics.clone(),
        );
        let door = SignInDoor::new(
            store.clone(),
            hasher.clone(),
            secrets.clone(),
            config.throttle,
            clock.clone(),
            metrics.clone(),
        )?;
        let core = Arc::new(Core {
            store,
            blobs,
            clock,
            hasher,
            secrets,
            config,
            events: EventBus::default(),
            mail_watch: MailWatch::default(),
            folder_deltas: Default::default(),
            bodies_in_flight: BodiesInFlight::default(),
            outbound_queued: tokio::sync::Notify::new(),
            compiled_scripts: Default::default(),
            dkim_signers: Default::default(),
            dns: std::sync::OnceLock::new(),
            registry,
            door,
            metrics,
        });
        Ok((core, Operator::new()))
    }

    /// The one DNS resolver: `[dns] nameserver`, or the system's.
    pub fn dns(&self) -> Result<&Arc<Dns>, crate::CoreError> {
        self.dns
            .get_or_init(|| {
                Dns::new(self.config.nameserver)
                    .map(Arc::new)
                    .map_err(|e| e.to_string())
            })
            .as_ref()
            .map_err(|e| crate::CoreError::Config(e.clone()))
    }

    /// The node's metrics, for the channels to count in.
    pub fn metrics(&self) -> &Metrics {
        &self.metrics
    }

    /// The sign-in door.
    pub fn door(&self) -> &SignInDoor {
        &self.door
    }

    /// The live-session registry.
    pub fn registry(&self) -> &Arc<SessionRegistry> {
        &self.registry
    }

    /// Changes to watch for live pages.
    pub fn events(&self) -> &EventBus {
        &self.events
    }

    pub fn clock(&self) -> &Arc<dyn Clock> {
        &self.clock
    }

    /// What `plan` allows, as configured.
    pub fn plan_limits(&self, plan: Plan) -> PlanLimits {
        self.config.plans.limits(plan)
    }

    /// Where mail apps and other servers reach this server.
    pub fn public_endpoints(&self) -> &PublicEndpoints {
        &self.config.public
    }

    /// Runs the node's background work until `shutdown`: messages from other nodes, and the
    /// periodic sweep.
    pub fn start(
        self: &Arc<Self>,
        mut inbound: mpsc::Receiver<Inbound>,
        shutdown: CancellationToken,
    ) -> JoinHandle<()> {
        let core = self.clone();
        tokio::spawn(async move {
            let mut ticker = tokio::time::interval(core.config.timings.sweep_every);
            ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            let mut inbound_open = true;
            loop {
                tokio::select! {
                    () = shutdown.cancelled() => break,
                    _ = ticker.tick() => core.sweep().await,
                    message = inbound.recv(), if inbound_open => match message {
                        Some(Inbound::Message(envelope)) if envelope.origin != *core.registry.node() => {
                            core.registry.apply(&envelope.message);
                            match envelope.message {
                                ClusterMessage::Event { event } => core.events.publish_local(event),
                                ClusterMessage::Mail { change } => core.mail_watch.publish_local(change),
                                _ => {}
                            }
                        }
                        Some(Inbound::Message(_)) => {}
                        Some(Inbound::Resync) => core.sweep().await,
                        None => inbound_open = false,
                    },
                }
            }
        })
    }

    async fn sweep(&self) {
        if let Err(e) = self.registry.sweep().await {
            tracing::warn!(error = %e, "session sweep failed; retrying at the next tick");
        }
        if let Err(e) = self.door.prune_throttle().await {
            tracing::warn!(error = %e, "old sign-in failure counters not pruned");
        }
    }

    /// Tells this node's mailbox watchers and every other node's.
    pub(crate) async fn publish_mail(&self, change: MailChange) {
        self.mail_watch.publish_local(change);
        self.registry
            .broadcast(ClusterMessage::Mail { change })
            .await;
    }

    /// Tells this node's watchers and every other node.
    pub(crate) async fn publish(&self, event: DomainEvent) {
        self.events.publish_local(event.clone());
        self.registry
            .broadcast(ClusterMessage::Event { event })
            .await;
    }
}
