//! Routing on both databases: one table of hosted addresses (no address names two mailboxes,
//! whichever account asks), the alias count, catch-alls, settings and sender lists, and what
//! deleting a mailbox takes with it.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: failing loudly is the point

mod common;

use common::*;
use trekmail_core::audit::AuditKind;
use trekmail_core::domain::{Plan, PlanLimits};
use trekmail_core::ids::{AliasId, MailboxId};
use trekmail_core::routing::{
    AutoReply, BlockedMail, FilterList, MailboxRouting, SenderPattern, Subaddressing,
};
use trekmail_core::store::{
    AccountStore, MailboxRules, MailboxStore, NewAlias, NewSenderFilter, RoutingStore, StoreError,
};

fn new_alias(m: &trekmail_core::domain::Mailbox, address: &str) -> NewAlias {
    NewAlias {
        account_id: m.account_id,
        domain_id: m.domain_id,
        mailbox_id: m.id,
        address: email(address),
        created_at: t(3_000),
    }
}

fn entry(m: MailboxId, list: FilterList, pattern: &str) -> NewSenderFilter {
    NewSenderFilter {
        mailbox_id: m,
        list,
        pattern: SenderPattern::parse(pattern).unwrap(),
        created_at: t(3_000),
    }
}

#[tokio::test]
async fn an_address_names_one_mailbox_whichever_account_asks() {
    for db in both().await {
        let s = &db.store;
        let (_, d, alice) = mailbox_fixture(s).await;
        let audit = ev(AuditKind::AliasAdded, 3_000);
        let sales = format!("sales@{}", d.name);
        let alias = s
            .add_alias(&new_alias(&alice, &sales), &limits(Plan::Pro), &audit)
            .await
            .unwrap();
        assert_eq!(s.aliases_of(alice.id).await.unwrap(), vec![alias.clone()]);
        // Mail to the alias and to the own address reaches alice; sign-in knows only the latter.
        for address in [sales.as_str(), alice.address.as_str()] {
            let found = s.mailbox_for_address(&email(address)).await.unwrap();
            assert_eq!(found.map(|m| m.id), Some(alice.id), "{}", db.label);
        }
        assert_eq!(s.mailbox_by_address(&email(&sales)).await.unwrap(), None);

        // The address is taken: by another alias, by a new mailbox, by the mailbox's own address.
        let bob = s
            .create_mailbox(
                &new_mailbox(alice.account_id, d.id, &format!("bob@{}", d.name), MB),
                &limits(Plan::Pro),
                &ev(AuditKind::MailboxCreated, 3_001),
            )
            .await
            .unwrap();
        for taken in [sales.as_str(), alice.address.as_str()] {
            let again = s
                .add_alias(&new_alias(&bob, taken), &limits(Plan::Pro), &audit)
                .await;
            assert!(matches!(again, Err(StoreError::Conflict(_))), "{again:?}");
        }
        let clash = s
            .create_mailbox(
                &new_mailbox(alice.account_id, d.id, &sales, MB),
                &limits(Plan::Pro),
                &ev(AuditKind::MailboxCreated, 3_002),
            )
            .await;
        assert!(matches!(clash, Err(StoreError::Conflict(_))), "{clash:?}");
        assert_eq!(s.mailboxes_of(alice.account_id).await.unwrap().len(), 2);

        // Another account's domain or mailbox is not found, not used.
        let (_, other_domain, carl) = mailbox_fixture(s).await;
        let mut foreign = new_alias(&alice, &format!("x@{}", other_domain.name));
        foreign.domain_id = other_domain.id;
        let refused = s.add_alias(&foreign, &limits(Plan::Pro), &audit).await;
        assert_eq!(refused, Err(StoreError::NotFound));
        let mut foreign = new_alias(&alice, &format!("y@{}", d.name));
        foreign.mailbox_id = carl.id;
        let refused = s.add_alias(&foreign, &limits(Plan::Pro), &audit).await;
        assert_eq!(refused, Err(StoreError::NotFound));

        // Removing is the mailbox's own alias only.
        let removal = ev(AuditKind::AliasRemoved, 3_003);
        assert_eq!(
            s.remove_alias(bob.id, alias.id, &removal).await,
            Err(StoreError::NotFound)
        );
        assert_eq!(
            s.remove_alias(alice.id, AliasId(alias.id.0 + 1000), &removal)
                .await,
            Err(StoreError::NotFound)
        );
        assert_eq!(
            s.remove_alias(alice.id, alias.id, &removal).await,
            Ok(alias)
        );
        assert_eq!(s.mailbox_for_address(&email(&sales)).await.unwrap(), None);
    }
}

#[tokio::test]
async fn concurrent_aliases_cannot_pass_the_plan_s_count() {
    for db in both().await {
        let s = &db.store;
        let (_, d, alice) = mailbox_fixture(s).await;
        let plan = PlanLimits {
            max_aliases: 3,
            ..limits(Plan::Pro)
        };
        let tasks: Vec<_> = (0..10)
            .map(|i| {
                let s = s.clone();
                let new = new_alias(&alice, &format!("a{i}@{}", d.name));
                tokio::spawn(async move {
                    s.add_alias(&new, &plan, &ev(AuditKind::AliasAdded, 3_000))
                        .await
                })
            })
            .collect();
        let mut added = 0;
        for task in tasks {
            match task.await.unwrap() {
                Ok(_) => added += 1,
                Err(StoreError::LimitReached(_)) => {}
                Err(e) => panic!("{}: {e}", db.label),
            }
        }
        assert_eq!(added, 3, "{}", db.label);
        assert_eq!(s.aliases_of(alice.id).await.unwrap().len(), 3);
    }
}

#[tokio::test]
async fn a_catch_all_is_one_mailbox_of_the_domain_s_account() {
    for db in both().await {
        let s = &db.store;
        let (_, d, alice) = mailbox_fixture(s).await;
        let (_, _, carl) = mailbox_fixture(s).await;
        let audit = ev(AuditKind::RoutingChanged, 3_000);
        assert_eq!(s.catch_all_of(&d.name).await.unwrap(), None);
        assert_eq!(
            s.set_catch_all(d.id, Some(carl.id), &audit).await,
            Err(StoreError::NotFound),
            "{}",
            db.label
        );
        s.set_catch_all(d.id, Some(alice.id), &audit).await.unwrap();
        let found = s.catch_all_of(&d.name).await.unwrap();
        assert_eq!(found.map(|m| m.id), Some(alice.id));
        let domain = s.domain_by_name(&d.name).await.unwrap().unwrap();
        assert_eq!(domain.catch_all, Some(alice.id));
        s.set_catch_all(d.id, None, &audit).await.unwrap();
        assert_eq!(s.catch_all_of(&d.name).await.unwrap(), None);
    }
}

#[tokio::test]
async fn settings_are_written_one_at_a_time_over_the_defaults() {
    for db in both().await {
        let s = &db.store;
        let (_, _, alice) = mailbox_fixture(s).await;
        let audit = ev(AuditKind::RoutingChanged, 3_000);
        assert_eq!(
            s.routing(alice.id).await.unwrap(),
            MailboxRouting::default()
        );
        s.set_blocked_mail(alice.id, BlockedMail::Junk, &audit)
            .await
            .unwrap();
        s.set_subaddressing(alice.id, Subaddressing::Folders, &audit)
            .await
            .unwrap();
        s.set_keep_copy(alice.id, false, &audit).await.unwrap();
        assert_eq!(
            s.routing(alice.id).await.unwrap(),
            MailboxRouting {
                subaddressing: Subaddressing::Folders,
                blocked: BlockedMail::Junk,
                keep_copy: false,
            },
            "{}",
            db.label
        );
        let missing = s
            .set_subaddressing(MailboxId(alice.id.0 + 1000), Subaddressing::Off, &audit)
            .await;
        assert_eq!(missing, Err(StoreError::NotFound), "{}", db.label);
    }
}

#[tokio::test]
async fn sender_lists_answer_by_pattern_and_hold_each_pattern_once() {
    for db in both().await {
        let s = &db.store;
        let (_, _, alice) = mailbox_fixture(s).await;
        let (_, _, carl) = mailbox_fixture(s).await;
        let audit = ev(AuditKind::SenderFilterAdded, 3_000);
        let blocked = s
            .add_sender_filter(
                &entry(alice.id, FilterList::Blocked, "@shop.example"),
                10,
                &audit,
            )
            .await
            .unwrap();
        let allowed = s
            .add_sender_filter(
                &entry(alice.id, FilterList::Allowed, "boss@shop.example"),
                10,
                &audit,
            )
            .await
            .unwrap();
        let again = s
            .add_sender_filter(
                &entry(alice.id, FilterList::Allowed, "@shop.example"),
                10,
                &audit,
            )
            .await;
        assert!(matches!(again, Err(StoreError::Conflict(_))), "{again:?}");
        let full = s
            .add_sender_filter(
                &entry(alice.id, FilterList::Blocked, "@more.example"),
                2,
                &audit,
            )
            .await;
        assert!(matches!(full, Err(StoreError::LimitReached(_))), "{full:?}");
        assert_eq!(
            s.sender_filters(alice.id).await.unwrap(),
            vec![blocked.clone(), allowed.clone()]
        );

        let lists = |sender: &str| SenderPattern::matching(sender);
        let mut found = s
            .filter_lists_matching(alice.id, &lists("boss@shop.example"))
            .await
            .unwrap();
        found.sort_by_key(|l| l.as_str());
        assert_eq!(found, vec![FilterList::Allowed, FilterList::Blocked]);
        let found = s
            .filter_lists_matching(alice.id, &lists("ads@mail.shop.example"))
            .await
            .unwrap();
        assert_eq!(found, vec![FilterList::Blocked], "{}", db.label);
        // More patterns than one look-up holds, and another mailbox's lists, match nothing more.
        let many: Vec<String> = (0..20)
            .map(|i| format!("x{i}@elsewhere.example"))
            .chain(["@shop.example".to_owned()])
            .collect();
        let found = s.filter_lists_matching(alice.id, &many).await.unwrap();
        assert_eq!(found, vec![FilterList::Blocked]);
        assert!(
            s.filter_lists_matching(carl.id, &many)
                .await
                .unwrap()
                .is_empty()
        );

        let removal = ev(AuditKind::SenderFilterRemoved, 3_001);
        assert_eq!(
            s.remove_sender_filter(carl.id, blocked.id, &removal).await,
            Err(StoreError::NotFound)
        );
        assert_eq!(
            s.remove_sender_filter(alice.id, blocked.id, &removal).await,
            Ok(blocked)
        );
        assert_eq!(s.sender_filters(alice.id).await.unwrap(), vec![allowed]);
    }
}

#[tokio::test]
async fn forwards_are_the_mailbox_s_own_each_destination_once() {
    for db in both().await {
        let s = &db.store;
        let (_, _, alice) = mailbox_fixture(s).await;
        let (_, _, carl) = mailbox_fixture(s).await;
        let audit = ev(AuditKind::RoutingChanged, 3_000);
        let far = email("walker@far.example");
        let added = s
            .add_forward(alice.id, &far, t(3_000), 2, &audit)
            .await
            .unwrap();
        let again = s.add_forward(alice.id, &far, t(3_000), 2, &audit).await;
        assert!(matches!(again, Err(StoreError::Conflict(_))), "{again:?}");
        s.add_forward(alice.id, &email("b@far.example"), t(3_000), 2, &audit)
            .await
            .unwrap();
        let full = s
            .add_forward(alice.id, &email("c@far.example"), t(3_000), 2, &audit)
            .await;
        assert!(matches!(full, Err(StoreError::LimitReached(_))), "{full:?}");
        let listed = s.forwards_of(alice.id).await.unwrap();
        assert_eq!(listed.len(), 2, "{}", db.label);
        assert_eq!(listed[1], added);
        assert_eq!(
            s.remove_forward(carl.id, added.id, &audit).await,
            Err(StoreError::NotFound)
        );
        assert_eq!(
            s.remove_forward(alice.id, added.id, &audit).await,
            Ok(added)
        );
        s.delete_mailbox(alice.id, &ev(AuditKind::MailboxDeleted, 3_001))
            .await
            .unwrap();
        assert!(s.forwards_of(alice.id).await.unwrap().is_empty());
    }
}

#[tokio::test]
async fn deleting_a_mailbox_frees_its_addresses_and_its_catch_all() {
    for db in both().await {
        let s = &db.store;
        let (_, d, alice) = mailbox_fixture(s).await;
        let sales = format!("sales@{}", d.name);
        s.add_alias(
            &new_alias(&alice, &sales),
            &limits(Plan::Pro),
            &ev(AuditKind::AliasAdded, 3_000),
        )
        .await
        .unwrap();
        let audit = ev(AuditKind::RoutingChanged, 3_000);
        s.set_catch_all(d.id, Some(alice.id), &audit).await.unwrap();
        s.set_blocked_mail(alice.id, BlockedMail::Junk, &audit)
            .await
            .unwrap();
        s.add_sender_filter(
            &entry(alice.id, FilterList::Blocked, "@x.example"),
            10,
            &audit,
        )
        .await
        .unwrap();
        s.delete_mailbox(alice.id, &ev(AuditKind::MailboxDeleted, 3_001))
            .await
            .unwrap();
        assert_eq!(s.catch_all_of(&d.name).await.unwrap(), None);
        assert_eq!(s.mailbox_for_address(&email(&sales)).await.unwrap(), None);
        // Both addresses can be had again.
        for address in [sales.as_str(), alice.address.as_str()] {
            s.create_mailbox(
                &new_mailbox(alice.account_id, d.id, address, MB),
                &limits(Plan::Pro),
                &ev(AuditKind::MailboxCreated, 3_002),
            )
            .await
            .unwrap();
        }
    }
}

#[tokio::test]
async fn a_mailbox_s_rules_for_a_message_come_in_one_read() {
    for db in both().await {
        let s = &db.store;
        let (_, _, alice) = mailbox_fixture(s).await;
        let audit = ev(AuditKind::RoutingChanged, 3_000);
        let senders = SenderPattern::matching("ads@mail.shop.example");
        let none = s.rules_for(alice.id, &senders).await.unwrap();
        assert_eq!(
            none,
            MailboxRules {
                lists: Vec::new(),
                routing: MailboxRouting::default(),
                auto_reply: None,
                forwards: Vec::new(),
                sieve: None,
            },
            "{}",
            db.label
        );
        s.add_sender_filter(
            &entry(alice.id, FilterList::Blocked, "@shop.example"),
            10,
            &audit,
        )
        .await
        .unwrap();
        let far = email("walker@far.example");
        s.add_forward(alice.id, &far, t(3_000), 5, &audit)
            .await
            .unwrap();
        s.set_keep_copy(alice.id, false, &audit).await.unwrap();
        let reply = AutoReply {
            enabled: true,
            subject: "Away".into(),
            text: "Back soon.".into(),
            starts_on: chrono::NaiveDate::from_ymd_opt(2026, 12, 1),
            ends_on: None,
            interval_days: 4,
            updated_at: t(3_000),
        };
        s.set_auto_reply(alice.id, &reply, &audit).await.unwrap();
        let rules = s.rules_for(alice.id, &senders).await.unwrap();
        assert_eq!(rules.lists, vec![FilterList::Blocked], "{}", db.label);
        assert_eq!(rules.forwards, vec![far]);
        assert!(!rules.routing.keep_copy);
        assert_eq!(rules.auto_reply, Some(reply.clone()));
        assert_eq!(s.auto_reply(alice.id).await.unwrap(), Some(reply.clone()));
        // Senders past the statement's slots are still looked up.
        let many: Vec<String> = (0..12)
            .map(|i| format!("x{i}@else.example"))
            .chain(["@shop.example".to_owned()])
            .collect();
        let rules = s.rules_for(alice.id, &many).await.unwrap();
        assert_eq!(rules.lists, vec![FilterList::Blocked]);
        // The reply memory: once per interval, in one statement.
        let sender = "walker@far.example";
        assert!(
            s.claim_auto_reply(alice.id, "", sender, t(4_000), t(3_000))
                .await
                .unwrap()
        );
        assert!(
            !s.claim_auto_reply(alice.id, "", sender, t(4_500), t(3_500))
                .await
                .unwrap()
        );
        assert!(
            s.claim_auto_reply(alice.id, "", sender, t(9_000), t(4_100))
                .await
                .unwrap()
        );
        // A Sieve vacation's answers are remembered apart from the tab's.
        assert!(
            s.claim_auto_reply(alice.id, "sieve:away", sender, t(9_100), t(5_000))
                .await
                .unwrap()
        );
        s.set_auto_reply(alice.id, &reply, &audit).await.unwrap();
        assert!(
            !s.claim_auto_reply(alice.id, "sieve:away", sender, t(9_200), t(5_000))
                .await
                .unwrap(),
            "saving the tab forgets only the tab's answers"
        );
    }
}
