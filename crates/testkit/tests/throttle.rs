//! The throttle under bursts, on both databases: every attempt is counted before its secret
//! is checked, per login from a network, per network, and per login from networks it never
//! signed in from; IPv6 counts by its /64; a code step's ticket is void after a few wrong codes.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::net::IpAddr;
use std::sync::Arc;
use trekmail_core::CoreError;
use trekmail_core::audit::{AuditKind, Channel};
use trekmail_core::auth::{PasswordStep, ThrottlePolicy, WRONG_CODES_PER_TICKET};
use trekmail_core::clock::ManualClock;
use trekmail_core::ids::Principal;
use trekmail_core::security::totp::step_of;
use trekmail_core::services::Actor;
use trekmail_testkit::*;

fn ip(text: &str) -> Option<IpAddr> {
    Some(text.parse().unwrap())
}

/// Spawns `n` wrong sign-ins of ann@example.com at once, the i-th from `from(i)`, and returns
/// how many of them had their password checked.
async fn burst(node: &TestNode, n: usize, from: impl Fn(usize) -> Option<IpAddr>) -> u64 {
    let before = node.hasher.verifications();
    let tasks: Vec<_> = (0..n)
        .map(|i| {
            let core = node.core.clone();
            let remote = from(i);
            tokio::spawn(async move {
                core.door()
                    .password_and_code(Channel::Imap, "ann@example.com", "Guess-1234567", remote)
                    .await
            })
        })
        .collect();
    for task in tasks {
        assert_eq!(task.await.unwrap().unwrap_err(), CoreError::Denied);
    }
    node.hasher.verifications() - before
}

/// A node whose clock stands still, so what is checked is what the counters allow, not what
/// time let through meanwhile (the holds are real sleeps of the first delay, 2 s, which
/// leaves 900 ms for a mail app's simultaneous sign-ins to settle).
async fn frozen_node(backend: Backend) -> Seeded {
    let now = chrono::Utc::now().timestamp();
    let options = NodeOptions {
        throttle: ThrottlePolicy {
            first_delay_ms: 2_000,
            ..ThrottlePolicy::default()
        },
        clock: Arc::new(ManualClock::at_unix(now)),
        ..NodeOptions::default()
    };
    Seeded::on(TestNode::start(&fresh_database(backend).await, options).await).await
}

async fn failures(node: &TestNode, m: &trekmail_core::domain::Mailbox, detail: &str) -> usize {
    node.core
        .audit_of(operator().scope(), Principal::Mailbox(m.id), 200)
        .await
        .unwrap()
        .iter()
        .filter(|r| r.event.kind == AuditKind::SignInFailed && r.event.detail.starts_with(detail))
        .count()
}

/// 40 guesses released together from one address get exactly the free ones checked, as a
/// sequence would, and the right password right after is refused unchecked.
#[tokio::test(flavor = "multi_thread")]
async fn a_burst_gets_no_more_guesses_than_a_sequence() {
    for backend in BACKENDS {
        let Seeded { node, mailbox, .. } = frozen_node(backend).await;
        let checked = burst(&node, 40, |_| ip("192.0.2.10")).await;
        assert_eq!(checked, 3, "{backend:?}: hash checks in a burst of 40");
        assert_eq!(failures(&node, &mailbox, "wrong login").await, 3);
        assert_eq!(failures(&node, &mailbox, "throttled").await, 37);
        let before = node.hasher.verifications();
        let right = node
            .core
            .door()
            .password_and_code(Channel::Imap, "ann@example.com", PASSWORD, ip("192.0.2.10"))
            .await;
        assert_eq!(right.unwrap_err(), CoreError::Denied, "{backend:?}");
        assert_eq!(
            node.hasher.verifications(),
            before,
            "checked while throttled"
        );
    }
}

/// Addresses of one IPv6 /64 count as one.
#[tokio::test(flavor = "multi_thread")]
async fn ipv6_addresses_of_one_64_share_a_counter() {
    for backend in BACKENDS {
        let Seeded { node, .. } = frozen_node(backend).await;
        let checked = burst(&node, 20, |i| ip(&format!("2001:db8:7:7::{:x}", i + 1))).await;
        assert_eq!(checked, 3, "{backend:?}");
    }
}

/// Guesses spread over many networks slow down once the login's own count across them is
/// used up; the owner from a network they signed in from before is not slowed by them.
#[tokio::test(flavor = "multi_thread")]
async fn a_spray_across_networks_slows_strangers_but_not_the_owners_network() {
    for backend in BACKENDS {
        let Seeded { node, .. } = frozen_node(backend).await;
        let door = node.core.door();
        let home = ip("198.51.100.1");
        door.password_and_code(Channel::Imap, "ann@example.com", PASSWORD, home)
            .await
            .unwrap();
        // 30 guesses from 30 networks: each network's own counters are fresh, the login's
        // count across untrusted networks lets 10 through.
        let checked = burst(&node, 30, |i| ip(&format!("203.0.113.{}", i + 1))).await;
        assert_eq!(checked, 10, "{backend:?}");
        let before = node.hasher.verifications();
        let stranger = door
            .password_and_code(
                Channel::Imap,
                "ann@example.com",
                PASSWORD,
                ip("192.0.2.200"),
            )
            .await;
        assert_eq!(stranger.unwrap_err(), CoreError::Denied, "{backend:?}");
        assert_eq!(node.hasher.verifications(), before);
        // The owner's network was trusted by their sign-in, so the spray does not reach it.
        door.password_and_code(Channel::Imap, "ann@example.com", PASSWORD, home)
            .await
            .unwrap();
    }
}

/// A code step's ticket takes a few wrong codes, then even the right code is refused
/// unchecked; a new password step gives a new ticket that works.
#[tokio::test(flavor = "multi_thread")]
async fn a_ticket_is_void_after_a_few_wrong_codes() {
    for backend in BACKENDS {
        let Seeded {
            node,
            account,
            mailbox,
        } = Seeded::new(backend).await;
        let core = &node.core;
        let who = Principal::Mailbox(mailbox.id);
        let enrollment = core
            .begin_two_factor(&operator().own(who, account))
            .unwrap();
        let step = step_of(core.clock().now());
        let actor = Actor {
            channel: Channel::Webmail,
            remote: None,
            name: "ann@example.com".to_owned(),
        };
        core.confirm_two_factor(
            &operator().own(who, account),
            &enrollment.ticket,
            &enrollment.secret.code_at_step(step),
            None,
            &actor,
        )
        .await
        .unwrap();
        let door = core.door();
        let from = ip("192.0.2.10");
        let ticket = |password: &'static str| async move {
            match door
                .password_step(Channel::Webmail, "ann@example.com", password, from)
                .await
                .unwrap()
            {
                PasswordStep::NeedsCode(ticket) => ticket,
                PasswordStep::Done(_) => panic!("2FA on but no code asked"),
            }
        };
        let first = ticket(PASSWORD).await;
        for _ in 0..WRONG_CODES_PER_TICKET {
            assert!(
                door.code_step(Channel::Webmail, &first, "000000", from)
                    .await
                    .is_err()
            );
        }
        let right = enrollment.secret.code_at_step(step + 1);
        let void = door.code_step(Channel::Webmail, &first, &right, from).await;
        assert_eq!(void.unwrap_err(), CoreError::Denied, "{backend:?}");
        assert_eq!(failures(&node, &mailbox, "code step void").await, 1);
        let second = ticket(PASSWORD).await;
        door.code_step(Channel::Webmail, &second, &right, from)
            .await
            .unwrap_or_else(|e| panic!("{backend:?}: a fresh ticket: {e}"));
    }
}

/// Mail apps opening many connections at once sign each in with the right password: all get
/// in, though far more arrive together than the free count, for a few hashes (the first
/// ones' counts are taken back as they are checked; the waiting ones see the same password
/// verified moments ago and pass on sight). A wrong password among them is still counted,
/// and a new password is not mistaken for the old.
#[tokio::test(flavor = "multi_thread")]
async fn many_right_sign_ins_at_once_all_get_in_for_a_few_hashes() {
    for backend in BACKENDS {
        let Seeded { node, mailbox, .. } = frozen_node(backend).await;
        let before = node.hasher.verifications();
        let tasks: Vec<_> = (0..50)
            .map(|_| {
                let core = node.core.clone();
                tokio::spawn(async move {
                    core.door()
                        .password_and_code(
                            Channel::Imap,
                            "ann@example.com",
                            PASSWORD,
                            ip("192.0.2.10"),
                        )
                        .await
                })
            })
            .collect();
        for task in tasks {
            task.await
                .unwrap()
                .unwrap_or_else(|e| panic!("{backend:?}: a right sign-in refused: {e}"));
        }
        let hashed = node.hasher.verifications() - before;
        assert!(hashed <= 3, "{backend:?}: {hashed} hashes for one password");
        let wrong = node
            .core
            .door()
            .password_and_code(
                Channel::Imap,
                "ann@example.com",
                "Guess-1234567",
                ip("192.0.2.10"),
            )
            .await;
        assert_eq!(wrong.unwrap_err(), CoreError::Denied);
        assert_eq!(
            failures(&node, &mailbox, "wrong login").await,
            1,
            "{backend:?}"
        );
        node.core
            .set_mailbox_password(
                operator().scope(),
                mailbox.id,
                "Second-pass-2026x",
                &Actor::operator(),
            )
            .await
            .unwrap();
        let old = node
            .core
            .door()
            .password_and_code(Channel::Imap, "ann@example.com", PASSWORD, ip("192.0.2.10"))
            .await;
        assert_eq!(
            old.unwrap_err(),
            CoreError::Denied,
            "{backend:?}: the old password"
        );
    }
}
