//! The webmail as a mailbox owner uses it: the real `trekmail serve`, headless Chromium driven
//! by Playwright (webmail_browser.py) with codes from oathtool, curl, and IMAP clients whose
//! sessions a password change must end.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::side_core::{enroll_mailbox, oathtool, operator_token};
use common::web::*;
use common::*;
use std::path::{Path, PathBuf};
use std::process::Child;
use trekmail_core::ids::Principal;
use trekmail_core::services::Actor;

/// A core on the test's database, linked to the running server (when there is one) so it
/// hears the changes.
async fn side_core(config: &Path) -> common::side_core::SideCore {
    let data = config.parent().unwrap().join("data");
    let linked = data.join("trekmail.sock").exists();
    common::side_core::side_core(&data, linked).await
}

const ANN: &str = "ann@example.com";

/// webmail_browser.py against a node's webmail and dashboard.
fn browser(lines: &[String], mode: &str, args: &[&str]) -> Child {
    common::web::browser(
        "webmail_browser.py",
        &[webmail_port(lines), dashboard_port(lines)],
        mode,
        args,
    )
}

#[test]
fn pages_carry_strict_headers_and_forms_need_their_token() {
    let (_config, _server, lines) = started();
    let base = format!("http://127.0.0.1:{}", webmail_port(&lines));
    let page = curl(&[&format!("{base}/signin")]);
    assert_strict_headers(&page);
    assert!(page.contains("Forgot password?"), "{page}");
    let pre = set_cookie(&page, "tm_mail_pre");
    assert!(page.contains("HttpOnly; SameSite=Strict"), "{page}");
    let jar = format!("tm_mail_pre={pre}");
    // Without the form's token, even the right password does not sign in.
    let body = format!("csrf=wrong&address=ann%40example.com&password={ANN_PASSWORD}");
    let refused = curl(&["-b", &jar, "--data", &body, &format!("{base}/signin")]);
    assert!(refused.contains("This form expired"), "{refused}");
    assert!(!refused.contains("tm_mail="), "{refused}");
    // A wrong password reads like an unknown address, and like the owner's dashboard e-mail.
    for address in [
        "ann%40example.com",
        "nobody%40example.com",
        "owner%40example.com",
    ] {
        let body = format!("csrf={pre}&address={address}&password=Wrong-pass-123");
        let wrong = curl(&["-b", &jar, "--data", &body, &format!("{base}/signin")]);
        assert!(wrong.contains("Wrong address or password."), "{wrong}");
    }
    // With it, the session cookie is HttpOnly and SameSite=Strict, and the mailbox shows.
    let body = format!("csrf={pre}&address=ann%40example.com&password={ANN_PASSWORD}");
    let signed_in = curl(&["-b", &jar, "--data", &body, &format!("{base}/signin")]);
    let cookie = signed_in
        .lines()
        .find(|l| l.starts_with("set-cookie: tm_mail="))
        .unwrap_or_else(|| panic!("{signed_in}"));
    assert!(cookie.contains("HttpOnly; SameSite=Strict"), "{cookie}");
    let session = format!("tm_mail={}", set_cookie(&signed_in, "tm_mail"));
    let inbox = curl(&["-b", &session, &format!("{base}/")]);
    assert!(
        inbox.contains("<h1>INBOX</h1>") && inbox.contains("Sent"),
        "{inbox}"
    );
    // A signed-in form without the session's token changes nothing.
    let forged = curl(&[
        "-b",
        &session,
        "--data",
        "csrf=forged&current=Ann-first-pass-1&password=Forged-pass-123&confirm=Forged-pass-123",
        &format!("{base}/settings/password"),
    ]);
    assert!(forged.starts_with("HTTP/1.1 403"), "{forged}");
    finish(imap_client(imap_port(&lines), ANN, ANN_PASSWORD, "browse"));
    // The dashboard's cookie is not a webmail session, nor the other way round.
    let dash = curl(&[
        "-b",
        &session,
        &format!("http://127.0.0.1:{}/mailboxes", dashboard_port(&lines)),
    ]);
    assert!(dash.contains("location: /signin"), "{dash}");
    // Signed out, pages lead to the sign-in page.
    let away = curl(&[&format!("{base}/settings/security")]);
    assert!(away.contains("location: /signin"), "{away}");
}

#[tokio::test(flavor = "multi_thread")]
async fn the_owner_turns_2fa_on_the_pill_flips_live_and_the_secret_stays_in_webmail() {
    let (_dir, config) = setup("");
    let c = config.clone();
    let (server, lines, log) = tokio::task::spawn_blocking(move || {
        seed(&c);
        serve_logged(&c)
    })
    .await
    .unwrap();
    let l = lines.clone();
    let out = tokio::task::spawn_blocking(move || finish(browser(&l, "enrol", &[])))
        .await
        .unwrap();
    assert!(out.contains("PILL FLIPPED"), "{out}");
    assert!(out.contains("SIGNED IN WITH CODE"), "{out}");
    assert!(out.contains("REUSED CODE REFUSED"), "{out}");
    let key = line_value(&out, "KEY");
    // IMAP now needs the code after the password.
    let imap = imap_port(&lines);
    tokio::task::spawn_blocking(move || {
        finish(imap_client(imap, ANN, ANN_PASSWORD, "login-fail"));
    })
    .await
    .unwrap();

    // The secret is nowhere the admin or the operator can look: dashboard pages, the API, logs.
    let core = side_core(&config).await;
    let token = operator_token(&core, "owner@example.com", "grep").await;
    let dash = format!("http://127.0.0.1:{}", dashboard_port(&lines));
    let page = curl(&[&format!("{dash}/signin")]);
    let pre = set_cookie(&page, "tm_pre");
    let body = format!("csrf={pre}&email=owner%40example.com&password={OWNER_PASSWORD}");
    let signed_in = curl(&[
        "-b",
        &format!("tm_pre={pre}"),
        "--data",
        &body,
        &format!("{dash}/signin"),
    ]);
    let jar = format!("tm_dash={}", set_cookie(&signed_in, "tm_dash"));
    let mut seen = String::new();
    for path in [
        "/mailboxes",
        "/mailboxes/1/security",
        "/account/security",
        "/mailboxes/1/storage",
    ] {
        let answer = curl(&["-b", &jar, &format!("{dash}{path}")]);
        assert!(answer.starts_with("HTTP/1.1 200"), "{path}: {answer}");
        seen.push_str(&answer);
    }
    assert!(seen.contains("2FA on"), "{seen}");
    let bearer = format!("Authorization: Bearer {}", token.as_str());
    for path in ["/mailboxes", "/mailboxes/1", "/mailboxes/1/two-factor"] {
        let answer = curl(&["-H", &bearer, &format!("{dash}/api/v1{path}")]);
        assert!(answer.starts_with("HTTP/1.1 200"), "{path}: {answer}");
        seen.push_str(&answer);
    }
    seen.push_str(&ok(&config, &["sessions", "list", ANN], None));
    seen.push_str(&ok(&config, &["audit", ANN], None));
    drop(server);
    seen.push_str(&std::fs::read_to_string(&log).unwrap());
    let grouped: Vec<String> = key
        .as_bytes()
        .chunks(4)
        .map(|c| String::from_utf8_lossy(c).into_owned())
        .collect();
    for needle in [
        key.clone(),
        key.to_lowercase(),
        grouped.join(" "),
        key[..16].to_owned(),
    ] {
        assert!(!seen.contains(&needle), "the TOTP secret leaked: {needle}");
    }
    assert!(
        seen.contains("two_factor_enabled"),
        "the audit was searched"
    );
}

#[test]
fn changing_the_password_ends_imap_smtp_and_other_webmail_sessions_but_not_this_one() {
    let (_config, _server, lines) = started();
    let imap = imap_port(&lines);
    let mut idle = imap_client(imap, ANN, ANN_PASSWORD, "idle-bye");
    wait_for_line(&mut idle, "IDLING");
    let smtp = smtp_port(&lines, "submission").to_string();
    let mut submission = smtp_client(&["wait-421", &smtp, ANN, ANN_PASSWORD]);
    wait_for_line(&mut submission, "WAITING");
    let out = finish(browser(&lines, "change-password", &[]));
    let bye = wait_for_line(&mut idle, "BYE");
    assert!(bye.contains("* BYE"), "{bye}");
    finish(idle);
    let closed = wait_for_line(&mut submission, "CLOSED");
    assert!(closed.contains("421 4.7.0"), "{closed}");
    finish(submission);
    only_new_password_works(imap, ANN, ANN_PASSWORD, &line_value(&out, "NEW"));
}

#[tokio::test(flavor = "multi_thread")]
async fn the_owner_lands_on_the_mailbox_and_reads_a_message() {
    let (_dir, config) = setup("");
    let c = config.clone();
    tokio::task::spawn_blocking(move || seed(&c)).await.unwrap();
    let core = side_core(&config).await;
    let ann = trekmail_core::domain::EmailAddress::parse(ANN).unwrap();
    let body = "From: =?utf-8?Q?Bj=C3=B6rn?= <bjorn@example.net>\r\nTo: ann@example.com\r\n\
                Subject: Trip <plans>\r\nDate: Mon, 1 Jun 2026 10:00:00 +0000\r\n\
                Content-Type: text/plain; charset=utf-8\r\n\r\nSee you at <b>noon</b>.\r\n";
    core.deliver(&ann, body.as_bytes()).await.unwrap();
    drop(core);
    let (server, lines) = tokio::task::spawn_blocking(move || serve(&config))
        .await
        .unwrap();
    let base = format!("http://127.0.0.1:{}", webmail_port(&lines));
    tokio::task::spawn_blocking(move || {
        let session = webmail_session(&base);
        let inbox = curl(&["-b", &session, &format!("{base}/")]);
        // Listed unread, its sender decoded and its subject escaped.
        assert!(inbox.contains("<tr class=\"unread\">"), "{inbox}");
        assert!(
            inbox.contains("Björn &#60;bjorn@example.net&#62;"),
            "{inbox}"
        );
        assert!(inbox.contains("Trip &#60;plans&#62;"), "{inbox}");
        let read = curl(&["-b", &session, &format!("{base}/read?folder=1&uid=1")]);
        assert!(
            read.contains("See you at &#60;b&#62;noon&#60;/b&#62;."),
            "{read}"
        );
        let again = curl(&["-b", &session, &format!("{base}/")]);
        assert!(!again.contains("class=\"unread\""), "{again}");
        // Another folder id, or a message that is not there, is not found.
        let missing = curl(&["-b", &session, &format!("{base}/read?folder=999&uid=1")]);
        assert!(missing.starts_with("HTTP/1.1 404"), "{missing}");
        let missing = curl(&["-b", &session, &format!("{base}/read?folder=1&uid=7")]);
        assert!(missing.starts_with("HTTP/1.1 404"), "{missing}");
        drop(server);
    })
    .await
    .unwrap();
}

#[test]
fn the_owner_ends_one_session_or_all_others_from_active_sessions() {
    let (_config, _server, lines) = started();
    let imap = imap_port(&lines);
    let mut idle = imap_client(imap, ANN, ANN_PASSWORD, "idle-bye");
    wait_for_line(&mut idle, "IDLING");
    let out = finish(browser(&lines, "sessions", &[]));
    assert!(
        out.contains("IMAP ENDED") && out.contains("SESSIONS OK"),
        "{out}"
    );
    wait_for_line(&mut idle, "BYE");
    finish(idle);
    // Ending sessions is not changing the password.
    finish(imap_client(imap, ANN, ANN_PASSWORD, "browse"));
}

#[test]
fn every_form_works_without_javascript() {
    let (_config, _server, lines) = started();
    let out = finish(browser(&lines, "no-script", &[]));
    let imap = imap_port(&lines);
    only_new_password_works(imap, ANN, ANN_PASSWORD, &line_value(&out, "NEW"));
}

#[test]
fn the_owner_sees_their_addresses_and_forwarding_and_keeps_their_lists_and_auto_reply() {
    let (config, _server, lines) = started();
    ok(&config, &["alias", "add", ANN, "sales@example.com"], None);
    ok(
        &config,
        &["forward", "add", ANN, "walker@far.example"],
        None,
    );
    let out = finish(browser(&lines, "incoming", &[]));
    assert!(out.contains("INCOMING OK"), "{out}");
    let senders = ok(&config, &["sender", "list", ANN], None);
    assert_eq!(senders.trim(), "blocked\t@spam.example");
    let reply = ok(&config, &["auto-reply", "show", ANN], None);
    assert!(reply.contains("\ton\t"), "{reply}");
    let audit = ok(&config, &["audit", ANN], None);
    assert!(
        audit
            .lines()
            .any(|l| l.contains("sender_filter_added") && l.contains("webmail")),
        "{audit}"
    );
}

/// The owner's own scripts: checked in Settings → Sieve before anything is kept, saved and
/// activated there, the same script the operator sees and the next message meets.
#[test]
fn the_owner_checks_saves_and_activates_their_own_sieve_script() {
    let (config, _server, lines) = started();
    let out = finish(browser(&lines, "sieve", &[]));
    assert!(out.contains("SIEVE OK"), "{out}");
    let listed = ok(&config, &["sieve", "list", ANN], None);
    assert_eq!(listed.trim(), "mine\tactive");
    let shown = ok(&config, &["sieve", "show", ANN, "mine"], None);
    assert_eq!(shown, "require \"imap4flags\";\naddflag \"\\\\Flagged\";\n");
    let audit = ok(&config, &["audit", ANN], None);
    assert!(
        audit
            .lines()
            .any(|l| l.contains("sieve_changed") && l.contains("webmail")),
        "{audit}"
    );
}

#[test]
fn the_dashboards_save_password_ends_a_live_webmail_session() {
    let (_config, _server, lines) = started();
    let out = finish(browser(&lines, "dashboard-ends", &[]));
    assert!(out.contains("WEBMAIL SESSION ENDED"), "{out}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_recovery_code_sets_the_password_once_and_turns_2fa_off() {
    let (config, server, lines) = tokio::task::spawn_blocking(started).await.unwrap();
    let core = side_core(&config).await;
    let key = enroll_mailbox(&core, ANN).await;
    let ann = core
        .mailbox_by_address(core.operator.scope(), ANN)
        .await
        .unwrap();
    let recovery = core
        .issue_recovery_code(core.operator.scope(), ann.id, &Actor::operator())
        .await
        .unwrap();
    let recovery = recovery.expose().to_owned();
    let imap = imap_port(&lines);
    let out = tokio::task::spawn_blocking(move || {
        let mut idle = imap_client(
            imap,
            ANN,
            &format!("{ANN_PASSWORD}{}", next_code(&key)),
            "idle-bye",
        );
        wait_for_line(&mut idle, "IDLING");
        let out = finish(browser(
            &lines,
            "recovery",
            &[&recovery, "Recovered-pass-42"],
        ));
        wait_for_line(&mut idle, "BYE");
        finish(idle);
        // 2FA is off: the new password alone signs in to IMAP.
        finish(imap_client(imap, ANN, "Recovered-pass-42", "browse"));
        out
    })
    .await
    .unwrap();
    assert!(
        out.contains("PILL OFF") && out.contains("RECOVERED"),
        "{out}"
    );
    assert!(
        !core
            .mailbox_two_factor_on(core.operator.scope(), ann.id)
            .await
            .unwrap()
    );
    drop(server);
}

#[tokio::test(flavor = "multi_thread")]
async fn with_2fa_on_setting_it_up_again_needs_the_password_and_a_current_code() {
    let (config, server, lines) = tokio::task::spawn_blocking(started).await.unwrap();
    let base = format!("http://127.0.0.1:{}", webmail_port(&lines));
    // Signed in before 2FA went on: the session stays open, and stays no key to 2FA.
    let b = base.clone();
    let session = tokio::task::spawn_blocking(move || webmail_session(&b))
        .await
        .unwrap();
    let core = side_core(&config).await;
    let old_key = enroll_mailbox(&core, ANN).await;
    let ann = core
        .mailbox_by_address(core.operator.scope(), ANN)
        .await
        .unwrap();
    let who = Principal::Mailbox(ann.id);
    let (refused, replaced) = tokio::task::spawn_blocking(move || {
        let page = curl(&["-b", &session, &format!("{base}/settings/security")]);
        let csrf = form_value(&page, "csrf");
        let begun = curl(&[
            "-b",
            &session,
            "--data",
            &format!("csrf={csrf}"),
            &format!("{base}/settings/2fa/begin"),
        ]);
        let ticket = form_value(&begun, "ticket");
        let new_key = begun
            .split("data-key>")
            .nth(1)
            .unwrap_or_else(|| panic!("{begun}"));
        let new_key = new_key.split('<').next().unwrap().replace(' ', "");
        let new_code = oathtool(&new_key, 0);
        let confirm = |extra: &str| {
            curl(&[
                "-b",
                &session,
                "--data",
                &format!("csrf={csrf}&ticket={ticket}&code={new_code}{extra}"),
                &format!("{base}/settings/2fa/confirm"),
            ])
        };
        let current = oathtool(&old_key, 30);
        let refused = [
            confirm(""),
            confirm(&format!("&password=Wrong-pass-123&current_code={current}")),
            confirm(&format!("&password={ANN_PASSWORD}&current_code=000000")),
        ];
        let replaced = confirm(&format!("&password={ANN_PASSWORD}&current_code={current}"));
        (refused, replaced)
    })
    .await
    .unwrap();
    assert!(
        refused[0].contains("replacing it needs your password"),
        "{}",
        refused[0]
    );
    for answer in &refused[1..] {
        assert!(
            answer.contains("The password or the code is not right."),
            "{answer}"
        );
    }
    assert!(
        replaced.contains("location: /settings/security?done=2fa_on"),
        "{replaced}"
    );
    let audit = core
        .audit_of(core.operator.scope(), who, 100)
        .await
        .unwrap();
    let enabled = audit
        .iter()
        .filter(|r| r.event.kind == trekmail_core::audit::AuditKind::TwoFactorEnabled)
        .count();
    assert_eq!(
        enabled, 2,
        "one enrolment and one replacement, none of the refused"
    );
    drop(server);
}

/// A code for an IMAP sign-in after the confirming one: waits for the next 30 s step.
fn next_code(key: &str) -> String {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis();
    std::thread::sleep(std::time::Duration::from_millis(
        u64::try_from(30_000 - now % 30_000 + 500).unwrap(),
    ));
    oathtool(key, 0)
}

#[test]
fn a_branded_host_shows_its_brand_and_admits_only_its_own_mailboxes() {
    let (_dir, config) = setup("");
    seed(&config);
    // Starter has no branding.
    let refused = fails(
        &config,
        &[
            "account",
            "brand",
            "owner@example.com",
            "--host",
            "mail.example.com",
            "--name",
            "Ex",
            "--colour",
            "#112233",
        ],
        None,
    );
    assert!(
        refused.contains("does not include webmail branding"),
        "{refused}"
    );
    ok(
        &config,
        &[
            "account",
            "create",
            "--email",
            "boss@acme.test",
            "--plan",
            "agency",
            "--password-stdin",
        ],
        Some("Boss-first-pass-1\n"),
    );
    ok(
        &config,
        &["domain", "add", "--account", "boss@acme.test", "acme.test"],
        None,
    );
    ok(
        &config,
        &["mailbox", "create", "zoe@acme.test", "--password-stdin"],
        Some("Zoe-first-pass-1\n"),
    );
    let bad = fails(
        &config,
        &[
            "account",
            "brand",
            "boss@acme.test",
            "--host",
            "brand.test",
            "--name",
            "Acme",
            "--colour",
            "red",
        ],
        None,
    );
    assert!(bad.contains("six hex digits"), "{bad}");
    let set = ok(
        &config,
        &[
            "account",
            "brand",
            "boss@acme.test",
            "--host",
            "Brand.Test",
            "--name",
            "Acme",
            "--colour",
            "#AA3300",
        ],
        None,
    );
    assert!(set.contains("brand.test"), "{set}");
    let (_server, lines) = serve(&config);
    let out = finish(browser(
        &lines,
        "brand",
        &[
            "brand.test",
            "zoe@acme.test",
            "Zoe-first-pass-1",
            "boss@acme.test",
            "Boss-first-pass-1",
        ],
    ));
    assert_eq!(line_value(&out, "BRAND"), "Acme Mail", "{out}");
    // Its stylesheet carries the colour; the default host's carries none.
    let port = webmail_port(&lines);
    let css = curl(&[
        "-H",
        "Host: brand.test",
        &format!("http://127.0.0.1:{port}/brand.css"),
    ]);
    assert!(css.contains("#aa3300"), "{css}");
    let plain = curl(&[&format!("http://127.0.0.1:{port}/brand.css")]);
    assert!(!plain.contains('#'), "{plain}");
    // Recovery on the branded host refuses another account's mailbox like a wrong code.
    let page = curl(&[
        "-H",
        "Host: brand.test",
        &format!("http://127.0.0.1:{port}/forgot"),
    ]);
    let pre = set_cookie(&page, "tm_mail_pre");
    let body = format!(
        "csrf={pre}&address=ann%40example.com&code=whatever&password=Brand-new-pass-1&confirm=Brand-new-pass-1"
    );
    let answer = curl(&[
        "-H",
        "Host: brand.test",
        "-b",
        &format!("tm_mail_pre={pre}"),
        "--data",
        &body,
        &format!("http://127.0.0.1:{port}/forgot"),
    ]);
    assert!(answer.contains("do not go together"), "{answer}");
    ok(
        &config,
        &["account", "brand", "boss@acme.test", "--clear"],
        None,
    );
    let after = curl(&[
        "-H",
        "Host: brand.test",
        &format!("http://127.0.0.1:{port}/signin"),
    ]);
    assert!(after.contains("data-brand>TrekMail<"), "{after}");
}

#[test]
fn no_account_brands_the_servers_own_hosts_or_another_accounts_host() {
    let (_dir, config) = setup("");
    let text = std::fs::read_to_string(&config).unwrap().replace(
        "[webmail]\n",
        "[webmail]\nreserved_hosts = [\"webmail.operator.test\", \"dash.operator.test\"]\n",
    ) + "[tls]\nself_signed_names = [\"tls.operator.test\"]\n";
    std::fs::write(&config, text).unwrap();
    seed(&config);
    for (email, domain) in [
        ("boss@acme.test", "acme.test"),
        ("boss@rival.test", "rival.test"),
    ] {
        let create = ["account", "create", "--email", email, "--plan", "agency"];
        ok(
            &config,
            &[&create[..], &["--password-stdin"]].concat(),
            Some("Boss-first-pass-1\n"),
        );
        ok(
            &config,
            &["domain", "add", "--account", email, domain],
            None,
        );
    }
    let brand = |email: &str, host: &str| {
        let args = [
            "account", "brand", email, "--host", host, "--name", "Acme", "--colour", "#112233",
        ];
        trekmail(&config, &args, None)
    };
    // The operator's own hosts, in any spelling, from the config's list and the TLS names.
    for host in [
        "webmail.operator.test",
        "DASH.Operator.test.",
        "tls.operator.test",
    ] {
        let out = brand("boss@acme.test", host);
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(
            !out.status.success() && err.contains("own host names"),
            "{host}: {err}"
        );
    }
    assert!(brand("boss@acme.test", "brand.test").status.success());
    let out = brand("boss@rival.test", "Brand.Test.");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        !out.status.success() && err.contains("another account"),
        "{err}"
    );

    // The dashboard's form says the same and keeps what was typed.
    let (_server, lines) = serve(&config);
    let dash = format!("http://127.0.0.1:{}", dashboard_port(&lines));
    let signed_in = dashboard_sign_in(&dash, "boss@rival.test", "Boss-first-pass-1");
    let jar = format!("tm_dash={}", set_cookie(&signed_in, "tm_dash"));
    let page = curl(&["-b", &jar, &format!("{dash}/account/security")]);
    let csrf = form_value(&page, "csrf");
    for (host, says) in [
        (
            "webmail.operator.test",
            "Webmail.operator.test is one of this server",
        ),
        (
            "BRAND.test",
            "Brand.test is the webmail host of another account",
        ),
    ] {
        let body = format!("csrf={csrf}&host={host}&name=Rival&colour=%23000000");
        let answer = curl(&[
            "-b",
            &jar,
            "--data",
            &body,
            &format!("{dash}/account/branding"),
        ]);
        assert!(
            answer.starts_with("HTTP/1.1 200") && answer.contains(says),
            "{host}: {answer}"
        );
        assert!(answer.contains(&format!("value=\"{host}\"")), "{answer}");
    }
    // Neither reached the webmail: the shared host shows TrekMail's look, brand.test Acme's.
    let port = webmail_port(&lines);
    for (host, name) in [
        ("webmail.operator.test", "TrekMail"),
        ("brand.test", "Acme"),
    ] {
        let page = curl(&[
            "-H",
            &format!("Host: {host}"),
            &format!("http://127.0.0.1:{port}/signin"),
        ]);
        assert!(
            page.contains(&format!("data-brand>{name}")),
            "{host}: {page}"
        );
    }
}

#[test]
fn with_tls_on_the_webmail_speaks_https_and_its_cookies_are_secure() {
    let (_server, _port) = https_only("webmail", "Webmail:    ", webmail_port);
}

#[test]
fn behind_a_tls_proxy_secure_cookies_also_send_hsts() {
    let (_dir, config) = setup("");
    let text = std::fs::read_to_string(&config).unwrap();
    let text = text.replace("[webmail]\n", "[webmail]\nsecure_cookies = true\n");
    std::fs::write(&config, text).unwrap();
    let (_server, lines) = serve(&config);
    let page = curl(&[&format!("http://127.0.0.1:{}/signin", webmail_port(&lines))]);
    assert!(page.contains("Secure"), "{page}");
    assert!(
        page.contains("\nstrict-transport-security: max-age=31536000\r\n"),
        "{page}"
    );
}

#[test]
fn failed_sign_ins_are_throttled_alike_for_known_and_unknown_addresses() {
    let (_config, _server, lines) = started();
    let base = format!("http://127.0.0.1:{}", webmail_port(&lines));
    let page = curl(&[&format!("{base}/signin")]);
    let pre = set_cookie(&page, "tm_mail_pre");
    let jar = format!("tm_mail_pre={pre}");
    let attempt = |address: &str, password: &str| {
        let body = format!("csrf={pre}&address={address}&password={password}");
        let started = std::time::Instant::now();
        let answer = curl(&["-b", &jar, "--data", &body, &format!("{base}/signin")]);
        (answer, started.elapsed())
    };
    for address in ["ann%40example.com", "nobody%40example.com"] {
        // The first failures are free; the next one is held back, alike for a mailbox that
        // exists and one that does not, with the same words.
        let mut times = Vec::new();
        for _ in 0..4 {
            let (answer, took) = attempt(address, "Wrong-pass-123");
            assert!(answer.contains("Wrong address or password."), "{answer}");
            assert!(!answer.contains("tm_mail="), "{answer}");
            times.push(took);
        }
        assert!(
            times[3] >= times[0] + std::time::Duration::from_millis(800),
            "{address}: {times:?}"
        );
    }
    // The throttle delays; it does not lock the owner out.
    let (answer, _) = attempt("ann%40example.com", ANN_PASSWORD);
    assert!(answer.contains("set-cookie: tm_mail="), "{answer}");
}

/// A seeded node serving with `top` (top-level keys) before its first section: its webmail
/// address and a sign-in as `client` claims to come from (`X-Forwarded-For`), with the time
/// it took.
fn forwarded_sign_ins(
    top: &str,
) -> (
    PathBuf,
    Serve,
    impl Fn(&str, &str) -> (String, std::time::Duration),
) {
    let (_dir, config) = setup("");
    let text = std::fs::read_to_string(&config).unwrap();
    std::fs::write(&config, format!("{top}{text}")).unwrap();
    seed(&config);
    let (server, lines) = serve(&config);
    let base = format!("http://127.0.0.1:{}", webmail_port(&lines));
    let page = curl(&[&format!("{base}/signin")]);
    let pre = set_cookie(&page, "tm_mail_pre");
    let attempt = move |client: &str, password: &str| {
        let body = format!("csrf={pre}&address=ann%40example.com&password={password}");
        let started = std::time::Instant::now();
        let answer = curl(&[
            "-b",
            &format!("tm_mail_pre={pre}"),
            "-H",
            &format!("X-Forwarded-For: 198.51.100.1, {client}"),
            "--data",
            &body,
            &format!("{base}/signin"),
        ]);
        (answer, started.elapsed())
    };
    (config, server, attempt)
}

#[test]
fn behind_a_trusted_proxy_the_forwarded_client_is_throttled_audited_and_listed() {
    let (config, _server, attempt) = forwarded_sign_ins("trusted_proxies = [\"127.0.0.1\"]\n");
    let mut times = Vec::new();
    for _ in 0..4 {
        let (answer, took) = attempt("203.0.113.9", "Wrong-pass-123");
        assert!(answer.contains("Wrong address or password."), "{answer}");
        times.push(took);
    }
    assert!(
        times[3] >= times[0] + std::time::Duration::from_millis(800),
        "{times:?}"
    );
    // Another client behind the same proxy has counters of its own: its first failure is
    // not held back, and the right password signs in.
    let (answer, took) = attempt("203.0.113.10", "Wrong-pass-123");
    assert!(answer.contains("Wrong address or password."), "{answer}");
    assert!(
        took < times[0] + std::time::Duration::from_millis(700),
        "{took:?} {times:?}"
    );
    let (answer, _) = attempt("203.0.113.10", ANN_PASSWORD);
    assert!(answer.contains("set-cookie: tm_mail="), "{answer}");
    // The client's address, not the proxy's, nor what the client wrote left of it.
    let audit = recorded_as(&config, "203.0.113.10", &["127.0.0.1", "198.51.100.1"]);
    assert_eq!(audit.matches("\t203.0.113.9\t").count(), 4, "{audit}");
}

#[test]
fn without_trusted_proxies_x_forwarded_for_is_ignored() {
    let (config, _server, attempt) = forwarded_sign_ins("");
    let (answer, _) = attempt("203.0.113.9", "Wrong-pass-123");
    assert!(answer.contains("Wrong address or password."), "{answer}");
    let (answer, _) = attempt("203.0.113.9", ANN_PASSWORD);
    assert!(answer.contains("set-cookie: tm_mail="), "{answer}");
    recorded_as(&config, "127.0.0.1", &["203.0.113", "198.51.100"]);
}

/// Asserts that Ann's webmail session is listed from `client`, her audit has it and none of
/// `never`; her audit.
fn recorded_as(config: &Path, client: &str, never: &[&str]) -> String {
    let sessions = ok(config, &["sessions", "list", ANN], None);
    assert!(
        sessions.contains(&format!("\twebmail\t{client}\t")),
        "{sessions}"
    );
    let audit = ok(config, &["audit", ANN, "--limit", "20"], None);
    assert!(audit.contains(&format!("\t{client}\t")), "{audit}");
    assert!(!never.iter().any(|n| audit.contains(n)), "{audit}");
    audit
}
