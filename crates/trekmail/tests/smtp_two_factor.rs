//! SMTP AUTH with 2FA on, through smtplib: the password alone is refused, the password
//! immediately followed by a fresh code from oathtool is accepted, and a replayed code is not.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::*;
use std::process::Command;
use std::sync::Arc;
use trekmail_core::audit::Channel;
use trekmail_core::clock::SystemClock;
use trekmail_core::cluster::NoLink;
use trekmail_core::ids::Principal;
use trekmail_core::security::password_hasher::PasswordHasher;
use trekmail_core::security::secret_box::SecretBox;
use trekmail_core::services::{Actor, Scope};
use trekmail_core::{Core, CoreConfig};

const ANN: &str = "ann@example.com";
const PASSWORD: &str = "Ann-first-pass-1";

/// The code oathtool makes for `base32` at now + `ahead` seconds.
fn oathtool(base32: &str, ahead: i64) -> String {
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
    assert!(out.status.success());
    String::from_utf8(out.stdout).unwrap().trim().to_owned()
}

/// Turns 2FA on as the owner would in webmail, with a code from oathtool; returns the key.
async fn enroll(data: &std::path::Path) -> String {
    let url = format!("sqlite://{}?mode=rwc", data.join("trekmail.db").display());
    let store = Arc::new(trekmail_storage::SqlStore::open(&url).await.unwrap());
    let core = Core::new(
        CoreConfig::default(),
        store,
        Arc::new(trekmail_storage::FsBlobStore::new(data.join("blobs"))),
        Arc::new(NoLink),
        SecretBox::load_or_create(&data.join("server.key")).unwrap(),
        PasswordHasher::for_this_machine(),
        Arc::new(SystemClock),
    )
    .unwrap();
    let mailbox = core.mailbox_by_address(Scope::Operator, ANN).await.unwrap();
    let who = Principal::Mailbox(mailbox.id);
    let enrollment = core.begin_two_factor(who).unwrap();
    let key: String = enrollment.secret.expose_base32().replace(' ', "");
    let actor = Actor {
        channel: Channel::Webmail,
        remote: None,
        name: ANN.into(),
    };
    core.confirm_two_factor(
        who,
        mailbox.account_id,
        &enrollment.ticket,
        &oathtool(&key, 0),
        &actor,
    )
    .await
    .unwrap();
    key
}

fn submit(port: u16, secret: &str, subject: &str) -> String {
    finish(smtp_client(&[
        "submit",
        &port.to_string(),
        "starttls",
        ANN,
        secret,
        ANN,
        ANN,
        subject,
    ]))
}

#[tokio::test(flavor = "multi_thread")]
async fn with_2fa_on_smtp_needs_the_password_and_a_fresh_code_once() {
    let (dir, config) = setup("");
    let c = config.clone();
    let (server, lines) = tokio::task::spawn_blocking(move || {
        seed(&c);
        serve(&c)
    })
    .await
    .unwrap();
    let port = smtp_port(&lines, "submission");
    let key = enroll(&dir.join("data")).await;
    tokio::task::spawn_blocking(move || {
        let alone = submit(port, PASSWORD, "password alone");
        assert!(alone.contains("REFUSED 535 5.7.8"), "{alone}");
        // The enrolment spent the current step's code: the next step's is fresh.
        let secret = format!("{PASSWORD}{}", oathtool(&key, 30));
        let sent = submit(port, &secret, "with a code");
        assert!(sent.contains("SENT"), "{sent}");
        let replay = submit(port, &secret, "replayed");
        assert!(replay.contains("REFUSED 535 5.7.8"), "{replay}");
        drop(server);
    })
    .await
    .unwrap();
}
