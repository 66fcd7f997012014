//! The sign-in door on both databases: passwords, 2FA, replay, throttling, equal failures.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::net::{IpAddr, Ipv4Addr};
use std::time::{Duration, Instant};
use trekmail_core::CoreError;
use trekmail_core::audit::{AuditKind, Channel};
use trekmail_core::auth::PasswordStep;
use trekmail_core::clock::Clock;
use trekmail_core::ids::{AccountId, Principal};
use trekmail_core::security::password_hasher::HashCost;
use trekmail_core::security::totp::step_of;
use trekmail_core::services::Actor;
use trekmail_testkit::*;

const IP: Option<IpAddr> = Some(IpAddr::V4(Ipv4Addr::new(192, 0, 2, 10)));
const OTHER_IP: Option<IpAddr> = Some(IpAddr::V4(Ipv4Addr::new(192, 0, 2, 99)));

fn owner_actor(address: &str) -> Actor {
    Actor {
        channel: Channel::Webmail,
        remote: IP,
        name: address.to_owned(),
    }
}

/// Turns 2FA on for the mailbox and returns its secret as the owner's app would hold it.
async fn enroll(
    node: &TestNode,
    who: Principal,
    account: trekmail_core::ids::AccountId,
    address: &str,
) -> trekmail_core::security::totp::TotpSecret {
    let core = &node.core;
    let enrollment = core
        .begin_two_factor(&operator().own(who, account))
        .unwrap();
    let step = step_of(core.clock().now());
    let code = enrollment.secret.code_at_step(step);
    core.confirm_two_factor(
        &operator().own(who, account),
        &enrollment.ticket,
        &code,
        None,
        &owner_actor(address),
    )
    .await
    .unwrap();
    enrollment.secret
}

#[tokio::test(flavor = "multi_thread")]
async fn passwords_open_the_door_and_nothing_else() {
    for backend in BACKENDS {
        let Seeded {
            node,
            account,
            mailbox: m,
        } = Seeded::new(backend).await;
        let core = &node.core;
        let door = core.door();

        let ok = door
            .password_and_code(Channel::Imap, "Ann@Example.com", PASSWORD, IP)
            .await
            .unwrap();
        assert_eq!(ok.principal(), Principal::Mailbox(m.id), "{backend:?}");
        assert_eq!(ok.account_id(), account);

        for (login, password) in [
            ("ann@example.com", "wrong-Pass-1234"),
            ("nobody@example.com", PASSWORD),
            ("not an address", PASSWORD),
        ] {
            let e = door
                .password_and_code(Channel::Smtp, login, password, IP)
                .await
                .unwrap_err();
            assert_eq!(e, CoreError::Denied, "{backend:?} {login}");
        }
        // The dashboard door takes owners, not mailboxes.
        assert!(
            door.password_step(Channel::Dashboard, "ann@example.com", PASSWORD, IP)
                .await
                .is_err()
        );
        let owner = door
            .password_step(Channel::Dashboard, "owner@example.com", OWNER_PASSWORD, IP)
            .await
            .unwrap();
        assert!(
            matches!(owner, PasswordStep::Done(a) if a.principal() == Principal::Account(account))
        );

        let audit = core
            .audit_of(operator().scope(), Principal::Mailbox(m.id), 50)
            .await
            .unwrap();
        let kinds: Vec<AuditKind> = audit.iter().map(|r| r.event.kind).collect();
        assert!(kinds.contains(&AuditKind::SignIn), "{backend:?} {kinds:?}");
        assert!(
            kinds.contains(&AuditKind::SignInFailed),
            "{backend:?} {kinds:?}"
        );
        let failed = audit
            .iter()
            .find(|r| r.event.kind == AuditKind::SignInFailed)
            .unwrap();
        assert_eq!(failed.event.remote, IP);
        assert_eq!(failed.event.channel, Channel::Smtp);
    }
}

/// Timing is not measured here (it would gate the suite on load); the work is: an unknown login
/// runs exactly one Argon2 verification, as a wrong password does, at the same cost.
#[tokio::test(flavor = "multi_thread")]
async fn unknown_and_wrong_cost_the_same_hashing_work() {
    let node = TestNode::fresh(Backend::Sqlite).await;
    let core = &node.core;
    let account = seed_account(core, "owner@example.com").await;
    seed_mailbox(core, account, "ann@example.com").await;
    let door = core.door();
    let work = |login: &'static str| {
        let hasher = node.hasher.clone();
        async move {
            let before = hasher.verifications();
            let refused = door
                .password_and_code(Channel::Imap, login, "Wrong-password-1", None)
                .await;
            assert!(refused.is_err(), "{login} got in");
            hasher.verifications() - before
        }
    };
    assert_eq!(work("ghost@example.com").await, 1);
    assert_eq!(work("ann@example.com").await, 1);
    assert_eq!(work("not an address").await, 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn two_factor_needs_a_fresh_code_on_every_channel() {
    for backend in BACKENDS {
        let Seeded {
            node,
            account,
            mailbox: m,
        } = Seeded::new(backend).await;
        let core = &node.core;
        let who = Principal::Mailbox(m.id);
        let secret = enroll(&node, who, account, "ann@example.com").await;
        assert!(
            core.two_factor_on(&operator().own(who, account))
                .await
                .unwrap()
        );
        let door = core.door();
        let step = step_of(core.clock().now());

        // The code that confirmed enrolment is spent.
        let spent = secret.code_at_step(step);
        let e = door
            .password_and_code(
                Channel::Imap,
                "ann@example.com",
                &format!("{PASSWORD}{spent}"),
                IP,
            )
            .await;
        assert_eq!(
            e.unwrap_err(),
            CoreError::Denied,
            "{backend:?}: enrolment code reused"
        );

        // Password alone is refused; password + the next step's code works once.
        assert!(
            door.password_and_code(Channel::Imap, "ann@example.com", PASSWORD, IP)
                .await
                .is_err()
        );
        let next = secret.code_at_step(step + 1);
        door.password_and_code(
            Channel::Imap,
            "ann@example.com",
            &format!("{PASSWORD}{next}"),
            IP,
        )
        .await
        .unwrap();
        let replay = door
            .password_and_code(
                Channel::Smtp,
                "ann@example.com",
                &format!("{PASSWORD}{next}"),
                OTHER_IP,
            )
            .await;
        assert_eq!(
            replay.unwrap_err(),
            CoreError::Denied,
            "{backend:?}: replayed code"
        );
        // An older step is refused after a newer one was accepted.
        let older = secret.code_at_step(step - 1);
        assert!(
            door.password_and_code(
                Channel::Imap,
                "ann@example.com",
                &format!("{PASSWORD}{older}"),
                OTHER_IP
            )
            .await
            .is_err()
        );

        // Webmail: a second step with a ticket.
        let PasswordStep::NeedsCode(ticket) = door
            .password_step(Channel::Webmail, "ann@example.com", PASSWORD, IP)
            .await
            .unwrap()
        else {
            panic!("{backend:?}: 2FA on but no code asked");
        };
        assert!(
            door.code_step(Channel::Webmail, &ticket, &next, IP)
                .await
                .is_err(),
            "{backend:?}: used code"
        );
        let tampered = trekmail_core::auth::CodeTicket(format!("{}A", ticket.0));
        assert!(
            door.code_step(Channel::Webmail, &tampered, &next, IP)
                .await
                .is_err(),
            "{backend:?}: altered ticket"
        );

        // Turning it off needs the password and a fresh code.
        let actor = owner_actor("ann@example.com");
        assert!(
            core.disable_two_factor(
                &operator().own(who, account),
                "Wrong-pass-1234",
                &secret.code_at_step(step),
                &actor
            )
            .await
            .is_err()
        );
        assert!(
            core.two_factor_on(&operator().own(who, account))
                .await
                .unwrap()
        );
        let audit = core.audit_of(operator().scope(), who, 100).await.unwrap();
        assert!(
            audit
                .iter()
                .any(|r| r.event.kind == AuditKind::TwoFactorEnabled)
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn web_sign_in_with_a_code_and_turning_2fa_off() {
    let clock = std::sync::Arc::new(trekmail_core::clock::ManualClock::at_unix(1_900_000_000));
    let url = fresh_database(Backend::Sqlite).await;
    let node = TestNode::start(
        &url,
        NodeOptions {
            clock: clock.clone(),
            ..NodeOptions::default()
        },
    )
    .await;
    let core = &node.core;
    let account = seed_account(core, "owner@example.com").await;
    let m = seed_mailbox(core, account, "ann@example.com").await;
    let who = Principal::Mailbox(m.id);
    let secret = enroll(&node, who, account, "ann@example.com").await;
    let door = core.door();

    clock.advance(chrono::Duration::seconds(30));
    let PasswordStep::NeedsCode(ticket) = door
        .password_step(Channel::Webmail, "ann@example.com", PASSWORD, IP)
        .await
        .unwrap()
    else {
        panic!("no code asked");
    };
    let code = secret.code_at_step(step_of(clock.now()));
    // Another account's branded host does not take it either, nor spend its code.
    assert!(
        door.code_step_in(
            Some(AccountId(account.0 + 1)),
            Channel::Webmail,
            &ticket,
            &code,
            IP
        )
        .await
        .is_err(),
        "a ticket on another account's host"
    );
    // The dashboard does not take the webmail's ticket (and spends no code on it).
    assert!(
        door.code_step(Channel::Dashboard, &ticket, &code, IP)
            .await
            .is_err(),
        "a webmail ticket at the dashboard"
    );
    let auth = door
        .code_step(Channel::Webmail, &ticket, &code, IP)
        .await
        .unwrap();
    assert_eq!(auth.principal(), who);
    assert!(
        door.code_step(Channel::Webmail, &ticket, &code, IP)
            .await
            .is_err(),
        "same code twice"
    );

    // A ticket expires.
    let PasswordStep::NeedsCode(old_ticket) = door
        .password_step(Channel::Webmail, "ann@example.com", PASSWORD, IP)
        .await
        .unwrap()
    else {
        panic!("no code asked");
    };
    clock.advance(chrono::Duration::seconds(600));
    let late = secret.code_at_step(step_of(clock.now()));
    assert!(
        door.code_step(Channel::Webmail, &old_ticket, &late, IP)
            .await
            .is_err(),
        "expired ticket"
    );

    core.disable_two_factor(
        &operator().own(who, account),
        PASSWORD,
        &late,
        &owner_actor("ann@example.com"),
    )
    .await
    .unwrap();
    assert!(
        !core
            .two_factor_on(&operator().own(who, account))
            .await
            .unwrap()
    );
    door.password_and_code(Channel::Imap, "ann@example.com", PASSWORD, IP)
        .await
        .unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn throttling_stops_a_guesser_but_not_the_owner_elsewhere() {
    for backend in BACKENDS {
        let Seeded {
            node,
            account: _,
            mailbox: m,
        } = Seeded::new(backend).await;
        let core = node.core.clone();
        let door = core.door();
        // Each failure past the free ones is answered later than the one before
        // (test policy: 3 free, then 20 ms doubling).
        let mut took = Vec::new();
        for _ in 0..7 {
            let started = Instant::now();
            let _ = door
                .password_and_code(Channel::Imap, "ann@example.com", "Guess-1234567", IP)
                .await;
            took.push(started.elapsed());
        }
        // Only lower bounds: the held delays are sleeps, so load can lengthen them but never
        // shorten them (20, 40, 80, 160 ms for the 4th to 7th).
        for (nth, floor_ms) in [(3, 20), (4, 40), (5, 80), (6, 160)] {
            assert!(
                took[nth] >= Duration::from_millis(floor_ms),
                "{backend:?}: guess {} came back too soon: {took:?}",
                nth + 1
            );
        }

        // While the 8th guess is held, even the right password is refused from that IP,
        // without being checked…
        let guesser = core.clone();
        let eighth = tokio::spawn(async move {
            guesser
                .door()
                .password_and_code(Channel::Imap, "ann@example.com", "Guess-7654321", IP)
                .await
        });
        // Its failure is counted (and audited) before it is held: wait for the record, not
        // for a guessed time.
        wait_for_failures(&core, m.id, 8).await;
        let blocked = door
            .password_and_code(Channel::Imap, "ann@example.com", PASSWORD, IP)
            .await;
        assert_eq!(blocked.unwrap_err(), CoreError::Denied, "{backend:?}");
        // …while the owner on another IP gets in.
        door.password_and_code(Channel::Imap, "ann@example.com", PASSWORD, OTHER_IP)
            .await
            .unwrap();
        assert_eq!(eighth.await.unwrap().unwrap_err(), CoreError::Denied);

        let audit = core
            .audit_of(operator().scope(), Principal::Mailbox(m.id), 100)
            .await
            .unwrap();
        let failed: Vec<_> = audit
            .iter()
            .filter(|r| r.event.kind == AuditKind::SignInFailed)
            .collect();
        let throttled = failed
            .iter()
            .filter(|r| r.event.detail == "throttled")
            .count();
        assert_eq!(
            (failed.len(), throttled),
            (9, 1),
            "{backend:?}: every guess, and the attempt refused unchecked, are on the mailbox's record"
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn an_old_cost_hash_is_remade_at_the_next_good_sign_in() {
    let url = fresh_database(Backend::Sqlite).await;
    let weak = HashCost {
        memory_kib: 4096,
        passes: 1,
        lanes: 1,
    };
    let old = TestNode::start(
        &url,
        NodeOptions {
            cost: weak,
            ..NodeOptions::default()
        },
    )
    .await;
    let account = seed_account(&old.core, "owner@example.com").await;
    let m = seed_mailbox(&old.core, account, "ann@example.com").await;
    let who = Principal::Mailbox(m.id);
    use trekmail_core::store::CredentialStore;
    let before = old.store.credentials(who).await.unwrap().unwrap();
    assert!(
        before.password_hash.contains("m=4096,t=1,p=1"),
        "{}",
        before.password_hash
    );
    drop(old);

    let current = TestNode::start(&url, NodeOptions::default()).await;
    current
        .core
        .door()
        .password_and_code(Channel::Imap, "ann@example.com", PASSWORD, IP)
        .await
        .unwrap();
    let after = current.store.credentials(who).await.unwrap().unwrap();
    assert!(
        after.password_hash.contains("m=19456,t=2,p=1"),
        "{}",
        after.password_hash
    );
    assert_eq!(after.epoch, before.epoch, "a re-hash is no password change");
    current
        .core
        .door()
        .password_and_code(Channel::Imap, "ann@example.com", PASSWORD, IP)
        .await
        .unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn recovery_code_sets_the_password_once_and_turns_2fa_off() {
    for backend in BACKENDS {
        let Seeded {
            node,
            account,
            mailbox: m,
        } = Seeded::new(backend).await;
        let core = &node.core;
        let who = Principal::Mailbox(m.id);
        enroll(&node, who, account, "ann@example.com").await;
        let admin = Actor {
            channel: Channel::Dashboard,
            remote: IP,
            name: "owner@example.com".into(),
        };
        assert_eq!(
            core.recovery_status(operator().as_account(account), m.id)
                .await
                .unwrap(),
            None
        );
        let first = core
            .issue_recovery_code(operator().as_account(account), m.id, &admin)
            .await
            .unwrap();
        let second = core
            .issue_recovery_code(operator().as_account(account), m.id, &admin)
            .await
            .unwrap();
        assert!(
            core.recovery_status(operator().as_account(account), m.id)
                .await
                .unwrap()
                .is_some()
        );

        let new_password = "Recovered-pass-77";
        let stale = core
            .redeem_recovery_code("ann@example.com", first.expose(), new_password, IP)
            .await;
        assert_eq!(
            stale.unwrap_err(),
            CoreError::Denied,
            "{backend:?}: replaced code still works"
        );
        let weak = core
            .redeem_recovery_code("ann@example.com", second.expose(), "weak", IP)
            .await;
        assert!(
            matches!(weak, Err(CoreError::WeakPassword(_))),
            "{backend:?}"
        );
        let auth = core
            .redeem_recovery_code(
                "ANN@example.com",
                &second.expose().to_lowercase(),
                new_password,
                IP,
            )
            .await
            .unwrap();
        assert_eq!(auth.principal(), who);
        assert!(
            !core
                .two_factor_on(&operator().own(who, account))
                .await
                .unwrap(),
            "{backend:?}: 2FA still on"
        );
        let again = core
            .redeem_recovery_code(
                "ann@example.com",
                second.expose(),
                "Another-pass-88",
                OTHER_IP,
            )
            .await;
        assert_eq!(
            again.unwrap_err(),
            CoreError::Denied,
            "{backend:?}: code used twice"
        );
        let door = core.door();
        assert!(
            door.password_and_code(Channel::Imap, "ann@example.com", PASSWORD, OTHER_IP)
                .await
                .is_err()
        );
        door.password_and_code(Channel::Imap, "ann@example.com", new_password, OTHER_IP)
            .await
            .unwrap();
        let unknown = core
            .redeem_recovery_code("ghost@example.com", second.expose(), new_password, OTHER_IP)
            .await;
        assert_eq!(unknown.unwrap_err(), CoreError::Denied);
        let kinds: Vec<AuditKind> = core
            .audit_of(operator().scope(), who, 100)
            .await
            .unwrap()
            .iter()
            .map(|r| r.event.kind)
            .collect();
        assert!(
            kinds.contains(&AuditKind::RecoveryCodeIssued)
                && kinds.contains(&AuditKind::RecoveryCodeUsed),
            "{kinds:?}"
        );
    }
}

/// Waits until the mailbox's audit holds `n` failed sign-ins (they are recorded when counted,
/// before the delay they earned is served).
async fn wait_for_failures(
    core: &trekmail_core::Core,
    id: trekmail_core::ids::MailboxId,
    n: usize,
) {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let audit = core
            .audit_of(operator().scope(), Principal::Mailbox(id), 100)
            .await
            .unwrap();
        let failed = audit
            .iter()
            .filter(|r| r.event.kind == AuditKind::SignInFailed)
            .count();
        if failed >= n {
            return;
        }
        assert!(Instant::now() < deadline, "{failed} failures, not {n}");
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

/// Nodes on one PostgreSQL count failures together: a guesser gains nothing by moving on to
/// another node.
#[tokio::test(flavor = "multi_thread")]
async fn nodes_sharing_a_database_throttle_as_one() {
    let url = fresh_database(Backend::Postgres).await;
    let options = NodeOptions {
        throttle: trekmail_core::auth::ThrottlePolicy {
            free_per_login: 1,
            first_delay_ms: 4000,
            ..trekmail_core::auth::ThrottlePolicy::default()
        },
        ..NodeOptions::default()
    };
    let a = TestNode::start(&url, options.clone()).await;
    let b = TestNode::start(&url, options).await;
    let account = seed_account(&a.core, "owner@example.com").await;
    let m = seed_mailbox(&a.core, account, "ann@example.com").await;
    let guess = |node: &TestNode| {
        let core = node.core.clone();
        async move {
            core.door()
                .password_and_code(Channel::Imap, "ann@example.com", "Guess-1234567", IP)
                .await
        }
    };
    assert_eq!(guess(&a).await.unwrap_err(), CoreError::Denied);
    // The second guess earns a delay; while it is served, node B refuses even the right
    // password from that IP, unchecked…
    let held = tokio::spawn(guess(&a));
    wait_for_failures(&a.core, m.id, 2).await;
    let on_b = b
        .core
        .door()
        .password_and_code(Channel::Imap, "ann@example.com", PASSWORD, IP)
        .await;
    assert_eq!(on_b.unwrap_err(), CoreError::Denied);
    // …and lets the owner in from elsewhere.
    b.core
        .door()
        .password_and_code(Channel::Imap, "ann@example.com", PASSWORD, OTHER_IP)
        .await
        .unwrap();
    assert_eq!(held.await.unwrap().unwrap_err(), CoreError::Denied);
}
