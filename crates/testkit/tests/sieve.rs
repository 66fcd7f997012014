//! The Sieve step of the delivery pipeline on both databases: a mailbox's active script files
//! into folders (made with :create), sets flags, refuses, discards, redirects through the
//! forwarding path (SRS, Delivered-To) and answers by vacation under the Auto-Reply tab's
//! rules and memory; a script that fails keeps the message and audits why. And the scripts
//! themselves: checked before they are kept, one active, another account's unreachable.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use trekmail_core::audit::AuditKind;
use trekmail_core::domain::{EmailAddress, Mailbox};
use trekmail_core::ids::Principal;
use trekmail_core::services::{Actor, Delivered, Incoming, Manager, Recipient};
use trekmail_core::{Core, CoreError};
use trekmail_testkit::*;

/// A seeded node whose ann runs `source`.
async fn running(backend: Backend, source: &str) -> Seeded {
    let seeded = Seeded::new(backend).await;
    activate(&seeded.node.core, seeded.admin(), source).await;
    seeded
}

/// Saves `source` as ann's one active script.
async fn activate(core: &Core, manager: Manager<'_>, source: &str) {
    let actor = Actor::operator();
    core.put_sieve_script(manager, "rules", source, &actor)
        .await
        .unwrap();
    core.activate_sieve_script(manager, Some("rules"), &actor)
        .await
        .unwrap();
}

/// Delivers `body` from `from` to `to` through the whole pipeline.
async fn deliver(core: &Core, to: &str, from: &str, body: &str) -> Delivered {
    let Recipient::Local(local) = core
        .recipient(&EmailAddress::parse(to).unwrap())
        .await
        .unwrap()
    else {
        panic!("{to} is hosted");
    };
    let message = Incoming {
        envelope_from: from,
        body: body.as_bytes(),
        junk: false,
    };
    core.deliver_to(&local, message).await.unwrap()
}

/// The messages of `mailbox`'s folder `name`, with their flags.
async fn folder_flags(node: &TestNode, mailbox: &Mailbox, name: &str) -> Vec<Vec<String>> {
    let access = node.access(mailbox.id);
    let folder = node.core.folder(&access, name).await.unwrap();
    node.core
        .messages(&access, &folder)
        .await
        .unwrap()
        .into_iter()
        .map(|m| {
            m.flags
                .to_stored()
                .split(' ')
                .map(str::to_owned)
                .filter(|f| !f.is_empty())
                .collect()
        })
        .collect()
}

const MAIL: &str = "From: Walker <walker@far.example>\r\nTo: ann@example.com\r\n\
                    Subject: Trip invoice\r\nMessage-ID: <m1@far.example>\r\n\r\nSee you in Oslo.\r\n";

#[tokio::test(flavor = "multi_thread")]
async fn a_script_files_flags_and_makes_folders() {
    for backend in BACKENDS {
        let seeded = running(
            backend,
            r#"require ["fileinto", "mailbox", "imap4flags", "envelope", "subaddress", "body"];
if envelope :detail "to" "trips" {
    fileinto :create "Trips";
} elsif body :contains "urgent" {
    addflag "\\Flagged";
    keep;
} elsif header :contains "subject" "invoice" {
    fileinto :flags "$Invoice" "Invoices";
}
"#,
        )
        .await;
        let (node, ann) = (&seeded.node, &seeded.mailbox);
        let core = &node.core;
        let sent = deliver(core, "ann+trips@example.com", "walker@far.example", MAIL).await;
        assert!(
            matches!(sent, Delivered::Stored(_)),
            "{backend:?}: {sent:?}"
        );
        assert_eq!(folder_flags(node, ann, "Trips").await.len(), 1);
        let urgent = MAIL.replace("See you", "urgent: see you");
        deliver(core, "ann@example.com", "walker@far.example", &urgent).await;
        assert_eq!(
            folder_flags(node, ann, "INBOX").await,
            vec![vec!["\\Flagged".to_owned()]],
            "{backend:?}"
        );
        // "Invoices" does not exist and :create is missing: the message is kept in INBOX,
        // and the audit says why.
        deliver(core, "ann@example.com", "walker@far.example", MAIL).await;
        assert_eq!(folder_flags(node, ann, "INBOX").await.len(), 2);
        assert!(seeded.kept_because("Invoices").await);
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn reject_refuses_discard_drops_and_a_failing_script_keeps() {
    for backend in BACKENDS {
        let seeded = running(
            backend,
            "require [\"reject\"];\nif header :contains \"subject\" \"sale\" { reject \"No ads, thanks.\"; }\n\
             elsif header :contains \"subject\" \"spam\" { discard; }\n",
        )
        .await;
        let (node, ann) = (&seeded.node, &seeded.mailbox);
        let core = &node.core;
        let sale = MAIL.replace("Trip invoice", "Big sale");
        assert_eq!(
            deliver(core, "ann@example.com", "ads@shop.example", &sale).await,
            Delivered::Rejected("No ads, thanks.".into()),
            "{backend:?}"
        );
        let spam = MAIL.replace("Trip invoice", "spam spam");
        assert_eq!(
            deliver(core, "ann@example.com", "ads@shop.example", &spam).await,
            Delivered::Discarded
        );
        assert!(folder_flags(node, ann, "INBOX").await.is_empty());
        // A run-time error (reject with fileinto conflicts): implicit keep plus an audit.
        activate(
            core,
            seeded.admin(),
            "require [\"reject\", \"fileinto\"];\nfileinto \"INBOX\";\nreject \"no\";\n",
        )
        .await;
        assert!(matches!(
            deliver(core, "ann@example.com", "walker@far.example", MAIL).await,
            Delivered::Stored(_)
        ));
        assert_eq!(folder_flags(node, ann, "INBOX").await.len(), 1);
        assert!(seeded.kept_because("the Sieve script failed").await);
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn redirect_goes_through_the_forwarding_path() {
    for backend in BACKENDS {
        let seeded = running(
            backend,
            "require [\"copy\"];\nredirect :copy \"walker@far.example\";\nredirect \"bob@example.com\";\n",
        )
        .await;
        let (node, ann) = (&seeded.node, &seeded.mailbox);
        let core = &node.core;
        let bob = seed_mailbox(core, seeded.account, "bob@example.com").await;
        assert_eq!(
            deliver(core, "ann@example.com", "lee@near.example", MAIL).await,
            Delivered::Forwarded,
            "{backend:?}"
        );
        // Not kept at ann's (the plain redirect cancels the keep), at bob's marked as
        // delivered to ann, and queued for walker from an SRS sender.
        assert!(folder_flags(node, ann, "INBOX").await.is_empty());
        assert_eq!(folder_flags(node, &bob, "INBOX").await.len(), 1);
        queued_forward(core, "walker@far.example", "ann@example.com").await;
        // A message that came through ann before is not sent round again: kept.
        let looped = format!("Delivered-To: ann@example.com\r\n{MAIL}");
        assert!(matches!(
            deliver(core, "ann@example.com", "lee@near.example", &looped).await,
            Delivered::Stored(_)
        ));
        assert_eq!(core.outbound_queue().await.unwrap().len(), 1);
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn vacation_answers_once_under_the_auto_reply_rules() {
    for backend in BACKENDS {
        let seeded = running(
            backend,
            "require [\"vacation\"];\nvacation :days 3 :subject \"Away\" :addresses [\"team@example.com\"] \"Back on Monday.\";\n",
        )
        .await;
        let (node, ann) = (&seeded.node, &seeded.mailbox);
        let core = &node.core;
        let replies = || automatic_answers(core);
        deliver(core, "ann@example.com", "walker@far.example", MAIL).await;
        deliver(core, "ann@example.com", "walker@far.example", MAIL).await;
        assert_eq!(replies().await, 1, "{backend:?}");
        let queued = core.outbound_queue().await.unwrap();
        let text = String::from_utf8(core.outbound_body(queued[0].id).await.unwrap()).unwrap();
        for line in [
            "Subject: Away\r\n",
            "Auto-Submitted: auto-replied\r\n",
            "In-Reply-To: <m1@far.example>\r\n",
        ] {
            assert!(text.contains(line), "{line:?} in {text}");
        }
        assert!(text.ends_with("Back on Monday.\r\n"), "{text}");
        // Mail to one of its :addresses is answered; a list message and mail not to ann never.
        let to_team = MAIL.replace("To: ann@example.com", "To: team@example.com");
        deliver(core, "ann@example.com", "lee@near.example", &to_team).await;
        assert_eq!(replies().await, 2);
        let list = MAIL.replace("\r\n\r\n", "\r\nList-Id: <trips.far.example>\r\n\r\n");
        deliver(core, "ann@example.com", "kim@near.example", &list).await;
        let bcc = MAIL.replace("To: ann@example.com", "To: all@far.example");
        deliver(core, "ann@example.com", "max@near.example", &bcc).await;
        assert_eq!(replies().await, 2, "{backend:?}");
        // Every message was kept: vacation does not cancel the implicit keep.
        assert_eq!(folder_flags(node, ann, "INBOX").await.len(), 5);
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn scripts_are_checked_before_they_are_kept_and_stay_the_accounts() {
    for backend in BACKENDS {
        let seeded = Seeded::new(backend).await;
        let (node, ann) = (&seeded.node, &seeded.mailbox);
        let core = &node.core;
        let actor = Actor::operator();
        let access = node.access(ann.id);
        let owner = Manager::Owner(&access);
        let broken = "require \"fileinto\";\nfileinot \"x\";\n";
        let errors = core.check_sieve(broken).unwrap_err();
        assert_eq!((errors.0[0].line, errors.0[0].column), (2, 1), "{errors}");
        assert!(matches!(
            core.put_sieve_script(owner, "rules", broken, &actor).await,
            Err(CoreError::Invalid(text)) if text.contains("line 2, column 1")
        ));
        assert!(core.sieve_scripts(owner).await.unwrap().is_empty());
        assert!(matches!(
            core.put_sieve_script(owner, "bad\nname", "keep;", &actor)
                .await,
            Err(CoreError::Invalid(_))
        ));
        core.put_sieve_script(owner, "rules", "keep;", &actor)
            .await
            .unwrap();
        core.activate_sieve_script(owner, Some("rules"), &actor)
            .await
            .unwrap();
        assert!(matches!(
            core.delete_sieve_script(owner, "rules", &actor).await,
            Err(CoreError::Invalid(_))
        ));
        let big = "#".repeat(core.sieve_limits().max_script_bytes + 1);
        assert!(matches!(
            core.sieve_space(owner, "big", big.len() as u64).await,
            Err(CoreError::LimitReached(_))
        ));
        // Another account's admin cannot reach ann's scripts.
        let other = seed_account(core, "other@example.net").await;
        let stranger = Manager::Admin(operator().as_account(other), ann.id);
        assert_eq!(
            core.sieve_scripts(stranger).await.unwrap_err(),
            CoreError::NotFound,
            "{backend:?}"
        );
        assert_eq!(
            core.put_sieve_script(stranger, "x", "keep;", &actor)
                .await
                .unwrap_err(),
            CoreError::NotFound
        );
        let audit = core
            .audit_of(
                operator().as_account(seeded.account),
                Principal::Mailbox(ann.id),
                10,
            )
            .await
            .unwrap();
        assert!(
            audit
                .iter()
                .any(|r| r.event.kind == AuditKind::SieveChanged)
        );
    }
}
