//! Webmail's search through the core, on both databases: pages newest first across folders
//! without gaps or repeats, header keys on the stored summaries (and on the header of a
//! message stored without one), days in the account's zone, and requests that stop at their
//! limits, say so and go on from where they stopped. Another mailbox's folder is not found.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use chrono::{DateTime, NaiveDate, Utc};
use trekmail_core::CoreError;
use trekmail_core::access::MailboxAccess;
use trekmail_core::mail::{Flags, Folder, INBOX};
use trekmail_core::services::{Actor, MailQuery, SearchCursor, SearchLimits, SearchResults};
use trekmail_core::{Core, mail::FolderId};
use trekmail_testkit::*;

fn mail(from: &str, subject: &str, body: &str) -> Vec<u8> {
    format!(
        "From: {from}\r\nTo: Ann <ann@example.com>\r\nSubject: {subject}\r\n\
         Content-Type: text/plain; charset=utf-8\r\n\r\n{body}\r\n"
    )
    .into_bytes()
}

fn at(seconds: i64) -> DateTime<Utc> {
    DateTime::from_timestamp(seconds, 0).unwrap()
}

/// (folder, uid) of each hit.
fn found(results: &SearchResults) -> Vec<(FolderId, u32)> {
    results
        .hits
        .iter()
        .map(|h| (h.folder.id, h.meta.uid))
        .collect()
}

/// Every page of a search, followed through `next` (at most 50 requests).
async fn all_pages(
    core: &Core,
    access: &MailboxAccess,
    query: &MailQuery,
    limits: SearchLimits,
) -> Vec<SearchResults> {
    let mut pages = Vec::new();
    let mut after: Option<SearchCursor> = None;
    for _ in 0..50 {
        let page = core
            .search_mail(access, query, after.as_ref(), limits)
            .await
            .unwrap();
        after = page.next;
        pages.push(page);
        if after.is_none() {
            return pages;
        }
    }
    panic!("the search did not end");
}

async fn append(core: &Core, access: &MailboxAccess, folder: &Folder, raw: &[u8], when: i64) {
    core.append(access, folder, raw, Flags::default(), at(when))
        .await
        .unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn pages_come_newest_first_across_folders_and_keys_narrow_them() {
    for backend in BACKENDS {
        let Seeded {
            node,
            account,
            mailbox,
        } = Seeded::new(backend).await;
        let core = &node.core;
        let ann = node.access(mailbox.id);
        let inbox = core.folder(&ann, INBOX).await.unwrap();
        let archive = core.folder(&ann, "Archive").await.unwrap();
        // 24 messages, two folders; every third second is shared by both folders.
        let mut expected = Vec::new();
        for n in 0..24i64 {
            let (folder, when) = match n % 3 {
                0 => (&inbox, 1_000 + n),
                1 => (&archive, 1_000 + n - 1),
                _ => (&archive, 1_000 + n),
            };
            let from = match n % 4 {
                0 => "=?utf-8?q?Bj=C3=B6rn?= <bjorn@example.net>",
                _ => "Carol <carol@example.org>",
            };
            append(
                core,
                &ann,
                folder,
                &mail(from, &format!("Note {n}"), "hi"),
                when,
            )
            .await;
            let uid = core.messages(&ann, folder).await.unwrap().len() as u32;
            expected.push((when, folder.id, uid));
        }
        expected.sort_unstable_by(|a, b| b.cmp(a));
        let expected: Vec<(FolderId, u32)> = expected.iter().map(|(_, f, u)| (*f, *u)).collect();
        let small = SearchLimits {
            page: 5,
            ..SearchLimits::default()
        };
        // Everything, five a page: the newest first, ties by folder then UID, each once.
        let pages = all_pages(core, &ann, &MailQuery::default(), small).await;
        assert_eq!(pages.len(), 5, "{backend:?}");
        let listed: Vec<_> = pages.iter().flat_map(found).collect();
        assert_eq!(listed, expected, "{backend:?}");
        assert!(pages.iter().all(|p| p.stopped_after.is_none()));
        assert!(pages[..4].iter().all(|p| p.hits.len() == 5));
        // Exactly a page's worth: no next page is promised.
        let exact = SearchLimits {
            page: 24,
            ..SearchLimits::default()
        };
        let one = core
            .search_mail(&ann, &MailQuery::default(), None, exact)
            .await
            .unwrap();
        assert_eq!((one.hits.len(), one.next), (24, None), "{backend:?}");
        // A sender's decoded name, in any case; then only in one folder.
        let bjorn = MailQuery {
            from: Some("BJÖRN".into()),
            ..MailQuery::default()
        };
        let hits: Vec<_> = all_pages(core, &ann, &bjorn, small)
            .await
            .iter()
            .flat_map(found)
            .collect();
        assert_eq!(hits.len(), 6, "{backend:?}: {hits:?}");
        let in_archive = MailQuery {
            folder: Some(archive.id),
            ..bjorn.clone()
        };
        let archived = core
            .search_mail(&ann, &in_archive, None, SearchLimits::default())
            .await
            .unwrap();
        assert!(
            archived.hits.iter().all(|h| h.folder.id == archive.id) && !archived.hits.is_empty(),
            "{backend:?}"
        );
        assert_eq!(
            archived.hits.len(),
            hits.iter().filter(|(f, _)| *f == archive.id).count()
        );
        // Subject and words, with the body key on top.
        let note = MailQuery {
            subject: Some("note 12".into()),
            words: Some("carol".into()),
            ..MailQuery::default()
        };
        let twelve = core
            .search_mail(&ann, &note, None, SearchLimits::default())
            .await
            .unwrap();
        assert_eq!(twelve.hits.len(), 0, "note 12 is Björn's: {backend:?}");
        let note = MailQuery {
            subject: Some("note 13".into()),
            words: Some("carol".into()),
            body: Some("HI".into()),
            ..MailQuery::default()
        };
        let thirteen = core
            .search_mail(&ann, &note, None, SearchLimits::default())
            .await
            .unwrap();
        assert_eq!(thirteen.hits.len(), 1, "{backend:?}");

        // Days are the account's: 23:30 UTC on 1 March is 2 March in Paris.
        core.set_time_zone(
            operator().as_account(account),
            account,
            "Europe/Paris",
            &Actor::operator(),
        )
        .await
        .unwrap();
        let late = DateTime::parse_from_rfc3339("2026-03-01T23:30:00Z").unwrap();
        append(
            core,
            &ann,
            &inbox,
            &mail("x@example.net", "late", "x"),
            late.timestamp(),
        )
        .await;
        let day = |y, m, d| NaiveDate::from_ymd_opt(y, m, d);
        let on_the_2nd = MailQuery {
            since: day(2026, 3, 2),
            before: day(2026, 3, 3),
            ..MailQuery::default()
        };
        let march = core
            .search_mail(&ann, &on_the_2nd, None, SearchLimits::default())
            .await
            .unwrap();
        assert_eq!(march.zone.name(), "Europe/Paris");
        assert_eq!(march.hits.len(), 1, "{backend:?}");
        assert_eq!(march.hits[0].meta.internal_date, late);
        let on_the_1st = MailQuery {
            since: day(2026, 3, 1),
            before: day(2026, 3, 2),
            ..MailQuery::default()
        };
        let first = core
            .search_mail(&ann, &on_the_1st, None, SearchLimits::default())
            .await
            .unwrap();
        assert!(first.hits.is_empty(), "{backend:?}");
        let old = MailQuery {
            before: day(2000, 1, 1),
            ..MailQuery::default()
        };
        let before_2000 = all_pages(core, &ann, &old, small).await;
        let count: usize = before_2000.iter().map(|p| p.hits.len()).sum();
        assert_eq!(count, 24, "{backend:?}");

        // Another mailbox's folder is not found, and no search reaches its mail.
        let bob = node.access(seed_mailbox(core, account, "bob@example.com").await.id);
        let theirs = MailQuery {
            folder: Some(inbox.id),
            ..MailQuery::default()
        };
        let refused = core
            .search_mail(&bob, &theirs, None, SearchLimits::default())
            .await;
        assert_eq!(refused.err(), Some(CoreError::NotFound), "{backend:?}");
        let bobs = core
            .search_mail(&bob, &MailQuery::default(), None, SearchLimits::default())
            .await
            .unwrap();
        assert!(bobs.hits.is_empty(), "{backend:?}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_request_stops_at_its_limits_and_the_next_goes_on_from_there() {
    for backend in BACKENDS {
        let Seeded { node, mailbox, .. } = Seeded::new(backend).await;
        let core = &node.core;
        let ann = node.access(mailbox.id);
        let inbox = core.folder(&ann, INBOX).await.unwrap();
        // The only message with the word is the oldest of twenty.
        append(
            core,
            &ann,
            &inbox,
            &mail("a@example.net", "s", "the needle"),
            100,
        )
        .await;
        for n in 1..20 {
            append(
                core,
                &ann,
                &inbox,
                &mail("a@example.net", "s", "hay"),
                100 + n,
            )
            .await;
        }
        let needle = MailQuery {
            body: Some("needle".into()),
            ..MailQuery::default()
        };
        let four_reads = SearchLimits {
            reads: 4,
            ..SearchLimits::default()
        };
        let pages = all_pages(core, &ann, &needle, four_reads).await;
        assert_eq!(pages.len(), 5, "{backend:?}");
        for page in &pages[..4] {
            assert_eq!(page.stopped_after, Some(4), "{backend:?}");
            assert!(page.hits.is_empty() && page.next.is_some());
        }
        let last = pages.last().unwrap();
        assert_eq!(
            (last.stopped_after, found(last)),
            (None, vec![(inbox.id, 1)])
        );
        // Header keys read no bodies, but what they look at is bounded too.
        let nothing = MailQuery {
            from: Some("nobody".into()),
            ..MailQuery::default()
        };
        let six = SearchLimits {
            scanned: 6,
            ..SearchLimits::default()
        };
        let pages = all_pages(core, &ann, &nothing, six).await;
        assert_eq!(pages.len(), 4, "{backend:?}");
        assert_eq!(pages[0].stopped_after, Some(6));
        assert_eq!(pages[3].stopped_after, None);
        assert!(pages.iter().all(|p| p.hits.is_empty()));
        // A message stored without a header summary is still found, by its header.
        let pool = sqlx::AnyPool::connect(&node.url).await.unwrap();
        sqlx::query("DELETE FROM header_summaries WHERE folder_id = $1 AND uid = $2")
            .bind(inbox.id.0)
            .bind(3i64)
            .execute(&pool)
            .await
            .unwrap();
        pool.close().await;
        let a = MailQuery {
            from: Some("A@EXAMPLE.NET".into()),
            subject: Some("s".into()),
            ..MailQuery::default()
        };
        let every = core
            .search_mail(&ann, &a, None, SearchLimits::default())
            .await
            .unwrap();
        assert_eq!(every.hits.len(), 20, "{backend:?}");
        assert!(every.hits.iter().any(|h| h.meta.uid == 3), "{backend:?}");
    }
}
