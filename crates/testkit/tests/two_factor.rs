//! Replacing or removing an owner's 2FA secret on both databases: the core asks for the
//! password and a current code of the secret in use, so no caller can skip them.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::net::{IpAddr, Ipv4Addr};
use std::sync::Arc;
use trekmail_core::CoreError;
use trekmail_core::audit::{AuditKind, Channel};
use trekmail_core::clock::{Clock, ManualClock};
use trekmail_core::ids::Principal;
use trekmail_core::security::totp::{TotpSecret, step_of};
use trekmail_core::services::{Actor, CurrentFactors};
use trekmail_testkit::*;

const IP: Option<IpAddr> = Some(IpAddr::V4(Ipv4Addr::new(192, 0, 2, 10)));
const ADDRESS: &str = "ann@example.com";

fn actor() -> Actor {
    Actor {
        channel: Channel::Webmail,
        remote: IP,
        name: ADDRESS.to_owned(),
    }
}

/// Whether IMAP takes the password with a fresh code of `secret` (the clock moves a step).
async fn signs_in_with(node: &TestNode, clock: &ManualClock, secret: &TotpSecret) -> bool {
    clock.advance(chrono::Duration::seconds(30));
    let code = secret.code_at_step(step_of(clock.now()));
    node.core
        .door()
        .password_and_code(Channel::Imap, ADDRESS, &format!("{PASSWORD}{code}"), IP)
        .await
        .is_ok()
}

#[tokio::test(flavor = "multi_thread")]
async fn replacing_a_secret_in_use_needs_the_password_and_a_current_code() {
    for backend in BACKENDS {
        let clock = Arc::new(ManualClock::at_unix(1_900_000_000));
        let Seeded {
            node,
            account,
            mailbox,
        } = Seeded::on_clock(backend, clock.clone()).await;
        let core = &node.core;
        let who = Principal::Mailbox(mailbox.id);

        // Off: the first secret needs only its own code.
        let first = core
            .begin_two_factor(&operator().own(who, account))
            .unwrap();
        let code = first.secret.code_at_step(step_of(clock.now()));
        core.confirm_two_factor(
            &operator().own(who, account),
            &first.ticket,
            &code,
            None,
            &actor(),
        )
        .await
        .unwrap();

        // On: a second enrolment is refused without the password and a code of the first,
        // with a wrong password, and with a code of the new secret in place of the old one.
        clock.advance(chrono::Duration::seconds(30));
        let second = core
            .begin_two_factor(&operator().own(who, account))
            .unwrap();
        let step = step_of(clock.now());
        let new_code = second.secret.code_at_step(step);
        let old_code = first.secret.code_at_step(step);
        let tries = [
            None,
            Some(CurrentFactors {
                password: "Wrong-pass-1234",
                code: &old_code,
            }),
            Some(CurrentFactors {
                password: PASSWORD,
                code: &new_code,
            }),
        ];
        for (i, current) in tries.into_iter().enumerate() {
            let refused = core
                .confirm_two_factor(
                    &operator().own(who, account),
                    &second.ticket,
                    &new_code,
                    current,
                    &actor(),
                )
                .await;
            assert!(
                matches!(refused, Err(CoreError::Invalid(_))),
                "{backend:?}: try {i} replaced the secret: {refused:?}"
            );
        }
        assert!(
            signs_in_with(&node, &clock, &first.secret).await,
            "{backend:?}: the first secret no longer signs in"
        );
        assert!(!signs_in_with(&node, &clock, &second.secret).await);
        // The two wrong ones count like failed sign-ins.
        let audit = core.audit_of(operator().scope(), who, 100).await.unwrap();
        let refusals = audit
            .iter()
            .filter(|r| {
                r.event.kind == AuditKind::SignInFailed
                    && r.event.detail.starts_with("2FA not replaced")
            })
            .count();
        assert_eq!(refusals, 2, "{backend:?}");

        // With both, the new secret replaces the old one.
        clock.advance(chrono::Duration::seconds(30));
        let step = step_of(clock.now());
        core.confirm_two_factor(
            &operator().own(who, account),
            &second.ticket,
            &second.secret.code_at_step(step),
            Some(CurrentFactors {
                password: PASSWORD,
                code: &first.secret.code_at_step(step),
            }),
            &actor(),
        )
        .await
        .unwrap();
        assert!(signs_in_with(&node, &clock, &second.secret).await);
        assert!(!signs_in_with(&node, &clock, &first.secret).await);

        // Removing it needs both too: the password alone, or a code alone, is refused.
        clock.advance(chrono::Duration::seconds(30));
        let code = second.secret.code_at_step(step_of(clock.now()));
        for (password, code) in [(PASSWORD, ""), ("", code.as_str())] {
            assert!(
                core.disable_two_factor(&operator().own(who, account), password, code, &actor())
                    .await
                    .is_err(),
                "{backend:?}: turned off with {password:?} and {code:?}"
            );
        }
        assert!(
            core.two_factor_on(&operator().own(who, account))
                .await
                .unwrap(),
            "{backend:?}"
        );
    }
}
