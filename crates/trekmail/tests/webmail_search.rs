//! Webmail search as the owner uses it: the real `trekmail serve`, signed in with curl, over
//! messages in two folders (base64 and quoted-printable bodies, encoded words, an attachment,
//! an inline picture, 250 newsletters) put there by a core on the node's database; on SQLite
//! and on PostgreSQL. Each key alone, one folder or all, pages of 50 followed to the end, a
//! search that stops at its limit and goes on, bad input shown on the page, and another
//! account's folder not found.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use chrono::{DateTime, Duration, Utc};
use common::side_core::{SideCore, core_on};
use common::web::*;
use common::*;
use std::path::Path;
use std::sync::Arc;
use trekmail_core::access::MailboxAccess;
use trekmail_core::cluster::NoLink;
use trekmail_core::mail::{Flags, Folder, INBOX, IncomingMessage};
use trekmail_testkit::{Backend, fresh_database};

const ANN: &str = "ann@example.com";
const NEWSLETTERS: usize = 250;

fn at(rfc3339: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(rfc3339).unwrap().to_utc()
}

fn trip_plans() -> String {
    let body = data_encoding::BASE64.encode("Meet me at the Lighthouse at noon.".as_bytes());
    format!(
        "From: =?utf-8?q?Bj=C3=B6rn?= <bjorn@example.net>\r\nTo: Ann <ann@example.com>\r\n\
         Subject: Trip plans\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\
         Content-Transfer-Encoding: base64\r\n\r\n{body}\r\n"
    )
}

const QUARTERLY: &str = "From: Carol <carol@example.org>\r\nTo: Dave <dave@example.org>\r\n\
    Cc: ann@example.com\r\nSubject: Quarterly report\r\nMIME-Version: 1.0\r\n\
    Content-Type: multipart/mixed; boundary=\"b1\"\r\n\r\n--b1\r\n\
    Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n\
    Gr=C3=BC=C3=9Fe aus Z=C3=BCrich, the report is at=\r\ntached.\r\n--b1\r\n\
    Content-Type: application/pdf\r\nContent-Disposition: attachment; filename=\"report.pdf\"\r\n\
    Content-Transfer-Encoding: base64\r\n\r\nJVBERi0xLjQK\r\n--b1--\r\n";

const PICTURE: &str = "From: Erin <erin@example.com>\r\nTo: ann@example.com\r\n\
    Subject: Picture inline\r\nMIME-Version: 1.0\r\n\
    Content-Type: multipart/related; boundary=\"b2\"\r\n\r\n--b2\r\n\
    Content-Type: text/html; charset=utf-8\r\n\r\n<p>See <img src=\"cid:p1\"></p>\r\n--b2\r\n\
    Content-Type: image/png\r\nContent-ID: <p1>\r\nContent-Transfer-Encoding: base64\r\n\r\n\
    iVBORw0KGgo=\r\n--b2--\r\n";

const OLD_TRIP: &str = "From: =?utf-8?q?Bj=C3=B6rn?= <bjorn@example.net>\r\n\
    To: ann@example.com\r\nSubject: Old trip\r\n\r\nSnow everywhere.\r\n";

fn newsletter(n: usize) -> String {
    format!(
        "From: News <news@example.com>\r\nTo: ann@example.com\r\nSubject: Newsletter {n:03}\r\n\
         \r\nIssue {n} of many.\r\n"
    )
}

/// The folder ids the checks use: ann's INBOX and Archive, carl's INBOX.
struct Ids {
    inbox: i64,
    archive: i64,
    carls: i64,
}

async fn folder_of(core: &SideCore, address: &str, name: &str) -> (Folder, MailboxAccess) {
    let mailbox = core
        .mailbox_by_address(core.operator.scope(), address)
        .await
        .unwrap();
    let access = core.operator.mailbox(mailbox.id);
    (core.folder(&access, name).await.unwrap(), access)
}

async fn put(core: &SideCore, access: &MailboxAccess, folder: &Folder, raw: &str, when: &str) {
    core.append(access, folder, raw.as_bytes(), Flags::default(), at(when))
        .await
        .unwrap();
}

/// Ann's mail (and one message of carl's), put in by a core on the node's database.
async fn fill(database: &str, data: &Path) -> Ids {
    let core = core_on(database, data, Arc::new(NoLink)).await;
    let (inbox, ann) = folder_of(&core, ANN, INBOX).await;
    let (archive, _) = folder_of(&core, ANN, "Archive").await;
    put(&core, &ann, &inbox, &trip_plans(), "2026-03-01T10:00:00Z").await;
    put(&core, &ann, &inbox, QUARTERLY, "2026-03-10T09:00:00Z").await;
    put(&core, &ann, &inbox, PICTURE, "2026-03-05T12:00:00Z").await;
    put(&core, &ann, &archive, OLD_TRIP, "2025-12-24T08:00:00Z").await;
    let bodies: Vec<String> = (0..NEWSLETTERS).map(newsletter).collect();
    let first = at("2024-01-01T00:00:00Z");
    let letters: Vec<IncomingMessage<'_>> = bodies
        .iter()
        .zip(0i64..)
        .map(|(body, n)| IncomingMessage {
            body: body.as_bytes(),
            flags: Flags::default(),
            internal_date: first + Duration::hours(n),
        })
        .collect();
    core.append_all(&ann, &archive, &letters).await.unwrap();
    let (carls_inbox, carl) = folder_of(&core, "carl@other.example", INBOX).await;
    let carls = "From: bjorn@example.net\r\nSubject: Trip plans for carl\r\n\r\nlighthouse\r\n";
    put(&core, &carl, &carls_inbox, carls, "2026-03-02T10:00:00Z").await;
    Ids {
        inbox: inbox.id.0,
        archive: archive.id.0,
        carls: carls_inbox.id.0,
    }
}

/// The subjects of a results page's rows, in order.
fn subjects(page: &str) -> Vec<String> {
    page.split("&amp;uid=")
        .skip(1)
        .filter_map(|rest| {
            let text = rest.split_once('>')?.1.split("</a>").next()?;
            Some(text.replace("<span class=\"sr-only\">Unread: </span>", ""))
        })
        .collect()
}

/// The results page's "Next page" or "Continue searching" link, unescaped.
fn next_link(page: &str) -> Option<String> {
    let end = page.find("\" rel=\"next\"")?;
    let start = page[..end].rfind("href=\"")? + "href=\"".len();
    Some(page[start..end].replace("&#38;", "&").replace("&amp;", "&"))
}

fn searches_by_each_key(database: &str, ids: &Ids, base: &str) {
    let session = webmail_sign_in(base, ANN, ANN_PASSWORD);
    let get = |path: &str| {
        let page = curl(&["-b", &session, &format!("{base}{path}")]);
        assert!(page.starts_with("HTTP/1.1 200"), "{path}: {page}");
        page
    };
    let found = |query: &str| subjects(&get(&format!("/search?{query}")));
    // The form alone, and from the list page the quick search and the link to it.
    let form = get("/search");
    assert!(
        form.contains("<h1>Search</h1>") && form.contains("All folders"),
        "{form}"
    );
    assert!(!form.contains("No messages match"), "{form}");
    let list = get(&format!("/?folder={}", ids.inbox));
    assert!(list.contains("action=\"/search\""), "{list}");
    assert!(
        list.contains(&format!(
            "href=\"/search?folder={}\">Advanced search",
            ids.inbox
        )),
        "{list}"
    );
    // From, decoded and in any case; in all folders, then in one; never carl's.
    assert_eq!(
        found("from=BJ%C3%96RN"),
        ["Trip plans", "Old trip"],
        "{database}"
    );
    assert_eq!(
        found(&format!("from=bj%C3%B6rn&folder={}", ids.inbox)),
        ["Trip plans"]
    );
    assert_eq!(
        found(&format!("from=bj%C3%B6rn&folder={}", ids.archive)),
        ["Old trip"]
    );
    // To is the To: field (ann is only in Cc of the report); subject; quick-search words.
    assert_eq!(found("to=dave"), ["Quarterly report"]);
    assert_eq!(found("subject=QUARTERLY"), ["Quarterly report"]);
    assert_eq!(found("q=carol"), ["Quarterly report"]);
    assert_eq!(found("q=picture&folder="), ["Picture inline"]);
    // Body text inside base64, with the header keys first.
    assert_eq!(found("body=lighthouse&subject=trip"), ["Trip plans"]);
    // Days of arrival: since is inclusive, before is not.
    assert_eq!(
        found("since=2026-03-05"),
        ["Quarterly report", "Picture inline"]
    );
    assert_eq!(found("since=2026-01-01&before=2026-03-05"), ["Trip plans"]);
    assert_eq!(found("before=2026-01-01&from=bj%C3%B6rn"), ["Old trip"]);
    // A marked attachment counts, an unnamed inline picture does not.
    assert_eq!(
        found(&format!("attachment=1&folder={}", ids.inbox)),
        ["Quarterly report"]
    );
    // Nothing found is said so.
    let none = get("/search?subject=no+such+thing");
    assert!(none.contains("No messages match."), "{none}");

    // 250 matches: pages of 50, newest first, followed to the end, each once.
    let mut page = get("/search?subject=newsletter");
    let mut listed = Vec::new();
    let mut pages = 1;
    loop {
        let rows = subjects(&page);
        assert!(rows.len() <= 50, "{page}");
        listed.extend(rows);
        let Some(next) = next_link(&page) else { break };
        assert!(page.contains(">Next page</a>"), "{page}");
        assert!(next.contains("subject=newsletter"), "{next}");
        page = get(&next);
        pages += 1;
        assert!(pages <= 6, "too many pages");
    }
    assert_eq!(pages, NEWSLETTERS / 50, "{database}");
    let expected: Vec<String> = (0..NEWSLETTERS)
        .rev()
        .map(|n| format!("Newsletter {n:03}"))
        .collect();
    assert_eq!(listed, expected, "{database}");

    // A body search reads at most 200 bodies a request: it says it stopped, shows what it
    // found so far, and goes on from there.
    let stopped = get("/search?body=z%C3%BCrich");
    assert_eq!(subjects(&stopped), ["Quarterly report"], "{stopped}");
    assert!(
        stopped.contains("The search stopped after scanning 200 messages."),
        "{stopped}"
    );
    assert!(stopped.contains(">Continue searching</a>"), "{stopped}");
    let rest = get(&next_link(&stopped).unwrap());
    assert!(subjects(&rest).is_empty(), "{rest}");
    assert!(rest.contains("No more messages match."), "{rest}");
    assert!(!rest.contains("data-stopped"), "{rest}");
    assert!(next_link(&rest).is_none(), "{rest}");

    // Bad input: the page again with its message and what was typed, 200.
    let bad_day = get("/search?from=bob&since=2026-13-45");
    assert!(bad_day.contains("“Since” is not a date"), "{bad_day}");
    assert!(bad_day.contains("value=\"2026-13-45\"") && bad_day.contains("value=\"bob\""));
    assert!(subjects(&bad_day).is_empty());
    let backwards = get("/search?since=2026-03-10&before=2026-03-01");
    assert!(
        backwards.contains("The “since” day must come before the “before” day."),
        "{backwards}"
    );
    let bad_folder = get("/search?from=bob&folder=inbox");
    assert!(
        bad_folder.contains("Choose a folder from the list."),
        "{bad_folder}"
    );
    let bad_link = get("/search?from=bob&after=garbage");
    assert!(bad_link.contains("This page link is broken"), "{bad_link}");
    let long = get(&format!("/search?subject={}", "x".repeat(201)));
    assert!(
        long.contains("A search term is at most 200 characters."),
        "{long}"
    );
    // Another account's folder is not found; signed out, the page leads to sign-in.
    let theirs = curl(&[
        "-b",
        &session,
        &format!("{base}/search?from=bjorn&folder={}", ids.carls),
    ]);
    assert!(theirs.starts_with("HTTP/1.1 404"), "{theirs}");
    let away = curl(&[&format!("{base}/search?from=bjorn")]);
    assert!(away.contains("location: /signin"), "{away}");
}

async fn search_on(database: String) {
    let (dir, config) = two_tenants(&database).await;
    let data = dir.join("data");
    let side = match database.is_empty() {
        true => format!("sqlite://{}?mode=rwc", data.join("trekmail.db").display()),
        false => database.clone(),
    };
    let ids = fill(&side, &data).await;
    tokio::task::spawn_blocking(move || {
        let (_server, lines) = serve(&config);
        let base = format!("http://127.0.0.1:{}", webmail_port(&lines));
        searches_by_each_key(&database, &ids, &base);
    })
    .await
    .unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn the_owner_searches_by_each_key_and_pages_through_matches() {
    search_on(String::new()).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn the_owner_searches_by_each_key_and_pages_through_matches_on_postgres() {
    search_on(fresh_database(Backend::Postgres).await).await;
}
