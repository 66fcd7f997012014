//! Webmail branding on both databases: plans, validation, one host per account, and the
//! door's account-scoped sign-in and recovery that a branded host uses.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use trekmail_core::CoreError;
use trekmail_core::audit::Channel;
use trekmail_core::auth::PasswordStep;
use trekmail_core::domain::Plan;
use trekmail_core::services::Actor;
use trekmail_testkit::*;

/// An Agency account (branding included by default) with its domain and one mailbox.
async fn agency(node: &TestNode, owner: &str, mailbox: &str) -> trekmail_core::ids::AccountId {
    let core = &node.core;
    let account = core
        .create_account(owner, Plan::Agency, OWNER_PASSWORD, &Actor::operator())
        .await
        .unwrap();
    let domain = owner.rsplit_once('@').unwrap().1;
    core.add_domain(operator().scope(), account.id, domain, &Actor::operator())
        .await
        .unwrap();
    seed_mailbox(core, account.id, mailbox).await;
    account.id
}

#[tokio::test(flavor = "multi_thread")]
async fn only_plans_with_branding_brand_and_a_host_has_one_account() {
    for backend in BACKENDS {
        let Seeded { node, account, .. } = Seeded::new(backend).await;
        let core = &node.core;
        let op = Actor::operator();
        // Pro has no branding by default.
        let e = core
            .set_brand(
                operator().scope(),
                account,
                "mail.example.com",
                "Ex",
                "#112233",
                &op,
            )
            .await
            .unwrap_err();
        assert!(matches!(e, CoreError::LimitReached(_)), "{backend:?} {e:?}");
        let acme = agency(&node, "boss@acme.test", "zoe@acme.test").await;
        for (host, name, colour) in [
            ("not a host", "Acme", "#112233"),
            ("mail.acme.test", "", "#112233"),
            ("mail.acme.test", "Acme\u{7}", "#112233"),
            ("mail.acme.test", "Acme", "#11223"),
            ("mail.acme.test", "Acme", "#11223g"),
            ("mail.acme.test", "Acme", "red;}"),
        ] {
            let e = core
                .set_brand(operator().scope(), acme, host, name, colour, &op)
                .await
                .unwrap_err();
            assert!(
                matches!(e, CoreError::Invalid(_)),
                "{backend:?} {host} {name} {colour}"
            );
        }
        // Another tenant cannot brand this one.
        let e = core
            .set_brand(
                operator().as_account(account),
                acme,
                "x.acme.test",
                "A",
                "#112233",
                &op,
            )
            .await
            .unwrap_err();
        assert_eq!(e, CoreError::NotFound, "{backend:?}");
        let brand = core
            .set_brand(
                operator().as_account(acme),
                acme,
                " Mail.Acme.TEST. ",
                " Acme ",
                "#AA3300",
                &op,
            )
            .await
            .unwrap();
        assert_eq!(
            (
                brand.host.as_str(),
                brand.name.as_str(),
                brand.colour.as_str()
            ),
            ("mail.acme.test", "Acme", "#aa3300"),
            "{backend:?}"
        );
        let found = core.brand_by_host("MAIL.acme.test").await.unwrap().unwrap();
        assert_eq!(found.account_id, acme, "{backend:?}");
        assert_eq!(core.brand_by_host("other.test").await.unwrap(), None);
        // One host, one account.
        let rival = agency(&node, "boss@rival.test", "rob@rival.test").await;
        let e = core
            .set_brand(
                operator().scope(),
                rival,
                "mail.acme.test",
                "Rival",
                "#000000",
                &op,
            )
            .await
            .unwrap_err();
        assert!(matches!(e, CoreError::Conflict(_)), "{backend:?} {e:?}");
        // The same host in another case or with the root's dot is the same host.
        for host in ["MAIL.ACME.TEST", "mail.acme.test.", " Mail.Acme.Test. "] {
            let e = core
                .set_brand(operator().scope(), rival, host, "Rival", "#000000", &op)
                .await
                .unwrap_err();
            assert!(
                matches!(e, CoreError::Conflict(_)),
                "{backend:?} {host} {e:?}"
            );
        }
        // Changing the brand moves the host; clearing it frees the host.
        core.set_brand(
            operator().scope(),
            acme,
            "webmail.acme.test",
            "Acme 2",
            "#000000",
            &op,
        )
        .await
        .unwrap();
        assert_eq!(core.brand_by_host("mail.acme.test").await.unwrap(), None);
        assert_eq!(
            core.brand(operator().as_account(acme), acme)
                .await
                .unwrap()
                .unwrap()
                .name,
            "Acme 2"
        );
        core.clear_brand(operator().as_account(acme), acme, &op)
            .await
            .unwrap();
        assert_eq!(core.brand(operator().scope(), acme).await.unwrap(), None);
        assert_eq!(core.brand_by_host("webmail.acme.test").await.unwrap(), None);
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn the_operators_own_hosts_are_nobodys_brand() {
    for backend in BACKENDS {
        let node = TestNode::fresh(backend).await;
        let core = &node.core;
        let acme = agency(&node, "boss@acme.test", "zoe@acme.test").await;
        // Neither the account itself nor the operator on its behalf, in any spelling.
        for (scope, host) in [
            (operator().as_account(acme), RESERVED_HOSTS[0].to_owned()),
            (
                operator().as_account(acme),
                RESERVED_HOSTS[1].to_uppercase(),
            ),
            (operator().scope(), format!("{}.", RESERVED_HOSTS[0])),
        ] {
            let e = core
                .set_brand(scope, acme, &host, "Acme", "#112233", &Actor::operator())
                .await
                .unwrap_err();
            match &e {
                CoreError::Conflict(m) => assert!(m.contains("own host names"), "{m}"),
                other => panic!("{backend:?} {host}: {other:?}"),
            }
            assert_eq!(core.brand_by_host(&host).await.unwrap(), None);
        }
        assert_eq!(core.brand(operator().scope(), acme).await.unwrap(), None);
        // A host under the operator's name is still the account's to take.
        let brand = core
            .set_brand(
                operator().as_account(acme),
                acme,
                "acme.webmail.operator.test",
                "Acme",
                "#112233",
                &Actor::operator(),
            )
            .await
            .unwrap();
        assert_eq!(brand.host, "acme.webmail.operator.test", "{backend:?}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_branded_door_admits_only_its_accounts_mailboxes() {
    for backend in BACKENDS {
        let Seeded {
            node,
            account,
            mailbox: ann,
        } = Seeded::new(backend).await;
        let core = &node.core;
        let acme = agency(&node, "boss@acme.test", "zoe@acme.test").await;
        let door = core.door();
        let step = |only, login: &'static str| {
            door.password_step_in(only, Channel::Webmail, login, PASSWORD, None)
        };
        assert!(matches!(
            step(None, "ann@example.com").await,
            Ok(PasswordStep::Done(_))
        ));
        assert!(matches!(
            step(Some(account), "ann@example.com").await,
            Ok(PasswordStep::Done(_))
        ));
        assert_eq!(
            step(Some(acme), "ann@example.com").await.unwrap_err(),
            CoreError::Denied
        );
        assert!(matches!(
            step(Some(acme), "zoe@acme.test").await,
            Ok(PasswordStep::Done(_))
        ));

        // Recovery likewise: refused on another brand, and the code is not used up by it.
        let code = core
            .issue_recovery_code(operator().scope(), ann.id, &Actor::operator())
            .await
            .unwrap();
        let refused = core
            .redeem_recovery_code_in(
                Some(acme),
                "ann@example.com",
                code.expose(),
                "Recovered-pass-1",
                None,
            )
            .await
            .unwrap_err();
        assert_eq!(refused, CoreError::Denied, "{backend:?}");
        let auth = core
            .redeem_recovery_code_in(
                Some(account),
                "ann@example.com",
                code.expose(),
                "Recovered-pass-1",
                None,
            )
            .await
            .unwrap();
        assert_eq!(auth.account_id(), account, "{backend:?}");
    }
}
