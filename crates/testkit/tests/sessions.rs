//! The live-session registry and password changes, on both databases: sessions end at once,
//! old passwords work nowhere, and a sign-in racing a change never gets through after it.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::net::{IpAddr, Ipv4Addr};
use std::sync::Arc;
use std::time::Duration;
use trekmail_core::CoreError;
use trekmail_core::audit::{AuditKind, Channel};
use trekmail_core::clock::Clock;
use trekmail_core::ids::Principal;
use trekmail_core::services::Actor;
use trekmail_core::sessions::RegistryTimings;
use trekmail_core::store::SessionStore;
use trekmail_testkit::*;

const IP: Option<IpAddr> = Some(IpAddr::V4(Ipv4Addr::new(192, 0, 2, 10)));

/// ann@example.com signed in on `node` with the seeded password.
async fn sign_in(node: &TestNode, channel: Channel) -> trekmail_core::auth::Authenticated {
    node.core
        .door()
        .password_and_code(channel, "ann@example.com", PASSWORD, IP)
        .await
        .unwrap()
}

fn admin() -> Actor {
    Actor {
        channel: Channel::Dashboard,
        remote: IP,
        name: "owner@example.com".into(),
    }
}

/// Completes quickly when the session has ended, or fails the test.
async fn assert_ends(ended: impl std::future::Future<Output = ()>, what: &str) {
    tokio::time::timeout(Duration::from_secs(2), ended)
        .await
        .unwrap_or_else(|_| panic!("{what} did not end"));
}

#[tokio::test(flavor = "multi_thread")]
async fn saving_a_password_ends_every_session_and_the_old_password() {
    for backend in BACKENDS {
        let Seeded {
            node,
            account,
            mailbox: m,
        } = Seeded::new(backend).await;
        let core = &node.core;
        let other = seed_mailbox(core, account, "bob@example.com").await;
        let who = Principal::Mailbox(m.id);
        let door = core.door();
        let registry = core.registry();

        let auth = door
            .password_and_code(Channel::Imap, "ann@example.com", PASSWORD, IP)
            .await
            .unwrap();
        let imap = registry
            .open_connection(&auth, Channel::Imap, IP)
            .await
            .unwrap();
        let smtp = registry
            .open_connection(&auth, Channel::Smtp, IP)
            .await
            .unwrap();
        let (web_row, web_token) = registry
            .open_web(&auth, Channel::Webmail, IP)
            .await
            .unwrap();
        let (_, watch) = registry.watch(web_token.expose()).await.unwrap().unwrap();
        let bob = door
            .password_and_code(Channel::Imap, "bob@example.com", PASSWORD, IP)
            .await
            .unwrap();
        let bob_imap = registry
            .open_connection(&bob, Channel::Imap, IP)
            .await
            .unwrap();

        let listed = core
            .sessions(operator().as_account(account), who)
            .await
            .unwrap();
        assert_eq!(listed.len(), 3, "{backend:?}");
        assert!(
            listed
                .iter()
                .any(|s| s.id == web_row.id && s.channel == Channel::Webmail)
        );
        assert!(listed.iter().all(|s| s.remote == IP));

        let ended = core
            .set_mailbox_password(
                operator().as_account(account),
                m.id,
                "Brand-new-pass-9",
                &admin(),
            )
            .await
            .unwrap();
        assert_eq!(ended, 3, "{backend:?}");
        // Ended by the time the call returns.
        assert!(
            imap.is_ended() && smtp.is_ended() && watch.is_ended(),
            "{backend:?}"
        );
        assert!(
            registry
                .resume_web(web_token.expose())
                .await
                .unwrap()
                .is_none()
        );
        assert!(
            !bob_imap.is_ended(),
            "{backend:?}: another mailbox's session ended"
        );
        assert!(
            core.sessions(operator().scope(), who)
                .await
                .unwrap()
                .is_empty()
        );

        // The old password works nowhere; the new one everywhere.
        for channel in [Channel::Imap, Channel::Smtp, Channel::Webmail] {
            assert!(
                door.password_and_code(channel, "ann@example.com", PASSWORD, IP)
                    .await
                    .is_err()
            );
        }
        let fresh = door
            .password_and_code(Channel::Imap, "ann@example.com", "Brand-new-pass-9", IP)
            .await
            .unwrap();
        assert!(fresh.epoch() > auth.epoch());
        // A proof made before the change opens nothing any more.
        assert_eq!(
            registry
                .open_connection(&auth, Channel::Imap, IP)
                .await
                .err(),
            Some(CoreError::Denied)
        );
        assert!(
            registry
                .open_web(&auth, Channel::Webmail, IP)
                .await
                .is_err()
        );

        let kinds: Vec<AuditKind> = core
            .audit_of(operator().scope(), who, 50)
            .await
            .unwrap()
            .iter()
            .map(|r| r.event.kind)
            .collect();
        assert!(kinds.contains(&AuditKind::PasswordChanged), "{kinds:?}");
        // Tenant isolation: another account sees nothing of this mailbox.
        let stranger = seed_account(core, "eve@evil.example").await;
        assert_eq!(
            core.set_mailbox_password(
                operator().as_account(stranger),
                m.id,
                "Brand-new-pass-9",
                &admin()
            )
            .await,
            Err(CoreError::NotFound)
        );
        assert_eq!(
            core.sessions(operator().as_account(stranger), who)
                .await
                .err(),
            Some(CoreError::NotFound)
        );
        // Nor its 2FA pill, which its own account's admin does see.
        assert_eq!(
            core.mailbox_two_factor_on(operator().as_account(stranger), m.id)
                .await,
            Err(CoreError::NotFound)
        );
        assert_eq!(
            core.mailbox_two_factor_on(operator().as_account(account), m.id)
                .await,
            Ok(false)
        );
        drop(other);
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn the_owner_changing_their_own_password_stays_signed_in() {
    for backend in BACKENDS {
        let Seeded {
            node,
            account,
            mailbox: m,
        } = Seeded::new(backend).await;
        let core = &node.core;
        let who = Principal::Mailbox(m.id);
        let registry = core.registry();
        let auth = sign_in(&node, Channel::Webmail).await;
        let (mine, my_token) = registry
            .open_web(&auth, Channel::Webmail, IP)
            .await
            .unwrap();
        let (_, other_token) = registry
            .open_web(&auth, Channel::Webmail, IP)
            .await
            .unwrap();
        let imap = registry
            .open_connection(&auth, Channel::Imap, IP)
            .await
            .unwrap();
        let actor = Actor {
            channel: Channel::Webmail,
            remote: IP,
            name: "ann@example.com".into(),
        };

        let wrong = core
            .change_own_password(
                &operator().own(who, account),
                "Not-my-pass-12",
                "Owner-chosen-77",
                Some(&mine.id),
                &actor,
            )
            .await;
        assert!(matches!(wrong, Err(CoreError::Invalid(_))), "{backend:?}");
        let ended = core
            .change_own_password(
                &operator().own(who, account),
                PASSWORD,
                "Owner-chosen-77",
                Some(&mine.id),
                &actor,
            )
            .await
            .unwrap();
        assert_eq!(ended, 2, "{backend:?}");
        assert!(imap.is_ended());
        assert!(
            registry
                .resume_web(other_token.expose())
                .await
                .unwrap()
                .is_none()
        );
        let still = registry.resume_web(my_token.expose()).await.unwrap();
        assert!(
            still.is_some(),
            "{backend:?}: the changing session was ended"
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn ending_sessions_one_or_all_and_deleting_a_mailbox() {
    for backend in BACKENDS {
        let Seeded {
            node,
            account,
            mailbox: m,
        } = Seeded::new(backend).await;
        let core = &node.core;
        let who = Principal::Mailbox(m.id);
        let registry = core.registry();
        let auth = sign_in(&node, Channel::Imap).await;
        let a = registry
            .open_connection(&auth, Channel::Imap, IP)
            .await
            .unwrap();
        let b = registry
            .open_connection(&auth, Channel::Imap, IP)
            .await
            .unwrap();
        core.end_session(operator().as_account(account), who, a.id(), &admin())
            .await
            .unwrap();
        assert_ends(a.ended(), "the ended session").await;
        assert!(!b.is_ended());
        assert_eq!(
            core.sessions(operator().scope(), who).await.unwrap().len(),
            1
        );

        // A connection that closes by itself leaves no row behind.
        drop(a);
        let c = registry
            .open_connection(&auth, Channel::Smtp, IP)
            .await
            .unwrap();
        drop(c);
        tokio::time::sleep(Duration::from_millis(200)).await;
        assert_eq!(
            core.sessions(operator().scope(), who).await.unwrap().len(),
            1,
            "{backend:?}"
        );

        assert_eq!(
            core.end_sessions(operator().scope(), who, None, &Actor::operator())
                .await
                .unwrap(),
            1
        );
        assert_ends(b.ended(), "the remaining session").await;

        let d = registry
            .open_connection(&auth, Channel::Imap, IP)
            .await
            .unwrap();
        assert_eq!(
            core.delete_mailbox(operator().as_account(account), m.id, &admin())
                .await
                .unwrap(),
            1
        );
        assert!(d.is_ended(), "{backend:?}");
        assert!(
            core.door()
                .password_and_code(Channel::Imap, "ann@example.com", PASSWORD, IP)
                .await
                .is_err()
        );
        assert_eq!(
            core.mailbox(operator().scope(), m.id).await.err(),
            Some(CoreError::NotFound)
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn the_sweep_ends_sessions_whose_rows_vanished() {
    for backend in BACKENDS {
        let Seeded {
            node,
            account: _,
            mailbox: m,
        } = Seeded::new(backend).await;
        let core = &node.core;
        let auth = sign_in(&node, Channel::Imap).await;
        let session = core
            .registry()
            .open_connection(&auth, Channel::Imap, IP)
            .await
            .unwrap();
        session.touch();
        core.registry().sweep().await.unwrap();
        assert!(!session.is_ended(), "{backend:?}: a live session was swept");
        // As if another node deleted the rows and its message was lost.
        node.store
            .delete_sessions_of(Principal::Mailbox(m.id), None)
            .await
            .unwrap();
        core.registry().sweep().await.unwrap();
        assert!(session.is_ended(), "{backend:?}: the backstop missed it");
    }
}

/// Sign-ins with the old password race a password change: once the change has returned, no
/// session made with the old password is alive, and none opens later.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_sign_in_racing_a_password_change_never_survives_it() {
    for backend in BACKENDS {
        let Seeded {
            node,
            account: _,
            mailbox: m,
        } = Seeded::new(backend).await;
        let core = node.core.clone();
        let done = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let mut racers = Vec::new();
        for i in 0..4u8 {
            let core = core.clone();
            let done = done.clone();
            racers.push(tokio::spawn(async move {
                let ip = Some(IpAddr::V4(Ipv4Addr::new(10, 9, 0, i)));
                let mut kept = Vec::new();
                let mut after_change = 0;
                for _ in 0..40 {
                    let finished_before = done.load(std::sync::atomic::Ordering::SeqCst);
                    let Ok(auth) = core
                        .door()
                        .password_and_code(Channel::Imap, "ann@example.com", PASSWORD, ip)
                        .await
                    else {
                        if finished_before {
                            break;
                        }
                        continue;
                    };
                    if let Ok(s) = core
                        .registry()
                        .open_connection(&auth, Channel::Imap, ip)
                        .await
                    {
                        if finished_before {
                            after_change += 1;
                        }
                        kept.push(s);
                    }
                }
                (kept, after_change)
            }));
        }
        tokio::time::sleep(Duration::from_millis(150)).await;
        core.set_mailbox_password(operator().scope(), m.id, "Changed-mid-race-1", &admin())
            .await
            .unwrap();
        done.store(true, std::sync::atomic::Ordering::SeqCst);
        let mut total = 0;
        for racer in racers {
            let (kept, after_change) = racer.await.unwrap();
            assert_eq!(
                after_change, 0,
                "{backend:?}: a session opened with the old password after the change"
            );
            for s in &kept {
                assert!(
                    s.is_ended(),
                    "{backend:?}: an old-password session outlived the change"
                );
            }
            total += kept.len();
        }
        assert!(
            total > 0,
            "{backend:?}: the race never got a sign-in in before the change"
        );
        assert!(
            core.sessions(operator().scope(), Principal::Mailbox(m.id))
                .await
                .unwrap()
                .is_empty()
        );
    }
}

/// Two nodes on one PostgreSQL: a password saved on one ends the other's sessions at once, and
/// events reach the other's watchers.
#[tokio::test(flavor = "multi_thread")]
async fn nodes_on_one_postgres_end_each_others_sessions() {
    let url = fresh_database(Backend::Postgres).await;
    let linked = NodeOptions {
        linked: true,
        ..NodeOptions::default()
    };
    let a = TestNode::start(&url, linked.clone()).await;
    let b = TestNode::start(&url, linked).await;
    let account = seed_account(&a.core, "owner@example.com").await;
    let m = seed_mailbox(&a.core, account, "ann@example.com").await;
    let who = Principal::Mailbox(m.id);
    let mut b_events = b.core.events().subscribe();

    let auth = sign_in(&a, Channel::Imap).await;
    let on_a = a
        .core
        .registry()
        .open_connection(&auth, Channel::Imap, IP)
        .await
        .unwrap();
    let on_b = b
        .core
        .registry()
        .open_connection(&auth, Channel::Smtp, IP)
        .await
        .unwrap();
    assert_eq!(
        b.core
            .sessions(operator().scope(), who)
            .await
            .unwrap()
            .len(),
        2,
        "both nodes' sessions listed"
    );

    b.core
        .set_mailbox_password(
            operator().as_account(account),
            m.id,
            "Changed-on-b-123",
            &admin(),
        )
        .await
        .unwrap();
    assert!(on_b.is_ended());
    assert_ends(on_a.ended(), "node A's session").await;

    // And the other way round, with a plain "end sessions".
    let auth = b
        .core
        .door()
        .password_and_code(Channel::Imap, "ann@example.com", "Changed-on-b-123", IP)
        .await
        .unwrap();
    let on_b = b
        .core
        .registry()
        .open_connection(&auth, Channel::Imap, IP)
        .await
        .unwrap();
    a.core
        .end_sessions(operator().scope(), who, None, &Actor::operator())
        .await
        .unwrap();
    assert_ends(on_b.ended(), "node B's session").await;

    // An event made on A reaches B's watchers (the dashboard's live pill).
    let actor = Actor {
        channel: Channel::Webmail,
        remote: IP,
        name: "ann@example.com".into(),
    };
    let enrollment = a
        .core
        .begin_two_factor(&operator().own(who, account))
        .unwrap();
    let code = enrollment
        .secret
        .code_at_step(trekmail_core::security::totp::step_of(chrono::Utc::now()));
    a.core
        .confirm_two_factor(
            &operator().own(who, account),
            &enrollment.ticket,
            &code,
            None,
            &actor,
        )
        .await
        .unwrap();
    let seen = tokio::time::timeout(Duration::from_secs(2), async {
        loop {
            let e = b_events.recv().await.unwrap();
            if e.kind == trekmail_core::events::EventKind::TwoFactorEnabled {
                return e;
            }
        }
    })
    .await
    .expect("node B never heard of 2FA turning on");
    assert_eq!(seen.mailbox_id, Some(m.id));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_busy_web_session_still_ends_at_its_absolute_lifetime() {
    let hours = chrono::Duration::hours;
    let lifetime = RegistryTimings::default().web_absolute;
    assert_eq!(lifetime, Duration::from_secs(7 * 24 * 3600));
    for backend in BACKENDS {
        let clock = Arc::new(trekmail_core::clock::ManualClock::at_unix(1_900_000_000));
        let Seeded {
            node, mailbox: m, ..
        } = Seeded::on_clock(backend, clock.clone()).await;
        let core = &node.core;
        let registry = core.registry();
        let who = Principal::Mailbox(m.id);
        let auth = sign_in(&node, Channel::Webmail).await;
        let (row, busy) = registry
            .open_web(&auth, Channel::Webmail, IP)
            .await
            .unwrap();
        let (_, idle) = registry
            .open_web(&auth, Channel::Webmail, IP)
            .await
            .unwrap();
        // Used every 12 hours, never idle for the 24 idle hours, up to a second before the
        // 7 days are up.
        for _ in 0..13 {
            clock.advance(hours(12));
            let resumed = registry.resume_web(busy.expose()).await.unwrap();
            assert!(resumed.is_some(), "{backend:?} at {}", clock.now());
        }
        // The unused one went at its idle time already.
        assert!(registry.resume_web(idle.expose()).await.unwrap().is_none());
        clock.advance(hours(12) - chrono::Duration::seconds(1));
        assert!(registry.resume_web(busy.expose()).await.unwrap().is_some());
        clock.advance(chrono::Duration::seconds(1));
        assert!(
            registry.resume_web(busy.expose()).await.unwrap().is_none(),
            "{backend:?}: alive after 7 days"
        );
        // Ended, not only refused: its row is gone and an event stream cannot watch it.
        let listed = core.sessions(operator().scope(), who).await.unwrap();
        assert!(listed.iter().all(|s| s.id != row.id), "{backend:?}");
        assert!(registry.watch(busy.expose()).await.unwrap().is_none());
        // A new sign-in starts a new lifetime.
        let (_, fresh) = registry
            .open_web(&auth, Channel::Webmail, IP)
            .await
            .unwrap();
        assert!(registry.resume_web(fresh.expose()).await.unwrap().is_some());
    }
}
