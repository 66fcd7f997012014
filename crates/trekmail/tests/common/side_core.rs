//! A second core on a test node's database, for what the running server's clients cannot do
//! from here (a mailbox owner turning 2FA on in webmail), and TOTP codes from oathtool, an
//! implementation we did not write.

use std::path::Path;
use std::process::Command;
use std::sync::Arc;
use trekmail_core::access::Operator;
use trekmail_core::audit::Channel;
use trekmail_core::clock::SystemClock;
use trekmail_core::cluster::{ClusterLink, NoLink};
use trekmail_core::ids::{AccountId, Principal};
use trekmail_core::security::password_hasher::PasswordHasher;
use trekmail_core::security::secret_box::SecretBox;
use trekmail_core::services::{Actor, NewApiToken, TokenLifetime};
use trekmail_core::store::BlobStore;
use trekmail_core::{Core, CoreConfig};

/// A second core and the operator's authority over it (the test acts as the operator).
pub struct SideCore {
    pub core: Arc<Core>,
    pub operator: Operator,
}

impl std::ops::Deref for SideCore {
    type Target = Core;

    fn deref(&self) -> &Core {
        &self.core
    }
}

/// A core on the data dir's SQLite; `linked` to the running server through its control
/// socket, so the server hears the changes (live pages, ended sessions).
pub async fn side_core(data: &Path, linked: bool) -> SideCore {
    let url = format!("sqlite://{}?mode=rwc", data.join("trekmail.db").display());
    let link: Arc<dyn ClusterLink> = match linked {
        true => Arc::new(trekmail_storage::SocketLink::client(
            data.join("trekmail.sock"),
        )),
        false => Arc::new(NoLink),
    };
    core_on(&url, data, link).await
}

/// A core like a node's: bodies in files beside SQLite, in the database on PostgreSQL.
pub async fn core_on(url: &str, data: &Path, link: Arc<dyn ClusterLink>) -> SideCore {
    let store = Arc::new(trekmail_storage::SqlStore::open(url).await.unwrap());
    let blobs: Arc<dyn BlobStore> = match url.starts_with("sqlite:") {
        true => Arc::new(trekmail_storage::FsBlobStore::new(data.join("blobs"))),
        false => store.clone(),
    };
    let (core, operator) = Core::new(
        CoreConfig::default(),
        store,
        blobs,
        link,
        SecretBox::load_or_create(&data.join("server.key")).unwrap(),
        PasswordHasher::for_this_machine(),
        Arc::new(SystemClock),
    )
    .unwrap();
    SideCore { core, operator }
}

/// Turns a mailbox's 2FA on as its owner would in webmail; returns the key (base32).
pub async fn enroll_mailbox(core: &SideCore, address: &str) -> String {
    let mailbox = core
        .mailbox_by_address(core.operator.scope(), address)
        .await
        .unwrap();
    let who = Principal::Mailbox(mailbox.id);
    enroll(core, who, mailbox.account_id, Channel::Webmail, address).await
}

/// Turns `who`'s 2FA on with a current code from oathtool; returns the key (base32).
pub async fn enroll(
    core: &SideCore,
    who: Principal,
    account: AccountId,
    channel: Channel,
    name: &str,
) -> String {
    let enrollment = core
        .begin_two_factor(&core.operator.own(who, account))
        .unwrap();
    let key = enrollment.secret.expose_base32().replace(' ', "");
    let actor = Actor {
        channel,
        remote: None,
        name: name.into(),
    };
    core.confirm_two_factor(
        &core.operator.own(who, account),
        &enrollment.ticket,
        &oathtool(&key, 0),
        None,
        &actor,
    )
    .await
    .unwrap();
    key
}

/// The code oathtool makes for `base32` at now + `ahead` seconds.
pub fn oathtool(base32: &str, ahead: i64) -> String {
    let at = chrono::Utc::now() + chrono::Duration::seconds(ahead);
    let out = Command::new("oathtool")
        .args([
            "--totp",
            "-b",
            "--now",
            &at.format("%Y-%m-%d %H:%M:%S UTC").to_string(),
            base32,
        ])
        .output()
        .expect("oathtool is installed by scripts/test");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap().trim().to_owned()
}

/// An API token of the account whose owner is `email`, made by the operator (who is asked no
/// password) and never expiring.
pub async fn operator_token(core: &SideCore, email: &str, name: &str) -> String {
    let account = core.account_by_email(email).await.unwrap();
    let new = NewApiToken {
        name,
        lifetime: TokenLifetime::Never,
        password: None,
    };
    let (_, token) = core
        .create_api_token(core.operator.scope(), account.id, &new, &Actor::operator())
        .await
        .unwrap();
    token.to_string()
}
