//! The real `trekmail` binary: errors, operator commands, `serve`, and commands reaching a
//! running node's sessions (through the embedded control socket, or PostgreSQL NOTIFY).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::*;
use std::path::Path;
use std::process::Command;
use std::sync::Arc;
use std::time::Duration;
use trekmail_core::audit::Channel;
use trekmail_core::clock::SystemClock;
use trekmail_core::security::password_hasher::PasswordHasher;
use trekmail_core::security::secret_box::SecretBox;
use trekmail_core::store::Store;
use trekmail_core::{Core, CoreConfig};
use trekmail_testkit::{Backend, fresh_database};

#[test]
fn bad_config_unknown_flag_and_unreachable_database_fail_in_one_line() {
    let (dir, config) = setup("");
    std::fs::write(&config, "[database]\nurll = \"x\"\n").unwrap();
    let e = fails(&config, &["account", "list"], None);
    assert!(e.contains("urll"), "{e}");

    let e = fails(&dir.join("missing.toml"), &["account", "list"], None);
    assert!(e.contains("missing.toml"), "{e}");

    let out = Command::new(BIN).arg("--frobnicate").output().unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("frobnicate"));

    std::fs::write(
        &config,
        "[database]\nurl = \"postgres://bob:hunter2secret@127.0.0.1:1/none\"\n",
    )
    .unwrap();
    let e = fails(&config, &["account", "list"], None);
    assert!(e.contains("127.0.0.1:1"), "{e}");
    assert!(!e.contains("hunter2secret"), "the password leaked: {e}");

    for (smtp, key) in [
        ("outbound_tls = \"sometimes\"", "smtp.outbound_tls"),
        (
            "relay_user = \"u\"",
            "smtp.relay_user and smtp.relay_password",
        ),
        (
            "relay_user = \"u\"\nrelay_password = \"Relay-secret-9\"",
            "smtp.relay_user needs smtp.relay",
        ),
    ] {
        std::fs::write(&config, format!("[smtp]\n{smtp}\n")).unwrap();
        let e = fails(&config, &["account", "list"], None);
        assert!(e.contains(key), "{e}");
        assert!(!e.contains("Relay-secret-9"), "the password leaked: {e}");
    }
}

#[test]
fn operator_commands_set_up_accounts_domains_and_mailboxes() {
    let (_dir, config) = setup("");
    let out = ok(
        &config,
        &[
            "account",
            "create",
            "--email",
            "owner@example.com",
            "--plan",
            "starter",
        ],
        None,
    );
    let generated = out
        .lines()
        .find(|l| l.contains("shown once"))
        .expect("password shown");
    let password = generated.rsplit(' ').next().unwrap();
    assert_eq!(password.len(), 18, "{generated}");
    assert!(ok(&config, &["account", "list"], None).contains("owner@example.com\tStarter"));
    assert!(
        !ok(&config, &["account", "list"], None).contains(password),
        "password shown twice"
    );

    ok(
        &config,
        &[
            "domain",
            "add",
            "--account",
            "owner@example.com",
            "example.com",
        ],
        None,
    );
    let e = fails(
        &config,
        &[
            "domain",
            "add",
            "--account",
            "owner@example.com",
            "second.example",
        ],
        None,
    );
    assert!(e.contains("plan allows"), "{e}");

    let e = fails(
        &config,
        &["mailbox", "create", "ann@example.com", "--password-stdin"],
        Some("short\n"),
    );
    assert!(
        e.contains("At least 12 characters") && e.contains("At least one number"),
        "{e}"
    );
    let e = fails(
        &config,
        &["mailbox", "create", "ann@elsewhere.example"],
        None,
    );
    assert!(e.contains("not a hosted domain"), "{e}");
    ok(
        &config,
        &[
            "mailbox",
            "create",
            "ann@example.com",
            "--name",
            "Ann",
            "--password-stdin",
        ],
        Some("Ann-first-pass-1\n"),
    );
    let e = fails(&config, &["mailbox", "create", "ann@example.com"], None);
    assert!(e.contains("exists") || e.contains("taken"), "{e}");
    let list = ok(
        &config,
        &["mailbox", "list", "--account", "owner@example.com"],
        None,
    );
    assert!(
        list.contains("ann@example.com\tAnn\t0 of 1024 MB\t2FA off"),
        "{list}"
    );

    let out = ok(
        &config,
        &["mailbox", "set-password", "ann@example.com"],
        None,
    );
    assert!(
        out.contains("0 session(s) ended") && out.contains("shown once"),
        "{out}"
    );
    assert!(
        ok(&config, &["sessions", "list", "ann@example.com"], None).contains("no live sessions")
    );
    let audit = ok(&config, &["audit", "ann@example.com"], None);
    assert!(audit.contains("password_changed\tcli\toperator"), "{audit}");
    let e = fails(&config, &["mailbox", "delete", "ann@example.com"], None);
    assert!(e.contains("--yes"), "{e}");
    ok(
        &config,
        &["mailbox", "delete", "ann@example.com", "--yes"],
        None,
    );
    let e = fails(&config, &["sessions", "list", "ann@example.com"], None);
    assert!(e.contains("no mailbox"), "{e}");
}

#[test]
fn serve_starts_on_the_embedded_default_and_stops_on_sigterm() {
    let (dir, config) = setup("");
    let (mut server, lines) = serve(&config);
    let text = lines.concat();
    assert!(
        text.contains("trekmail.db")
            && text.contains("self-signed")
            && text.contains("trekmail.sock"),
        "{text}"
    );
    assert!(dir.join("data/tls/self-signed-cert.pem").exists());
    // Commands work while it runs.
    seed(&config);
    let pid = server.0.id().to_string();
    assert!(
        Command::new("kill")
            .args(["-TERM", &pid])
            .status()
            .unwrap()
            .success()
    );
    let status = server.0.wait().unwrap();
    assert!(status.success(), "{status}");
}

/// A node in this test process holding a live connection of ann@example.com.
async fn holding_node(
    config: &Path,
    url: &str,
    backend: Backend,
) -> (Arc<Core>, trekmail_core::sessions::LiveSession) {
    let sql = Arc::new(trekmail_storage::SqlStore::open(url).await.unwrap());
    let store: Arc<dyn Store> = sql.clone();
    let data = config.parent().unwrap().join("data");
    let (link, inbound): (Arc<dyn trekmail_core::cluster::ClusterLink>, _) = match backend {
        Backend::Sqlite => {
            let (l, i) = trekmail_storage::SocketLink::listen(&data.join("trekmail.sock"), 64)
                .await
                .unwrap();
            (Arc::new(l), i)
        }
        Backend::Postgres => {
            let (l, i) = trekmail_storage::PgLink::connect(url, 64).await.unwrap();
            (Arc::new(l), i)
        }
    };
    let secrets = SecretBox::load_or_create(&data.join("server.key")).unwrap();
    let (core, _operator) = Core::new(
        CoreConfig::default(),
        store,
        sql,
        link,
        secrets,
        PasswordHasher::for_this_machine(),
        Arc::new(SystemClock),
    )
    .unwrap();
    core.start(inbound, tokio_util::sync::CancellationToken::new());
    let auth = core
        .door()
        .password_and_code(Channel::Imap, "ann@example.com", "Ann-first-pass-1", None)
        .await
        .unwrap();
    let session = core
        .registry()
        .open_connection(&auth, Channel::Imap, None)
        .await
        .unwrap();
    (core, session)
}

#[tokio::test(flavor = "multi_thread")]
async fn set_password_from_the_command_line_ends_a_running_nodes_sessions() {
    for backend in [Backend::Sqlite, Backend::Postgres] {
        let url = match backend {
            Backend::Sqlite => String::new(),
            Backend::Postgres => fresh_database(backend).await,
        };
        let (dir, config) = setup(&url);
        std::fs::create_dir_all(dir.join("data")).unwrap();
        let config2 = config.clone();
        tokio::task::spawn_blocking(move || seed(&config2))
            .await
            .unwrap();
        let store_url = if url.is_empty() {
            format!(
                "sqlite://{}?mode=rwc",
                dir.join("data/trekmail.db").display()
            )
        } else {
            url.clone()
        };
        let (core, session) = holding_node(&config, &store_url, backend).await;
        let listed = {
            let c = config.clone();
            tokio::task::spawn_blocking(move || {
                ok(&c, &["sessions", "list", "ann@example.com"], None)
            })
            .await
            .unwrap()
        };
        assert!(listed.contains("\timap\t"), "{backend:?}: {listed}");
        let c = config.clone();
        let out = tokio::task::spawn_blocking(move || {
            ok(
                &c,
                &[
                    "mailbox",
                    "set-password",
                    "ann@example.com",
                    "--password-stdin",
                ],
                Some("Changed-by-cli-1\n"),
            )
        })
        .await
        .unwrap();
        assert!(out.contains("1 session(s) ended"), "{backend:?}: {out}");
        tokio::time::timeout(Duration::from_secs(2), session.ended())
            .await
            .unwrap_or_else(|_| panic!("{backend:?}: the running node's session was not ended"));
        drop(core);
    }
}
