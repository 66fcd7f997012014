//! The webmail's mailbox beside a mail app, on the real `trekmail serve`: what webmail does to
//! messages and folders (curl, and Chromium with JavaScript on and off, through
//! webmail_mailbox_browser.py) is what Python's imaplib then sees, and what imaplib and SMTP
//! do shows in webmail, live; the list pages by UID.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::web::*;
use common::*;
use std::process::Child;

/// webmail_mailbox_browser.py against a node's webmail, IMAP and inbound SMTP.
fn script(lines: &[String], mode: &str, args: &[&str]) -> Child {
    common::web::browser(
        "webmail_mailbox_browser.py",
        &[
            webmail_port(lines),
            imap_port(lines),
            smtp_port(lines, "inbound"),
        ],
        mode,
        args,
    )
}

/// What imaplib finds in `folder`: (UID, flags, subject) of each message.
fn over_imap(lines: &[String], folder: &str) -> Vec<(u32, String, String)> {
    let out = finish(script(lines, "messages", &[folder]));
    assert!(out.contains("COUNT"), "{out}");
    out.lines()
        .filter_map(|l| l.strip_prefix("MSG "))
        .map(|l| {
            let (uid, rest) = l.split_once(' ').unwrap();
            let (flags, subject) = rest.split_once('|').unwrap();
            (uid.parse().unwrap(), flags.to_owned(), subject.to_owned())
        })
        .collect()
}

fn subjects_over_imap(lines: &[String], folder: &str) -> Vec<String> {
    over_imap(lines, folder)
        .into_iter()
        .map(|(_, _, s)| s)
        .collect()
}

/// The folders imaplib's LIST shows.
fn folders_over_imap(lines: &[String]) -> Vec<String> {
    finish(script(lines, "folders", &[]))
        .lines()
        .filter_map(|l| l.strip_prefix("FOLDER "))
        .map(str::to_owned)
        .collect()
}

fn append(lines: &[String], folder: &str, n: usize, prefix: &str) {
    let out = finish(script(lines, "append", &[folder, &n.to_string(), prefix]));
    assert!(out.contains(&format!("APPENDED {n}")), "{out}");
}

/// A signed-in webmail, driven with curl.
struct Webmail {
    base: String,
    session: String,
    csrf: String,
}

impl Webmail {
    fn new(lines: &[String]) -> Webmail {
        let base = format!("http://127.0.0.1:{}", webmail_port(lines));
        let session = webmail_session(&base);
        let page = curl(&["-b", &session, &format!("{base}/")]);
        assert!(page.starts_with("HTTP/1.1 200"), "{page}");
        let csrf = form_value(&page, "csrf");
        Webmail {
            base,
            session,
            csrf,
        }
    }

    fn get(&self, path: &str) -> String {
        curl(&["-b", &self.session, &format!("{}{path}", self.base)])
    }

    /// POSTs `body` and the session's token.
    fn post(&self, path: &str, body: &str) -> String {
        let body = format!("csrf={}&{body}", self.csrf);
        self.post_raw(path, &body)
    }

    fn post_raw(&self, path: &str, body: &str) -> String {
        curl(&[
            "-b",
            &self.session,
            "--data",
            body,
            &format!("{}{path}", self.base),
        ])
    }

    /// POSTs, expects a 303, and GETs where it leads.
    fn post_and_follow(&self, path: &str, body: &str) -> String {
        let answer = self.post(path, body);
        assert!(answer.starts_with("HTTP/1.1 303"), "{body}: {answer}");
        self.get(&line_value(&answer, "location:"))
    }

    /// The id of the folder the side list names `name`.
    fn folder_id(&self, name: &str) -> i64 {
        let page = self.get("/");
        page.split("<li><a href=\"/?folder=")
            .skip(1)
            .find_map(|link| {
                let id: String = link.chars().take_while(char::is_ascii_digit).collect();
                let text = link.split_once('>')?.1.split('<').next()?.trim();
                (text == name).then(|| id.parse().unwrap())
            })
            .unwrap_or_else(|| panic!("no folder {name} in {page}"))
    }
}

/// The subjects a list page shows, top to bottom.
fn listed(page: &str) -> Vec<String> {
    page.split("<a href=\"/read?folder=")
        .skip(1)
        .map(|piece| {
            let text = piece.split_once('>').unwrap().1;
            let text = text.split("</a>").next().unwrap();
            text.replace("<span class=\"sr-only\">Unread: </span>", "")
        })
        .collect()
}

/// The row of the message with `subject` on a list page.
fn row_of<'a>(page: &'a str, subject: &str) -> &'a str {
    page.split("<tr")
        .find(|r| r.contains(&format!("{subject}</a>")))
        .unwrap_or_else(|| panic!("no row {subject} in {page}"))
}

fn uid_of(lines: &[String], folder: &str, subject: &str) -> u32 {
    over_imap(lines, folder)
        .into_iter()
        .find(|(_, _, s)| s == subject)
        .unwrap_or_else(|| panic!("no {subject} in {folder}"))
        .0
}

#[test]
fn what_webmail_does_imap_sees_and_what_imap_does_webmail_shows() {
    let (config, _server, lines) = started();
    ok(
        &config,
        &["mailbox", "create", "bob@example.com", "--password-stdin"],
        Some("Bob-first-pass-1\n"),
    );
    append(&lines, "INBOX", 3, "Note");
    let mail = Webmail::new(&lines);
    let inbox = mail.folder_id("INBOX");
    let archive = mail.folder_id("Archive");
    let list = mail.get("/");
    assert_eq!(listed(&list), ["Note 3", "Note 2", "Note 1"], "{list}");
    assert!(list.contains("3 messages, 3 unread"), "{list}");
    assert!(list.contains("data-unread>3<"), "{list}");

    // Flag and read one: imaplib sees both flags.
    let flagged = mail.post_and_follow(
        "/messages/act",
        &format!("folder={inbox}&uid=1&action=flag"),
    );
    assert!(flagged.contains("1 message flagged."), "{flagged}");
    assert!(
        row_of(&flagged, "Note 1").contains("data-flagged"),
        "{flagged}"
    );
    mail.post_and_follow(
        "/messages/act",
        &format!("folder={inbox}&uid=1&action=read"),
    );
    let note1 = over_imap(&lines, "INBOX")
        .into_iter()
        .find(|(uid, _, _)| *uid == 1)
        .unwrap();
    assert!(
        note1.1.contains("\\Flagged") && note1.1.contains("\\Seen"),
        "{note1:?}"
    );

    // Several at once: 2 of 3 to Archive, with a UID the folder does not hold passed over.
    let answer = mail.post(
        "/messages/act",
        &format!("folder={inbox}&uid=2&uid=3&uid=77&action=archive"),
    );
    assert!(answer.starts_with("HTTP/1.1 303"), "{answer}");
    assert_eq!(
        line_value(&answer, "location:"),
        format!("/?folder={inbox}&done=moved&n=2&to={archive}")
    );
    let moved = mail.get(&line_value(&answer, "location:"));
    assert!(moved.contains("2 messages moved to Archive."), "{moved}");
    assert_eq!(listed(&moved), ["Note 1"]);
    assert_eq!(subjects_over_imap(&lines, "INBOX"), ["Note 1"]);
    assert_eq!(subjects_over_imap(&lines, "Archive"), ["Note 2", "Note 3"]);

    // The other way: imaplib flags one and moves one; webmail's list shows it.
    finish(script(&lines, "flag", &["Archive", "Note 2"]));
    finish(script(&lines, "move", &["Archive", "Note 3", "INBOX"]));
    let archived = mail.get(&format!("/?folder={archive}"));
    assert_eq!(listed(&archived), ["Note 2"], "{archived}");
    assert!(
        row_of(&archived, "Note 2").contains("data-flagged"),
        "{archived}"
    );
    let list = mail.get("/");
    assert_eq!(listed(&list), ["Note 3", "Note 1"], "{list}");

    // Junk, then Not junk back to INBOX.
    let note3 = uid_of(&lines, "INBOX", "Note 3");
    let junked = mail.post_and_follow(
        "/messages/act",
        &format!("folder={inbox}&uid={note3}&action=junk"),
    );
    assert!(junked.contains("1 message moved to Junk."), "{junked}");
    assert_eq!(subjects_over_imap(&lines, "Junk"), ["Note 3"]);
    let junk = mail.folder_id("Junk");
    let in_junk = mail.get(&format!("/?folder={junk}"));
    assert!(in_junk.contains("value=\"notjunk\">Not junk"), "{in_junk}");
    let back = mail.post_and_follow(
        "/messages/act",
        &format!(
            "folder={junk}&uid={}&action=notjunk",
            uid_of(&lines, "Junk", "Note 3")
        ),
    );
    assert!(back.contains("1 message moved to INBOX."), "{back}");
    assert!(subjects_over_imap(&lines, "Junk").is_empty());
    assert!(subjects_over_imap(&lines, "INBOX").contains(&"Note 3".to_owned()));

    // Delete goes to Trash; in Trash, Delete is for good; Empty Trash, once confirmed, empties.
    let trash = mail.folder_id("Trash");
    let note3 = uid_of(&lines, "INBOX", "Note 3");
    mail.post_and_follow(
        "/messages/act",
        &format!("folder={inbox}&uid=1&uid={note3}&action=delete"),
    );
    assert_eq!(subjects_over_imap(&lines, "Trash"), ["Note 1", "Note 3"]);
    assert!(subjects_over_imap(&lines, "INBOX").is_empty());
    let first = uid_of(&lines, "Trash", "Note 1");
    let gone = mail.post_and_follow(
        "/messages/act",
        &format!("folder={trash}&uid={first}&action=delete"),
    );
    assert!(gone.contains("1 message deleted for good."), "{gone}");
    assert_eq!(subjects_over_imap(&lines, "Trash"), ["Note 3"]);
    let unconfirmed = mail.post_and_follow(&format!("/folders/{trash}/empty"), "");
    assert!(unconfirmed.contains("Nothing was deleted"), "{unconfirmed}");
    assert_eq!(subjects_over_imap(&lines, "Trash"), ["Note 3"]);
    let emptied = mail.post_and_follow(&format!("/folders/{trash}/empty"), "confirm=1");
    assert!(
        emptied.contains("Trash emptied: 1 message deleted for good."),
        "{emptied}"
    );
    assert!(subjects_over_imap(&lines, "Trash").is_empty());
    // Only Trash empties this way.
    let refused = mail.post(&format!("/folders/{archive}/empty"), "confirm=1");
    assert!(refused.starts_with("HTTP/1.1 404"), "{refused}");
    assert_eq!(subjects_over_imap(&lines, "Archive"), ["Note 2"]);

    // Another mailbox's folder (bob's were made after ann's), or one that does not exist, as
    // the folder or the target, is not found; nothing moves.
    let bob_inbox = archive + 1;
    let missing = archive + 100;
    for other in [bob_inbox, missing] {
        for body in [
            format!("folder={other}&uid=1&action=flag"),
            format!("folder={archive}&uid=1&action=move&to={other}"),
        ] {
            let refused = mail.post("/messages/act", &body);
            assert!(refused.starts_with("HTTP/1.1 404"), "{body}: {refused}");
        }
    }
    assert_eq!(subjects_over_imap(&lines, "Archive"), ["Note 2"]);

    // Without the form's token nothing changes.
    let note2 = uid_of(&lines, "Archive", "Note 2");
    for body in [
        format!("folder={archive}&uid={note2}&action=delete"),
        format!("csrf=forged&folder={archive}&uid={note2}&action=delete"),
    ] {
        let forged = mail.post_raw("/messages/act", &body);
        assert!(forged.starts_with("HTTP/1.1 403"), "{forged}");
    }
    let forged = mail.post_raw(&format!("/folders/{trash}/empty"), "confirm=1");
    assert!(forged.starts_with("HTTP/1.1 403"), "{forged}");
    assert_eq!(subjects_over_imap(&lines, "Archive"), ["Note 2"]);
}

#[test]
fn the_read_page_acts_on_its_message_and_moves_on() {
    let (_config, _server, lines) = started();
    append(&lines, "INBOX", 3, "Read");
    let mail = Webmail::new(&lines);
    let inbox = mail.folder_id("INBOX");
    let read = mail.get(&format!("/read?folder={inbox}&uid=3"));
    assert!(read.contains("name=\"from\" value=\"read\""), "{read}");
    // Flag: back on the same message.
    let answer = mail.post(
        "/messages/act",
        &format!("folder={inbox}&uid=3&from=read&action=flag"),
    );
    assert_eq!(
        line_value(&answer, "location:"),
        format!("/read?folder={inbox}&uid=3")
    );
    // Archive or Delete: on to the next message, older, else newer; with none left, the list.
    let answer = mail.post(
        "/messages/act",
        &format!("folder={inbox}&uid=3&from=read&action=archive"),
    );
    assert_eq!(
        line_value(&answer, "location:"),
        format!("/read?folder={inbox}&uid=2")
    );
    let answer = mail.post(
        "/messages/act",
        &format!("folder={inbox}&uid=1&from=read&action=delete"),
    );
    assert_eq!(
        line_value(&answer, "location:"),
        format!("/read?folder={inbox}&uid=2")
    );
    let answer = mail.post(
        "/messages/act",
        &format!("folder={inbox}&uid=2&from=read&action=delete"),
    );
    let location = line_value(&answer, "location:");
    assert!(
        location.starts_with(&format!("/?folder={inbox}&done=moved&n=1")),
        "{location}"
    );
    assert!(subjects_over_imap(&lines, "INBOX").is_empty());
    assert_eq!(subjects_over_imap(&lines, "Trash"), ["Read 1", "Read 2"]);
    let archived = over_imap(&lines, "Archive");
    assert_eq!(archived.len(), 1);
    assert!(archived[0].1.contains("\\Flagged"), "{archived:?}");
}

#[test]
fn folders_are_created_renamed_and_deleted_and_refusals_say_why() {
    let (_config, _server, lines) = started();
    let mail = Webmail::new(&lines);
    let page = mail.get("/folders");
    assert!(page.starts_with("HTTP/1.1 200"), "{page}");
    assert!(page.contains("Manage folders"), "{page}");

    let created = mail.post_and_follow("/folders", "name=Projects%2F2026");
    assert!(
        created.contains("Folder Projects/2026 created."),
        "{created}"
    );
    assert!(folders_over_imap(&lines).contains(&"Projects/2026".to_owned()));
    let projects = mail.folder_id("Projects/2026");
    append(&lines, "Projects/2026", 2, "Plan");
    let page = mail.get("/folders");
    assert!(
        page.contains("Delete the folder and its 2 messages"),
        "{page}"
    );

    // Bad names are shown again, as typed, with why.
    let long = "x".repeat(300);
    for (typed, shown) in [
        ("", "value=\"\""),
        ("Bad*name", "value=\"Bad*name\""),
        ("a%2F%2Fb", "value=\"a//b\""),
        ("tab%09here", "value=\"tab\there\""),
        (long.as_str(), long.as_str()),
    ] {
        let answer = mail.post("/folders", &format!("name={typed}"));
        assert!(answer.starts_with("HTTP/1.1 200"), "{typed}: {answer}");
        assert!(answer.contains("is not a folder name"), "{typed}: {answer}");
        assert!(answer.contains(shown), "{typed}: {answer}");
    }
    // A name that is taken.
    let taken = mail.post("/folders", "name=Archive");
    assert!(
        taken.contains("A folder named Archive exists already."),
        "{taken}"
    );

    // INBOX and the special folders stay as they are.
    let inbox = mail.folder_id("INBOX");
    let trash = mail.folder_id("Trash");
    let refused = mail.post(&format!("/folders/{inbox}/rename"), "name=Other");
    assert!(
        refused.contains("INBOX is where new mail arrives: it cannot be renamed."),
        "{refused}"
    );
    let refused = mail.post(&format!("/folders/{trash}/delete"), "confirm=1");
    assert!(
        refused.contains("Trash is the Trash folder mail apps look for: it cannot be deleted."),
        "{refused}"
    );
    let refused = mail.post(&format!("/folders/{trash}/rename"), "name=Bin");
    assert!(refused.contains("it cannot be renamed."), "{refused}");
    let folders = folders_over_imap(&lines);
    assert!(folders.contains(&"Trash".to_owned()), "{folders:?}");
    assert!(
        !folders.iter().any(|f| f == "Other" || f == "Bin"),
        "{folders:?}"
    );

    // Rename: refused names are shown again on the folder's row; a good one is done.
    let refused = mail.post(&format!("/folders/{projects}/rename"), "name=Sent");
    assert!(
        refused.contains("A folder named Sent exists already."),
        "{refused}"
    );
    let renamed = mail.post_and_follow(&format!("/folders/{projects}/rename"), "name=Work");
    assert!(renamed.contains("Folder renamed to Work."), "{renamed}");
    let folders = folders_over_imap(&lines);
    assert!(folders.contains(&"Work".to_owned()), "{folders:?}");
    assert!(
        !folders.contains(&"Projects/2026".to_owned()),
        "{folders:?}"
    );
    assert_eq!(subjects_over_imap(&lines, "Work"), ["Plan 1", "Plan 2"]);

    // Delete asks for its tick first.
    let unticked = mail.post(&format!("/folders/{projects}/delete"), "");
    assert!(unticked.contains("Nothing was deleted"), "{unticked}");
    assert!(folders_over_imap(&lines).contains(&"Work".to_owned()));
    let deleted = mail.post_and_follow(&format!("/folders/{projects}/delete"), "confirm=1");
    assert!(deleted.contains("The folder was deleted"), "{deleted}");
    assert!(!folders_over_imap(&lines).contains(&"Work".to_owned()));

    // Someone else's folder, or one that is gone, is not found; no token, no change.
    let gone = mail.post(&format!("/folders/{projects}/rename"), "name=Again");
    assert!(gone.starts_with("HTTP/1.1 404"), "{gone}");
    let forged = mail.post_raw("/folders", "name=Forged");
    assert!(forged.starts_with("HTTP/1.1 403"), "{forged}");
    let forged = mail.post_raw(&format!("/folders/{trash}/delete"), "csrf=x&confirm=1");
    assert!(forged.starts_with("HTTP/1.1 403"), "{forged}");
    assert!(!folders_over_imap(&lines).contains(&"Forged".to_owned()));
}

#[test]
fn a_folder_of_120_messages_pages_by_uid() {
    let (_config, _server, lines) = started();
    append(&lines, "Long", 120, "Long");
    let mail = Webmail::new(&lines);
    let long = mail.folder_id("Long");
    let subjects = |range: std::ops::RangeInclusive<u32>| -> Vec<String> {
        range.rev().map(|n| format!("Long {n}")).collect()
    };
    let first = mail.get(&format!("/?folder={long}"));
    assert_eq!(listed(&first), subjects(71..=120), "{first}");
    assert!(first.contains("120 messages, 120 unread"), "{first}");
    assert!(!first.contains("rel=\"prev\""), "{first}");
    let older = format!("/?folder={long}&amp;before=71");
    assert!(first.contains(&older), "{first}");

    let second = mail.get(&format!("/?folder={long}&before=71"));
    assert_eq!(listed(&second), subjects(21..=70));
    assert!(
        second.contains(&format!("/?folder={long}&amp;before=21")),
        "{second}"
    );
    assert!(
        second.contains(&format!("/?folder={long}&amp;after=70")),
        "{second}"
    );
    let last = mail.get(&format!("/?folder={long}&before=21"));
    assert_eq!(listed(&last), subjects(1..=20));
    assert!(!last.contains("rel=\"next\""), "{last}");
    // Newer from the last page: the 50 above it.
    let newer = mail.get(&format!("/?folder={long}&after=20"));
    assert_eq!(listed(&newer), subjects(21..=70));
    // Newer near the top, or a cursor past either end: the newest page.
    for cursor in ["after=70", "after=100", "before=1", "after=500"] {
        let page = mail.get(&format!("/?folder={long}&{cursor}"));
        assert_eq!(listed(&page), subjects(71..=120), "{cursor}");
    }
    // An action from a deep page comes back to it.
    let answer = mail.post(
        "/messages/act",
        &format!("folder={long}&before=71&uid=70&uid=69&action=read"),
    );
    assert_eq!(
        line_value(&answer, "location:"),
        format!("/?folder={long}&before=71&done=read&n=2")
    );
    let again = mail.get(&line_value(&answer, "location:"));
    assert!(again.contains("2 messages marked read."), "{again}");
    assert!(again.contains("120 messages, 118 unread"), "{again}");
    assert!(
        !row_of(&again, "Long 70").contains("class=\"unread\""),
        "{again}"
    );
}

#[test]
fn the_list_shows_new_mail_and_changes_from_imap_live() {
    let (_config, _server, lines) = started();
    append(&lines, "INBOX", 1, "First");
    let out = finish(script(&lines, "live", &[]));
    assert!(out.contains("LIVE OK"), "{out}");
}

#[test]
fn every_mailbox_action_works_without_javascript() {
    let (_config, _server, lines) = started();
    append(&lines, "INBOX", 3, "Plain");
    append(&lines, "Long", 120, "Long");
    let out = finish(script(&lines, "no-script", &[]));
    assert!(out.contains("NO SCRIPT OK"), "{out}");
    assert!(subjects_over_imap(&lines, "Trash").is_empty());
    assert_eq!(subjects_over_imap(&lines, "Junk"), ["Plain 1"]);
    let archived = over_imap(&lines, "Archive");
    assert_eq!(archived.len(), 1, "{archived:?}");
    assert_eq!(archived[0].2, "Plain 3");
    assert!(!archived[0].1.contains("\\Flagged"), "{archived:?}");
    assert!(
        !folders_over_imap(&lines)
            .iter()
            .any(|f| f.starts_with("Projects"))
    );
}
