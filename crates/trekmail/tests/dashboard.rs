//! The dashboard as an admin uses it: the real `trekmail serve`, headless Chromium driven by
//! Playwright (dashboard_browser.py), the JSON API called by urllib (dashboard_api.py), curl,
//! and IMAP clients whose sessions a saved password must end.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::side_core::*;
use common::web::*;
use common::*;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use trekmail_core::CoreError;
use trekmail_core::audit::{AuditKind, Channel};
use trekmail_core::ids::Principal;
use trekmail_testkit::{Backend, fresh_database};

const ANN: &str = "ann@example.com";
/// The first mailbox of a fresh database.
const ANN_ID: &str = "1";
/// dashboard_browser.py against the dashboard on `port`.
fn browser(port: u16, mode: &str, args: &[&str]) -> Child {
    common::web::browser("dashboard_browser.py", &[port], mode, args)
}

#[test]
fn the_password_form_checks_live_generates_and_refuses_forged_posts() {
    let (_config, _server, lines) = started();
    let out = finish(browser(dashboard_port(&lines), "password-form", &[]));
    assert!(out.contains("PASSWORD FORM OK"), "{out}");
    // The forged and weak posts changed nothing: the first password still works.
    finish(imap_client(imap_port(&lines), ANN, ANN_PASSWORD, "browse"));
}

#[test]
fn saving_the_password_ends_a_live_imap_session_at_once() {
    let (_config, _server, lines) = started();
    let imap = imap_port(&lines);
    let mut idle = imap_client(imap, ANN, ANN_PASSWORD, "idle-bye");
    wait_for_line(&mut idle, "IDLING");
    let out = finish(browser(dashboard_port(&lines), "save-password", &[]));
    assert_eq!(line_value(&out, "ENDED"), "1", "{out}");
    let bye = wait_for_line(&mut idle, "BYE");
    assert!(bye.contains("* BYE"), "{bye}");
    finish(idle);
    only_new_password_works(imap, ANN, ANN_PASSWORD, &line_value(&out, "NEW"));
}

#[tokio::test(flavor = "multi_thread")]
async fn the_recovery_dialog_shows_a_code_once_and_only_the_newest_works() {
    let (config, server, lines) = tokio::task::spawn_blocking(started).await.unwrap();
    let dir = config.parent().unwrap().to_path_buf();
    let port = dashboard_port(&lines);
    let out = tokio::task::spawn_blocking(move || finish(browser(port, "recovery", &[])))
        .await
        .unwrap();
    let codes = line_value(&out, "CODES");
    let (old, new) = codes.split_once(' ').unwrap();
    let core = side_core(&dir.join("data"), false).await;
    let refused = core
        .redeem_recovery_code(ANN, old, "Recovered-pass-1", None)
        .await;
    assert_eq!(refused.unwrap_err(), CoreError::Denied);
    core.redeem_recovery_code(ANN, new, "Recovered-pass-1", None)
        .await
        .unwrap();
    drop(server);
}

#[tokio::test(flavor = "multi_thread")]
async fn the_2fa_pill_flips_live_when_the_owner_or_the_operator_changes_it() {
    let (config, server, lines) = tokio::task::spawn_blocking(started).await.unwrap();
    let dir = config.parent().unwrap().to_path_buf();
    let mut page = browser(dashboard_port(&lines), "pill", &[]);
    let page = tokio::task::spawn_blocking(move || {
        wait_for_line(&mut page, "READY");
        page
    })
    .await
    .unwrap();
    // The owner turns 2FA on (as webmail does), in another process.
    let core = side_core(&dir.join("data"), true).await;
    enroll_mailbox(&core, ANN).await;
    let c = config.clone();
    let out = tokio::task::spawn_blocking(move || {
        let mut page = page;
        wait_for_line(&mut page, "ON");
        // The operator turns it off.
        ok(&c, &["mailbox", "reset-2fa", ANN], None);
        finish(page)
    })
    .await
    .unwrap();
    assert!(out.contains("OFF"), "{out}");
    drop(server);
}

#[test]
fn account_b_can_neither_see_nor_change_account_a() {
    let (_dir, config) = setup("");
    seed(&config);
    seed_other(&config);
    let (_server, lines) = serve(&config);
    let out = finish(browser(
        dashboard_port(&lines),
        "isolation",
        &[B_EMAIL, B_PASSWORD, ANN_ID],
    ));
    assert!(out.contains("ISOLATED"), "{out}");
    finish(imap_client(imap_port(&lines), ANN, ANN_PASSWORD, "browse"));
}

#[test]
fn the_owner_sets_up_dashboard_2fa_and_signs_in_with_a_code_once() {
    let (_config, _server, lines) = started();
    let out = finish(browser(dashboard_port(&lines), "owner-2fa", &[]));
    assert!(out.contains("OWNER 2FA OK"), "{out}");
}

#[tokio::test(flavor = "multi_thread")]
async fn the_api_answers_every_endpoint_and_keeps_tenants_apart() {
    let (dir, config) = setup("");
    let c = config.clone();
    let (server, lines) = tokio::task::spawn_blocking(move || {
        seed(&c);
        seed_other(&c);
        serve(&c)
    })
    .await
    .unwrap();
    let port = dashboard_port(&lines);
    let out = tokio::task::spawn_blocking(move || finish(browser(port, "token", &["deploy"])))
        .await
        .unwrap();
    let token_a = line_value(&out, "TOKEN");
    let core = side_core(&dir.join("data"), false).await;
    let token_b = operator_token(&core, B_EMAIL, "b").await;
    let out = tokio::task::spawn_blocking(move || {
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/dashboard_api.py");
        let child = Command::new("python3")
            .arg(script)
            .args([&port.to_string(), &token_a, &token_b, ANN_ID])
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        finish(child)
    })
    .await
    .unwrap();
    assert!(out.contains("API OK"), "{out}");
    // The API's password change went through the one door: the old password is gone.
    let imap = imap_port(&lines);
    tokio::task::spawn_blocking(move || {
        only_new_password_works(imap, ANN, ANN_PASSWORD, "Api-set-pass-2026");
    })
    .await
    .unwrap();
    drop(server);
}

#[test]
fn pages_carry_strict_headers_and_sign_in_needs_its_form_token() {
    let (_config, _server, lines) = started();
    let base = format!("http://127.0.0.1:{}", dashboard_port(&lines));
    let page = curl(&[&format!("{base}/signin")]);
    assert_strict_headers(&page);
    let pre = page
        .lines()
        .find_map(|l| l.strip_prefix("set-cookie: tm_pre="))
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_owned();
    assert!(page.contains("HttpOnly; SameSite=Strict"), "{page}");
    // Without the form's token, even the right password does not sign in.
    let body = format!("csrf=wrong&email=owner%40example.com&password={OWNER_PASSWORD}");
    let refused = curl(&[
        "-b",
        &format!("tm_pre={pre}"),
        "--data",
        &body,
        &format!("{base}/signin"),
    ]);
    assert!(refused.contains("This form expired"), "{refused}");
    assert!(!refused.contains("tm_dash="), "{refused}");
    // With it, the session cookie is HttpOnly and SameSite=Strict.
    let body = format!("csrf={pre}&email=owner%40example.com&password={OWNER_PASSWORD}");
    let signed_in = curl(&[
        "-b",
        &format!("tm_pre={pre}"),
        "--data",
        &body,
        &format!("{base}/signin"),
    ]);
    let cookie = signed_in
        .lines()
        .find(|l| l.starts_with("set-cookie: tm_dash="))
        .unwrap_or_else(|| panic!("{signed_in}"));
    assert!(cookie.contains("HttpOnly; SameSite=Strict"), "{cookie}");
    // A wrong password reads like an unknown address.
    for email in ["owner%40example.com", "nobody%40example.com"] {
        let body = format!("csrf={pre}&email={email}&password=Wrong-pass-123");
        let wrong = curl(&[
            "-b",
            &format!("tm_pre={pre}"),
            "--data",
            &body,
            &format!("{base}/signin"),
        ]);
        assert!(wrong.contains("Wrong e-mail or password."), "{wrong}");
    }
    // Signed out, pages lead to the sign-in page.
    let away = curl(&[&format!("{base}/mailboxes/1/security")]);
    assert!(away.contains("location: /signin"), "{away}");
}

#[test]
fn the_owner_changing_their_password_signs_out_their_other_dashboard_sessions() {
    let (_config, _server, lines) = started();
    let out = finish(browser(
        dashboard_port(&lines),
        "own-password",
        &["Owner-second-pass-2"],
    ));
    assert!(out.contains("OWN PASSWORD OK"), "{out}");
}

#[test]
fn mailboxes_are_created_and_resized_within_the_plan() {
    let (config, _server, lines) = started();
    let out = finish(browser(dashboard_port(&lines), "create-and-storage", &[]));
    assert!(out.contains("CREATED"), "{out}");
    let listed = ok(
        &config,
        &["mailbox", "list", "--account", "owner@example.com"],
        None,
    );
    assert!(listed.contains("bea@example.com"), "{listed}");
}

#[test]
fn deleting_a_mailbox_ends_its_sessions_and_its_sign_in() {
    let (config, _server, lines) = started();
    let imap = imap_port(&lines);
    let mut idle = imap_client(imap, ANN, ANN_PASSWORD, "idle-bye");
    wait_for_line(&mut idle, "IDLING");
    let out = finish(browser(dashboard_port(&lines), "delete", &[]));
    assert_eq!(line_value(&out, "ENDED"), "1", "{out}");
    wait_for_line(&mut idle, "BYE");
    finish(idle);
    finish(imap_client(imap, ANN, ANN_PASSWORD, "login-fail"));
    let listed = ok(
        &config,
        &["mailbox", "list", "--account", "owner@example.com"],
        None,
    );
    assert!(!listed.contains(ANN), "{listed}");
}

/// Two nodes on one PostgreSQL: the page open on node A hears a 2FA change made on another
/// node, and a password saved through A's API ends an IMAP session held by node B.
#[tokio::test(flavor = "multi_thread")]
async fn across_nodes_the_pill_flips_and_a_saved_password_ends_sessions() {
    let url = fresh_database(Backend::Postgres).await;
    let (dir_a, config_a) = setup(&url);
    let (_dir_b, config_b) = setup(&url);
    let (ca, cb) = (config_a.clone(), config_b.clone());
    let (a, lines_a, b, lines_b) = tokio::task::spawn_blocking(move || {
        seed(&ca);
        // Both nodes seal secrets with one key, as a cluster must.
        let key = ca.parent().unwrap().join("data/server.key");
        let b_data = cb.parent().unwrap().join("data");
        std::fs::create_dir_all(&b_data).unwrap();
        std::fs::copy(&key, b_data.join("server.key")).unwrap();
        let (a, lines_a) = serve(&ca);
        let (b, lines_b) = serve(&cb);
        (a, lines_a, b, lines_b)
    })
    .await
    .unwrap();
    let dash_a = dashboard_port(&lines_a);
    let mut page = browser(dash_a, "pill", &[]);
    let page = tokio::task::spawn_blocking(move || {
        wait_for_line(&mut page, "READY");
        page
    })
    .await
    .unwrap();
    // The owner turns 2FA on from a third node.
    let (link, _inbound) = trekmail_storage::PgLink::connect(&url, 64).await.unwrap();
    let core = core_on(&url, &dir_a.join("data"), Arc::new(link)).await;
    enroll_mailbox(&core, ANN).await;
    let token = operator_token(&core, "owner@example.com", "ops").await;
    tokio::task::spawn_blocking(move || {
        let mut page = page;
        wait_for_line(&mut page, "ON");
        // The operator turns it off on node B.
        ok(&config_b, &["mailbox", "reset-2fa", ANN], None);
        assert!(finish(page).contains("OFF"));

        // An IMAP session in IDLE on each node; the password saved through node A's API.
        let mut idles = Vec::new();
        for lines in [&lines_a, &lines_b] {
            let mut idle = imap_client(imap_port(lines), ANN, ANN_PASSWORD, "idle-bye");
            wait_for_line(&mut idle, "IDLING");
            idles.push(idle);
        }
        let saved = curl(&[
            "-X",
            "PUT",
            "-H",
            &format!("Authorization: Bearer {token}"),
            "-H",
            "Content-Type: application/json",
            "--data",
            r#"{"password":"Cluster-pass-2026"}"#,
            &format!("http://127.0.0.1:{dash_a}/api/v1/mailboxes/{ANN_ID}/password"),
        ]);
        assert!(saved.contains(r#""sessions_ended":2"#), "{saved}");
        for mut idle in idles {
            wait_for_line(&mut idle, "BYE");
            finish(idle);
        }
        finish(imap_client(
            imap_port(&lines_a),
            ANN,
            ANN_PASSWORD,
            "login-fail",
        ));
        drop((a, b));
    })
    .await
    .unwrap();
}

#[test]
fn with_tls_on_the_dashboard_speaks_https_and_its_cookies_are_secure() {
    let (_server, port) = https_only("dashboard", "Dashboard:  ", dashboard_port);
    // The server still answers after a client that never finished its handshake.
    let _silent = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
    let again = curl(&["--insecure", &format!("https://127.0.0.1:{port}/signin")]);
    assert!(again.starts_with("HTTP/1.1 200"), "{again}");
}

#[test]
fn every_form_works_without_javascript() {
    let (_config, _server, lines) = started();
    let out = finish(browser(dashboard_port(&lines), "no-script", &[]));
    assert!(out.contains("NO SCRIPT OK"), "{out}");
    finish(imap_client(
        imap_port(&lines),
        ANN,
        ANN_PASSWORD,
        "login-fail",
    ));
}

#[test]
fn the_routing_tabs_sit_before_security_and_their_forms_save() {
    let (config, _server, lines) = started();
    let out = finish(browser(dashboard_port(&lines), "routing-tabs", &[]));
    assert!(out.contains("ROUTING OK"), "{out}");
    let aliases = ok(&config, &["alias", "list", ANN], None);
    assert_eq!(aliases.trim(), "sales@example.com");
    let senders = ok(&config, &["sender", "list", ANN], None);
    assert_eq!(senders.trim(), "blocked\t@spam.example");
    let settings = ok(&config, &["routing", "set", ANN], None);
    assert!(
        settings.contains("sub-addressing folders")
            && settings.contains("blocked mail junk")
            && settings.contains("keep a copy off"),
        "{settings}"
    );
    let forwards = ok(&config, &["forward", "list", ANN], None);
    assert_eq!(forwards.trim(), "walker@far.example");
    let reply = ok(&config, &["auto-reply", "show", ANN], None);
    assert!(
        reply.contains("\ton\tfrom 2026-12-10\tuntil 2026-12-24\tevery 4 days\tAway"),
        "{reply}"
    );
}

/// The Sieve tab, then the script it activated at work: mail through SMTP is filed into the
/// folder the script makes, and IMAP reads it there.
#[test]
fn the_sieve_tab_checks_saves_and_activates_a_script_that_files_mail() {
    let (_config, _server, lines) = started();
    let out = finish(browser(dashboard_port(&lines), "sieve-tab", &[]));
    assert!(out.contains("SIEVE OK"), "{out}");
    let smtp = smtp_port(&lines, "inbound").to_string();
    for subject in ["Our trip to Oslo", "Lunch"] {
        let sent = finish(smtp_client(&[
            "inbound",
            &smtp,
            "walker@far.example",
            ANN,
            subject,
            "1",
        ]));
        assert!(sent.contains("SENT"), "{sent}");
    }
    let imap = imap_port(&lines);
    assert_eq!(
        subjects(imap, ANN, ANN_PASSWORD, "Trips"),
        ["Our trip to Oslo"]
    );
    assert_eq!(subjects(imap, ANN, ANN_PASSWORD, "INBOX"), ["Lunch"]);
}

#[tokio::test(flavor = "multi_thread")]
async fn the_operator_lets_a_locked_out_owner_back_in() {
    let (config, server, lines) = tokio::task::spawn_blocking(started).await.unwrap();
    let base = format!("http://127.0.0.1:{}", dashboard_port(&lines));
    let signed_in = curl_sign_in(&base, OWNER_PASSWORD);
    let cookie = line_value(&signed_in, "set-cookie: tm_dash=");
    let cookie = format!("tm_dash={}", cookie.split(';').next().unwrap());
    assert!(curl(&["-b", &cookie, &format!("{base}/mailboxes")]).contains("200 OK"));

    // The owner forgot the password: the operator sets a new one; the old session ends.
    let out = reset_owner_password(&config);
    assert!(out.contains("1 session(s) ended"), "{out}");
    let away = curl(&["-b", &cookie, &format!("{base}/mailboxes")]);
    assert!(away.contains("location: /signin"), "{away}");
    assert!(curl_sign_in(&base, OWNER_PASSWORD).contains("Wrong e-mail or password."));
    assert!(curl_sign_in(&base, "Owner-reset-pass-9").contains("set-cookie: tm_dash="));

    // The owner lost the authenticator: with 2FA on, the password alone is not enough; after
    // the operator's reset it is.
    let dir = config.parent().unwrap().to_path_buf();
    let core = side_core(&dir.join("data"), true).await;
    let account = core.account_by_email("owner@example.com").await.unwrap();
    let who = Principal::Account(account.id);
    enroll(
        &core,
        who,
        account.id,
        Channel::Dashboard,
        "owner@example.com",
    )
    .await;
    let base2 = base.clone();
    let halfway = tokio::task::spawn_blocking(move || curl_sign_in(&base2, "Owner-reset-pass-9"))
        .await
        .unwrap();
    assert!(!halfway.contains("set-cookie: tm_dash="), "{halfway}");
    let c = config.clone();
    let out = tokio::task::spawn_blocking(move || {
        ok(&c, &["account", "reset-2fa", "owner@example.com"], None)
    })
    .await
    .unwrap();
    assert!(out.contains("2FA of owner@example.com is off"), "{out}");
    assert!(
        !core
            .two_factor_on(&core.operator.own(who, account.id))
            .await
            .unwrap()
    );
    let again = tokio::task::spawn_blocking(move || curl_sign_in(&base, "Owner-reset-pass-9"))
        .await
        .unwrap();
    assert!(again.contains("set-cookie: tm_dash="), "{again}");
    // Both are on the owner's record as the operator's doing.
    let audit = core.audit_of(core.operator.scope(), who, 20).await.unwrap();
    for kind in [AuditKind::PasswordChanged, AuditKind::TwoFactorDisabled] {
        assert!(
            audit
                .iter()
                .any(|r| r.event.kind == kind && r.event.channel == Channel::Cli),
            "{kind:?} by the operator missing"
        );
    }
    drop(server);
}

#[test]
fn an_api_token_asks_the_password_expires_and_dies_with_the_operators_reset() {
    let (config, _server, lines) = started();
    let base = format!("http://127.0.0.1:{}", dashboard_port(&lines));
    let signed_in = curl_sign_in(&base, OWNER_PASSWORD);
    let jar = format!("tm_dash={}", set_cookie(&signed_in, "tm_dash"));
    let page = curl(&["-b", &jar, &format!("{base}/account/security")]);
    let csrf = form_value(&page, "csrf");
    let create = |password: &str, lifetime: &str| {
        let body = format!("csrf={csrf}&name=deploy&lifetime={lifetime}&password={password}");
        curl(&[
            "-b",
            &jar,
            "--data",
            &body,
            &format!("{base}/account/api-tokens"),
        ])
    };
    let wrong = create("Wrong-pass-2026", "30");
    assert!(
        wrong.contains("The current password is not right."),
        "{wrong}"
    );
    assert!(!wrong.contains("data-token"), "{wrong}");
    let odd = create(OWNER_PASSWORD, "forever");
    assert!(odd.contains("or never expires"), "{odd}");
    let made = create(OWNER_PASSWORD, "30");
    let token = made
        .split("data-token>")
        .nth(1)
        .and_then(|rest| rest.split('<').next())
        .unwrap_or_else(|| panic!("{made}"))
        .to_owned();
    // Listed with its expiry, 30 days on, and its first use once used.
    let in_30_days = (chrono::Utc::now() + chrono::Duration::days(30))
        .format("%Y-%m-%d")
        .to_string();
    assert!(made.contains(&in_30_days), "{made}");
    assert!(made.contains(" UTC</td><td>never</td>"), "{made}");
    let bearer = format!("Authorization: Bearer {token}");
    let api = format!("{base}/api/v1/mailboxes");
    let answer = curl(&["-H", &bearer, &api]);
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    let page = curl(&["-b", &jar, &format!("{base}/account/security")]);
    assert!(page.contains(" UTC</td><td>just now</td>"), "{page}");

    let out = reset_owner_password(&config);
    assert!(out.contains("1 API token(s) revoked"), "{out}");
    let answer = curl(&["-H", &bearer, &api]);
    assert!(answer.starts_with("HTTP/1.1 401"), "{answer}");
}

/// The operator's `account set-password` for owner@example.com, to Owner-reset-pass-9; its
/// output.
fn reset_owner_password(config: &Path) -> String {
    ok(
        config,
        &[
            "account",
            "set-password",
            "owner@example.com",
            "--password-stdin",
        ],
        Some("Owner-reset-pass-9\n"),
    )
}
