//! The delivery pipeline's routing on both databases: who an address reaches (own address,
//! alias, sub-address, catch-all), which addresses a mailbox may send as, what the sender
//! lists do to a message, and who may change any of it.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use chrono::NaiveDate;
use std::sync::Arc;
use trekmail_core::CoreError;
use trekmail_core::audit::AuditKind;
use trekmail_core::clock::ManualClock;
use trekmail_core::domain::{EmailAddress, Mailbox};
use trekmail_core::ids::Principal;
use trekmail_core::mail::SpecialUse;
use trekmail_core::routing::{BlockedMail, FilterList, Subaddressing};
use trekmail_core::services::{Actor, AutoReplyRequest, Delivered, Incoming, Manager, Recipient};
use trekmail_testkit::*;

fn address(s: &str) -> EmailAddress {
    EmailAddress::parse(s).unwrap()
}

/// The mailbox `to` reaches, if any.
async fn reaches(core: &trekmail_core::Core, to: &str) -> Option<(Mailbox, Option<String>)> {
    match core.recipient(&address(to)).await.unwrap() {
        Recipient::Local(local) => Some((local.mailbox, local.tag)),
        _ => None,
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn an_address_reaches_its_mailbox_by_alias_sub_address_or_catch_all() {
    for backend in BACKENDS {
        let Seeded {
            node,
            account,
            mailbox: ann,
        } = Seeded::new(backend).await;
        let core = &node.core;
        let admin = Manager::Admin(operator().as_account(account), ann.id);
        let actor = Actor::operator();
        let bob = seed_mailbox(core, account, "bob@example.com").await;
        core.add_alias(admin, "Sales@Example.com", &actor)
            .await
            .unwrap();

        let id = |found: Option<(Mailbox, Option<String>)>| found.map(|(m, tag)| (m.id, tag));
        assert_eq!(
            id(reaches(core, "sales@example.com").await),
            Some((ann.id, None))
        );
        // Sub-addressing: to INBOX by default, by tag when asked, not at all when off; an
        // alias's sub-address too.
        assert_eq!(
            id(reaches(core, "ann+trips@example.com").await),
            Some((ann.id, None))
        );
        core.set_subaddressing(admin, Subaddressing::Folders, &actor)
            .await
            .unwrap();
        assert_eq!(
            id(reaches(core, "sales+eu@example.com").await),
            Some((ann.id, Some("eu".to_owned()))),
            "{backend:?}"
        );
        core.set_subaddressing(admin, Subaddressing::Off, &actor)
            .await
            .unwrap();
        assert_eq!(id(reaches(core, "ann+trips@example.com").await), None);
        assert_eq!(
            core.recipient(&address("ghost@example.com")).await.unwrap(),
            Recipient::Unknown
        );
        // The catch-all takes what names no one, sub-addresses a mailbox refuses included.
        let domain = core
            .domain(operator().as_account(account), "example.com")
            .await
            .unwrap();
        core.set_catch_all(
            operator().as_account(account),
            bob.id,
            domain.id,
            true,
            &actor,
        )
        .await
        .unwrap();
        assert_eq!(
            id(reaches(core, "ghost@example.com").await),
            Some((bob.id, None))
        );
        assert_eq!(
            id(reaches(core, "ann+trips@example.com").await),
            Some((bob.id, None))
        );
        assert_eq!(
            id(reaches(core, "ann@example.com").await),
            Some((ann.id, None))
        );
        // Only the catch-all's own mailbox takes it away.
        core.set_catch_all(
            operator().as_account(account),
            ann.id,
            domain.id,
            false,
            &actor,
        )
        .await
        .unwrap();
        assert_eq!(
            id(reaches(core, "ghost@example.com").await),
            Some((bob.id, None))
        );
        core.set_catch_all(
            operator().as_account(account),
            bob.id,
            domain.id,
            false,
            &actor,
        )
        .await
        .unwrap();
        assert_eq!(id(reaches(core, "ghost@example.com").await), None);

        // A mailbox sends as its addresses and their sub-addresses, not as another's.
        for (from, yes) in [
            ("ann@example.com", true),
            ("SALES@example.com", true),
            ("sales+eu@example.com", true),
            ("bob@example.com", false),
            ("not an address", false),
        ] {
            assert_eq!(core.sends_as(&ann, from).await.unwrap(), yes, "{from}");
        }
        // Deleting the mailbox frees its alias.
        core.delete_mailbox(operator().scope(), ann.id, &actor)
            .await
            .unwrap();
        assert_eq!(id(reaches(core, "sales@example.com").await), None);
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn an_alias_is_refused_with_a_reason_and_nothing_saved() {
    for backend in BACKENDS {
        let Seeded {
            node,
            account,
            mailbox: ann,
        } = Seeded::new(backend).await;
        let core = &node.core;
        let actor = Actor::operator();
        let other = seed_account(core, "owner@other.example").await;
        let carl = seed_mailbox(core, other, "carl@other.example").await;
        let admin = Manager::Admin(operator().as_account(account), ann.id);
        for (alias, why) in [
            ("x@other.example", "is not one of this account's domains"),
            ("x@nowhere.example", "is not one of this account's domains"),
            ("ann+x@example.com", "cannot hold +"),
            ("not an address", "exactly one @"),
        ] {
            match core.add_alias(admin, alias, &actor).await {
                Err(CoreError::Invalid(text)) => assert!(text.contains(why), "{alias}: {text}"),
                other => panic!("{alias}: {other:?}"),
            }
        }
        assert!(matches!(
            core.add_alias(admin, "ann@example.com", &actor).await,
            Err(CoreError::Invalid(text)) if text.contains("in use")
        ));
        // Another account's admin, or its owner, cannot reach ann's mailbox at all.
        let foreign = Manager::Admin(operator().as_account(other), ann.id);
        assert_eq!(
            core.add_alias(foreign, "y@other.example", &actor).await,
            Err(CoreError::NotFound)
        );
        let carl_access = node.access(carl.id);
        let carl_owner = Manager::Owner(&carl_access);
        let own = core
            .add_alias(carl_owner, "c2@other.example", &actor)
            .await
            .unwrap();
        assert_eq!(
            core.remove_alias(admin, own.id, &actor).await,
            Err(CoreError::NotFound)
        );
        assert!(core.aliases(admin).await.unwrap().is_empty(), "{backend:?}");
    }
}

const FROM_SHOP: &[u8] =
    b"From: Shop <ads@mail.shop.example>\r\nTo: ann@example.com\r\nSubject: sale\r\n\r\nbuy\r\n";

#[tokio::test(flavor = "multi_thread")]
async fn blocked_senders_are_refused_or_filed_into_junk_and_allowed_ones_win() {
    for backend in BACKENDS {
        let Seeded {
            node,
            account,
            mailbox: ann,
        } = Seeded::new(backend).await;
        let core = &node.core;
        let actor = Actor::operator();
        let scope = operator().as_account(account);
        let admin = Manager::Admin(scope, ann.id);
        let Recipient::Local(to) = core.recipient(&ann.address).await.unwrap() else {
            panic!("ann is local");
        };
        let access = node.access(ann.id);
        let owner = Manager::Owner(&access);
        // The owner blocks the shop's domain, matched on the header From: as much as on the
        // envelope.
        let blocked = core
            .add_sender_filter(owner, FilterList::Blocked, "@shop.example", &actor)
            .await
            .unwrap();
        let from_header = Incoming {
            envelope_from: "bounces@esp.example",
            body: FROM_SHOP,
            junk: false,
        };
        let from_envelope = Incoming {
            envelope_from: "ads@shop.example",
            body: b"From: someone@esp.example\r\n\r\nhi\r\n",
            junk: false,
        };
        for message in [from_header, from_envelope] {
            assert_eq!(
                core.deliver_to(&to, message).await.unwrap(),
                Delivered::Refused,
                "{backend:?}"
            );
        }
        // The admin files them into Junk instead.
        core.set_blocked_mail(scope, ann.id, BlockedMail::Junk, &actor)
            .await
            .unwrap();
        let Delivered::Stored(junked) = core.deliver_to(&to, from_header).await.unwrap() else {
            panic!("filed, not refused");
        };
        let junk = core
            .folders(&access)
            .await
            .unwrap()
            .into_iter()
            .find(|f| f.special_use == Some(SpecialUse::Junk))
            .unwrap();
        assert_eq!(junked.folder_id, junk.id);
        // An allowed address of the blocked domain comes in to INBOX.
        core.add_sender_filter(admin, FilterList::Allowed, "ads@mail.shop.example", &actor)
            .await
            .unwrap();
        let Delivered::Stored(kept) = core.deliver_to(&to, from_header).await.unwrap() else {
            panic!("allowed");
        };
        let inbox = core.folder(&access, "INBOX").await.unwrap();
        assert_eq!(kept.folder_id, inbox.id, "{backend:?}");
        // Bad entries say why; the same pattern is on one list only.
        for bad in ["shop.example", "@localhost", "two words@x.example"] {
            assert!(
                matches!(
                    core.add_sender_filter(admin, FilterList::Blocked, bad, &actor)
                        .await,
                    Err(CoreError::Invalid(_))
                ),
                "{bad}"
            );
        }
        assert!(matches!(
            core.add_sender_filter(admin, FilterList::Allowed, "@SHOP.example", &actor)
                .await,
            Err(CoreError::Invalid(_))
        ));
        core.remove_sender_filter(owner, blocked.id, &actor)
            .await
            .unwrap();
        assert_eq!(core.sender_filters(admin).await.unwrap().len(), 1);
        // Every change is in the mailbox's audit trail.
        let kinds: Vec<AuditKind> = core
            .audit_of(scope, Principal::Mailbox(ann.id), 20)
            .await
            .unwrap()
            .into_iter()
            .map(|r| r.event.kind)
            .collect();
        for kind in [
            AuditKind::SenderFilterAdded,
            AuditKind::SenderFilterRemoved,
            AuditKind::RoutingChanged,
        ] {
            assert!(kinds.contains(&kind), "{kind:?} in {kinds:?}");
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_sub_address_files_into_the_folder_its_tag_names() {
    for backend in BACKENDS {
        let Seeded {
            node,
            account,
            mailbox: ann,
        } = Seeded::new(backend).await;
        let core = &node.core;
        let access = node.access(ann.id);
        let admin = Manager::Admin(operator().as_account(account), ann.id);
        core.set_subaddressing(admin, Subaddressing::Folders, &Actor::operator())
            .await
            .unwrap();
        let trips = core.create_folder(&access, "Trips").await.unwrap();
        let inbox = core.folder(&access, "INBOX").await.unwrap();
        for (to, folder) in [
            ("ann+trips@example.com", trips.id),
            ("ann+Trips@example.com", trips.id),
            ("ann+nowhere@example.com", inbox.id),
            ("ann+@example.com", inbox.id),
        ] {
            let stored = core
                .deliver(&address(to), b"Subject: x\r\n\r\nx\r\n")
                .await
                .unwrap();
            let Delivered::Stored(stored) = stored else {
                panic!("{to} stored");
            };
            assert_eq!(stored.folder_id, folder, "{to} on {backend:?}");
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_forward_that_cannot_go_is_kept_and_audited() {
    for backend in BACKENDS {
        let seeded = Seeded::new(backend).await;
        let (node, ann, account) = (&seeded.node, &seeded.mailbox, seeded.account);
        let core = &node.core;
        let actor = Actor::operator();
        let scope = operator().as_account(account);
        let bob = seed_mailbox(core, account, "bob@example.com").await;
        core.add_forward(scope, ann.id, "bob@example.com", &actor)
            .await
            .unwrap();
        core.add_forward(scope, ann.id, "walker@far.example", &actor)
            .await
            .unwrap();
        core.set_keep_copy(scope, ann.id, false, &actor)
            .await
            .unwrap();
        // bob blocks the sender: ann keeps the message rather than lose it.
        core.add_sender_filter(
            Manager::Admin(scope, bob.id),
            FilterList::Blocked,
            "@shop.example",
            &actor,
        )
        .await
        .unwrap();
        let Recipient::Local(to) = core.recipient(&ann.address).await.unwrap() else {
            panic!("ann is local");
        };
        let message = Incoming {
            envelope_from: "ads@shop.example",
            body: b"From: ads@shop.example\r\nSubject: sale\r\n\r\nbuy\r\n",
            junk: false,
        };
        assert_eq!(
            core.deliver_to(&to, message).await.unwrap(),
            Delivered::Forwarded
        );
        let inbox = core.folder(&node.access(ann.id), "INBOX").await.unwrap();
        let kept = core.messages(&node.access(ann.id), &inbox).await.unwrap();
        assert_eq!(kept.len(), 1, "{backend:?}");
        assert!(seeded.kept_because("refused").await);
        // The external copy is queued from an SRS sender at ann's domain, marked as
        // delivered to ann, and a bounce to that sender finds the original one.
        let forward = queued_forward(core, "walker@far.example", "ann@example.com").await;
        assert_eq!(
            core.srs_return(&forward.sender).await.unwrap(),
            Some("ads@shop.example".to_owned())
        );
        let elsewhere = forward.sender.replace("@example.com", "@elsewhere.example");
        assert_eq!(core.srs_return(&elsewhere).await.unwrap(), None);
    }
}

/// A message from walker to ann, with extra header fields.
fn to_ann(extra: &str) -> Vec<u8> {
    format!(
        "From: Walker <walker@far.example>\r\nTo: ann@example.com\r\nSubject: Trip\r\n\
         Message-ID: <m1@far.example>\r\n{extra}\r\nAre you in?\r\n"
    )
    .into_bytes()
}

#[tokio::test(flavor = "multi_thread")]
async fn an_auto_reply_goes_once_per_interval_within_its_days_and_never_to_a_list() {
    for backend in BACKENDS {
        // 2026-12-03 23:30 UTC: already 2026-12-04 in Tokyo.
        let clock = Arc::new(ManualClock::at_unix(1_796_340_600));
        let Seeded {
            node,
            account,
            mailbox: ann,
        } = Seeded::on_clock(backend, clock.clone()).await;
        let core = &node.core;
        let actor = Actor::operator();
        let scope = operator().as_account(account);
        let access = node.access(ann.id);
        let owner = Manager::Owner(&access);
        let day = |d: u32| NaiveDate::from_ymd_opt(2026, 12, d);
        let mut request = AutoReplyRequest {
            enabled: true,
            subject: "",
            text: "Away until the 10th.",
            starts_on: day(4),
            ends_on: day(10),
            interval_days: 4,
        };
        let backwards = AutoReplyRequest {
            starts_on: day(10),
            ends_on: day(4),
            ..request
        };
        assert!(matches!(
            core.set_auto_reply(owner, &backwards, &actor).await,
            Err(CoreError::Invalid(text)) if text.contains("before the start")
        ));
        core.set_auto_reply(owner, &request, &actor).await.unwrap();
        let Recipient::Local(to) = core.recipient(&ann.address).await.unwrap() else {
            panic!("ann is local");
        };
        let send = |body: Vec<u8>| {
            let to = to.clone();
            async move {
                let message = Incoming {
                    envelope_from: "walker@far.example",
                    body: &body,
                    junk: false,
                };
                core.deliver_to(&to, message).await.unwrap();
            }
        };
        let replies = || automatic_answers(core);
        // Still the 3rd in UTC, the account's zone: no reply yet.
        send(to_ann("")).await;
        assert_eq!(replies().await, 0, "{backend:?}");
        core.set_time_zone(scope, account, "Asia/Tokyo", &actor)
            .await
            .unwrap();
        send(to_ann("")).await;
        assert_eq!(replies().await, 1, "{backend:?}");
        let queued = core.outbound_queue().await.unwrap();
        let reply = core.outbound_body(queued[0].id).await.unwrap();
        let text = String::from_utf8_lossy(&reply);
        assert_eq!(queued[0].recipient, "walker@far.example");
        for line in [
            "From: Test box <ann@example.com>",
            "Subject: Auto: Trip",
            "In-Reply-To: <m1@far.example>",
            "Auto-Submitted: auto-replied",
        ] {
            assert!(text.contains(line), "{line} in {text}");
        }
        // Not again within 4 days; lists and robots never.
        clock.advance(chrono::Duration::days(3));
        send(to_ann("")).await;
        send(to_ann("List-Id: <trips.far.example>\r\n")).await;
        send(to_ann("Precedence: bulk\r\n")).await;
        assert_eq!(replies().await, 1, "{backend:?}");
        clock.advance(chrono::Duration::days(2));
        send(to_ann("")).await;
        assert_eq!(replies().await, 2, "{backend:?}");
        // After the last day, none; a new text answers everyone again, once.
        clock.advance(chrono::Duration::days(3));
        send(to_ann("")).await;
        assert_eq!(replies().await, 2);
        request.ends_on = day(20);
        core.set_auto_reply(owner, &request, &actor).await.unwrap();
        send(to_ann("")).await;
        assert_eq!(replies().await, 3);
        assert!(
            core.set_time_zone(scope, account, "Mars/Olympus", &actor)
                .await
                .is_err()
        );
    }
}

/// Every rule is read for each message: a change made through one node applies to the next
/// message another node takes.
#[tokio::test(flavor = "multi_thread")]
async fn a_change_on_one_node_applies_to_the_next_message_on_another() {
    let url = fresh_database(Backend::Postgres).await;
    let a = TestNode::start(&url, NodeOptions::default()).await;
    let b = TestNode::start(&url, NodeOptions::default()).await;
    let account = seed_account(&a.core, "owner@example.com").await;
    let ann = seed_mailbox(&a.core, account, "ann@example.com").await;
    let admin = Manager::Admin(operator().as_account(account), ann.id);
    let actor = Actor::operator();
    let sales = address("sales@example.com");
    assert_eq!(b.core.recipient(&sales).await.unwrap(), Recipient::Unknown);
    a.core
        .add_alias(admin, "sales@example.com", &actor)
        .await
        .unwrap();
    assert!(matches!(
        b.core.recipient(&sales).await.unwrap(),
        Recipient::Local(l) if l.mailbox.id == ann.id
    ));
    a.core
        .add_sender_filter(admin, FilterList::Blocked, "@shop.example", &actor)
        .await
        .unwrap();
    let Recipient::Local(to) = b.core.recipient(&sales).await.unwrap() else {
        panic!("local");
    };
    let message = Incoming {
        envelope_from: "ads@shop.example",
        body: FROM_SHOP,
        junk: false,
    };
    assert_eq!(
        b.core.deliver_to(&to, message).await.unwrap(),
        Delivered::Refused
    );
}
