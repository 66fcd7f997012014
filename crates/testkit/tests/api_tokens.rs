//! API tokens on both databases: made only with the owner's password again (a wrong one
//! counts like a failed sign-in), expiring as chosen, last use written at most once a
//! minute, and all revoked by the operator's reset of the owner's password.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::net::{IpAddr, Ipv4Addr};
use std::sync::Arc;
use trekmail_core::CoreError;
use trekmail_core::audit::{AuditKind, Channel};
use trekmail_core::clock::{Clock, ManualClock};
use trekmail_core::ids::Principal;
use trekmail_core::services::{Actor, NewApiToken, TokenLifetime};
use trekmail_testkit::*;

const IP: Option<IpAddr> = Some(IpAddr::V4(Ipv4Addr::new(192, 0, 2, 10)));

fn owner() -> Actor {
    Actor {
        channel: Channel::Dashboard,
        remote: IP,
        name: "owner@example.com".to_owned(),
    }
}

fn new_token(lifetime: TokenLifetime, password: Option<&str>) -> NewApiToken<'_> {
    NewApiToken {
        name: "deploy",
        lifetime,
        password,
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_token_needs_the_password_again_and_a_wrong_one_counts() {
    for backend in BACKENDS {
        let clock = Arc::new(ManualClock::at_unix(1_900_000_000));
        let Seeded { node, account, .. } = Seeded::on_clock(backend, clock.clone()).await;
        let core = &node.core;
        let scope = operator().as_account(account);
        let days = TokenLifetime::Days30;
        let e = core
            .create_api_token(scope, account, &new_token(days, None), &owner())
            .await
            .unwrap_err();
        assert!(matches!(e, CoreError::Invalid(_)), "{backend:?} {e:?}");
        // Wrong ones are counted like failed sign-ins: past the free ones, even the right
        // password waits its turn.
        for _ in 0..3 {
            let wrong = new_token(days, Some("Wrong-pass-1234"));
            let e = core
                .create_api_token(scope, account, &wrong, &owner())
                .await
                .unwrap_err();
            assert!(
                matches!(&e, CoreError::Invalid(m) if m.contains("not right")),
                "{backend:?} {e:?}"
            );
        }
        let right = new_token(days, Some(OWNER_PASSWORD));
        let held = core
            .create_api_token(scope, account, &right, &owner())
            .await;
        assert_eq!(held.unwrap_err(), CoreError::Denied, "{backend:?}");
        let audit = core
            .audit_of(operator().scope(), Principal::Account(account), 100)
            .await
            .unwrap();
        let counted = audit
            .iter()
            .filter(|r| {
                r.event.kind == AuditKind::SignInFailed
                    && r.event.detail.contains("API token not made")
            })
            .count();
        assert_eq!(counted, 3, "{backend:?}");
        assert!(core.api_tokens(scope, account).await.unwrap().is_empty());
        clock.advance(chrono::Duration::hours(2));
        core.create_api_token(scope, account, &right, &owner())
            .await
            .unwrap();
        // Another account's owner makes none here, password or not.
        let other = seed_account(core, "other@example.org").await;
        let e = core
            .create_api_token(operator().as_account(other), account, &right, &owner())
            .await
            .unwrap_err();
        assert_eq!(e, CoreError::NotFound, "{backend:?}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn tokens_expire_as_chosen_and_show_their_last_use_a_minute_apart() {
    for backend in BACKENDS {
        let clock = Arc::new(ManualClock::at_unix(1_900_000_000));
        let Seeded { node, account, .. } = Seeded::on_clock(backend, clock.clone()).await;
        let core = &node.core;
        let scope = operator().as_account(account);
        let make = async |lifetime| {
            let new = new_token(lifetime, Some(OWNER_PASSWORD));
            let (_, value) = core
                .create_api_token(scope, account, &new, &owner())
                .await
                .unwrap();
            value.to_string()
        };
        let month = make(TokenLifetime::Days30).await;
        let year = make(TokenLifetime::Days365).await;
        let never = make(TokenLifetime::Never).await;
        let start = clock.now();

        // Last use: the first use is written, another within the minute is not.
        let last_used = async || core.api_tokens(scope, account).await.unwrap()[2].last_used_at;
        assert_eq!(last_used().await, None);
        core.authenticate_api_token(&month).await.unwrap();
        assert_eq!(last_used().await, Some(start), "{backend:?}");
        clock.advance(chrono::Duration::seconds(59));
        core.authenticate_api_token(&month).await.unwrap();
        assert_eq!(last_used().await, Some(start), "{backend:?}");
        clock.advance(chrono::Duration::seconds(2));
        core.authenticate_api_token(&month).await.unwrap();
        assert_eq!(last_used().await, Some(clock.now()), "{backend:?}");

        // 30 days: good a second before, unknown from then on; the others go on.
        clock.set(start + chrono::Duration::days(30) - chrono::Duration::seconds(1));
        core.authenticate_api_token(&month).await.unwrap();
        clock.advance(chrono::Duration::seconds(1));
        let e = core.authenticate_api_token(&month).await.unwrap_err();
        assert_eq!(e, CoreError::Denied, "{backend:?}");
        core.authenticate_api_token(&year).await.unwrap();
        clock.set(start + chrono::Duration::days(365));
        assert_eq!(
            core.authenticate_api_token(&year).await.unwrap_err(),
            CoreError::Denied
        );
        clock.set(start + chrono::Duration::days(3650));
        core.authenticate_api_token(&never).await.unwrap();
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn the_operators_password_reset_revokes_every_token() {
    for backend in BACKENDS {
        let Seeded { node, account, .. } = Seeded::new(backend).await;
        let core = &node.core;
        let other = seed_account(core, "other@example.org").await;
        let mut values = Vec::new();
        for who in [account, account, other] {
            let new = new_token(TokenLifetime::Never, None);
            let (_, value) = core
                .create_api_token(operator().scope(), who, &new, &Actor::operator())
                .await
                .unwrap();
            values.push(value.to_string());
        }
        let reset = core
            .set_owner_password(account, "Reset-pass-2026x", &Actor::operator())
            .await
            .unwrap();
        assert_eq!(reset.api_tokens, 2, "{backend:?}");
        for value in &values[..2] {
            let e = core.authenticate_api_token(value).await.unwrap_err();
            assert_eq!(e, CoreError::Denied, "{backend:?}");
        }
        let (still, scope) = core.authenticate_api_token(&values[2]).await.unwrap();
        assert_eq!(still.account_id, other, "{backend:?}");
        assert_eq!(
            scope.account_id(),
            Some(other),
            "{backend:?}: the token's own scope"
        );
        // A weak password changes nothing, tokens included.
        let new = new_token(TokenLifetime::Never, None);
        let (_, kept) = core
            .create_api_token(operator().scope(), account, &new, &Actor::operator())
            .await
            .unwrap();
        assert!(
            core.set_owner_password(account, "weak", &Actor::operator())
                .await
                .is_err()
        );
        core.authenticate_api_token(&kept).await.unwrap();
    }
}
