//! Reading mail safely in the webmail: hostile messages delivered into a mailbox, opened by
//! the real `trekmail serve` with curl and with headless Chromium through Playwright
//! (webmail_reading_browser.py). Nothing of the sender's runs, no remote host is contacted
//! until the owner asks, the message's own images show, attachments download under a plain
//! name as a type no browser renders, and plain-text links are clickable while markup stays
//! text.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::web::*;
use common::*;
use std::io::Write;
use std::net::TcpListener;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use trekmail_core::domain::EmailAddress;
use trekmail_core::services::Delivered;

/// A 2×2 PNG.
const PNG: &str = "iVBORw0KGgoAAAANSUhEUgAAAAIAAAACCAIAAAD91JpzAAAAEElEQVR4nGNQaHgARAwQCgAnDgYBfm8hlgAAAABJRU5ErkJggg==";
/// What the frame's answer must say, to the letter.
const FRAME_CSP: &str = "content-security-policy: default-src 'none'; img-src 'self' data:; \
                         style-src 'unsafe-inline'; frame-ancestors 'self'; base-uri 'none'; \
                         form-action 'none'; sandbox allow-popups allow-popups-to-escape-sandbox\r\n";
const FRAME_CSP_REMOTE: &str = "content-security-policy: default-src 'none'; img-src 'self' data: https:; \
                                style-src 'unsafe-inline'; frame-ancestors 'self'; base-uri 'none'; \
                                form-action 'none'; sandbox allow-popups allow-popups-to-escape-sandbox\r\n";
/// Every other page's policy, as it was before the reader had a frame.
const PAGE_CSP: &str = "content-security-policy: default-src 'none'; script-src 'self'; \
                        style-src 'self'; img-src 'self' data:; connect-src 'self'; \
                        form-action 'self'; frame-ancestors 'none'; base-uri 'none'\r\n";

/// A host the remote images point at. It counts every connection made to it, so a fetch is
/// seen even though it never answers one.
struct RemoteHost {
    port: u16,
    hits: Arc<AtomicUsize>,
}

fn remote_host() -> RemoteHost {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let hits = Arc::new(AtomicUsize::new(0));
    let counted = Arc::clone(&hits);
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            counted.fetch_add(1, Ordering::SeqCst);
            drop(stream);
        }
    });
    RemoteHost { port, hits }
}

/// Everything a hostile HTML message tries: scripts, handlers, `javascript:`, a form, CSS
/// `url()`, remote images (at `remote`), `<base>`, a refresh, frames; with a text version,
/// an inline `cid:` image and an attachment whose name climbs out of the download folder.
fn hostile(remote: u16) -> String {
    let r = format!("127.0.0.1:{remote}");
    let html = format!(
        "<html><head><title>t</title>\
         <meta http-equiv=\"refresh\" content=\"0;url=https://{r}/refresh\">\
         <base href=\"https://{r}/\">\
         <style>body {{ background: url(https://{r}/style-block.png) }}</style>\
         <script>document.title='PWNED'; window.top.name='PWNED'; alert('script')</script>\
         </head><body onload=\"alert('onload')\">\
         <p>HTML-BODY-MARKER</p>\
         <img src=\"cid:logo@trekmail.test\" alt=\"logo\">\
         <img src=\"https://{r}/remote.png\" alt=\"remote\" onerror=\"alert('onerror')\">\
         <img src=\"http://{r}/plain-http.png\" alt=\"plain\">\
         <img src=\"x\" onerror=\"alert('relative'); window.top.name='PWNED'\">\
         <img srcset=\"https://{r}/srcset.png 2x\">\
         <p style=\"background-image: url(https://{r}/style-attr.png)\">styled</p>\
         <table background=\"https://{r}/table.png\"><tr><td>cell</td></tr></table>\
         <a href=\"javascript:alert('link')\">JS-LINK</a> \
         <a href=\"https://example.com/safe\">WEB-LINK</a>\
         <form action=\"https://{r}/form\" method=\"post\"><input name=\"q\" value=\"x\">\
         <button>FORM-BUTTON</button></form>\
         <svg><script>alert('svg')</script><image href=\"https://{r}/svg.png\"/></svg>\
         <iframe src=\"https://{r}/iframe\"></iframe><object data=\"https://{r}/object\"></object>\
         </body></html>"
    );
    format!(
        "From: Mallory <mallory@evil.example>\r\nTo: ann@example.com\r\n\
         Subject: Hostile\r\nDate: Mon, 1 Jun 2026 10:00:00 +0000\r\nMIME-Version: 1.0\r\n\
         Content-Type: multipart/mixed; boundary=\"mixed\"\r\n\r\n\
         --mixed\r\nContent-Type: multipart/related; boundary=\"related\"\r\n\r\n\
         --related\r\nContent-Type: multipart/alternative; boundary=\"alt\"\r\n\r\n\
         --alt\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n\
         TEXT-VERSION-MARKER at https://example.com/text\r\n\
         --alt\r\nContent-Type: text/html; charset=utf-8\r\n\r\n{html}\r\n\
         --alt--\r\n\
         --related\r\nContent-Type: image/png\r\nContent-ID: <logo@trekmail.test>\r\n\
         Content-Transfer-Encoding: base64\r\n\r\n{PNG}\r\n\
         --related--\r\n\
         --mixed\r\nContent-Type: text/html; name=\"../../evil\\\".html\"\r\n\
         Content-Disposition: attachment; filename=\"../../evil\\\".html\"\r\n\r\n\
         <script>alert('attachment')</script>\r\n\
         --mixed--\r\n"
    )
}

const PLAIN: &str = "From: Bo <bo@example.net>\r\nTo: ann@example.com\r\nSubject: Plain\r\n\
                     Content-Type: text/plain; charset=utf-8\r\n\r\n\
                     Docs at https://example.com/docs?a=1&b=2. Not <b>bold</b>, \
                     nor javascript:alert(1).\r\n";

/// Where a delivered message is: folder id and UID.
type At = (i64, u32);

/// A seeded node (with the second tenant's carl) serving, after the hostile message and a
/// plain one were delivered to ann and one to carl.
async fn node_with_mail(remote: u16) -> (Serve, Vec<String>, At, At, At) {
    let (_dir, config) = two_tenants("").await;
    let data = config.parent().unwrap().join("data");
    let core = common::side_core::side_core(&data, false).await;
    let deliver = async |to: &str, body: &str| -> At {
        let to = EmailAddress::parse(to).unwrap();
        match core.deliver(&to, body.as_bytes()).await.unwrap() {
            Delivered::Stored(meta) => (meta.folder_id.0, meta.uid),
            _ => panic!("not stored"),
        }
    };
    let hostile_at = deliver("ann@example.com", &hostile(remote)).await;
    let plain_at = deliver("ann@example.com", PLAIN).await;
    let carls = deliver("carl@other.example", PLAIN).await;
    drop(core);
    let (server, lines) = tokio::task::spawn_blocking(move || serve(&config))
        .await
        .unwrap();
    (server, lines, hostile_at, plain_at, carls)
}

/// webmail_reading_browser.py, its stdin open for the go-ahead.
fn browser(lines: &[String], mode: &str, args: &[&str]) -> Child {
    Command::new("python3")
        .arg(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/webmail_reading_browser.py"))
        .arg(webmail_port(lines).to_string())
        .arg(mode)
        .args(args)
        .env("ANN_PASSWORD", ANN_PASSWORD)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

fn header_line<'a>(answer: &'a str, name: &str) -> &'a str {
    answer
        .lines()
        .find(|l| l.to_lowercase().starts_with(&format!("{name}:")))
        .unwrap_or_else(|| panic!("no {name} in {answer}"))
}

#[tokio::test(flavor = "multi_thread")]
async fn hostile_html_runs_nothing_and_fetches_nothing_remote_until_asked() {
    let remote = remote_host();
    let (server, lines, (folder, uid), _, _) = node_with_mail(remote.port).await;
    let (f, u, r) = (folder.to_string(), uid.to_string(), remote.port.to_string());
    let l = lines.clone();
    let mut chromium = tokio::task::spawn_blocking(move || {
        let mut chromium = browser(&l, "hostile", &[&f, &u, &r]);
        wait_for_line(&mut chromium, "HIDDEN OK");
        chromium
    })
    .await
    .unwrap();
    assert_eq!(
        remote.hits.load(Ordering::SeqCst),
        0,
        "fetched while hidden"
    );
    chromium
        .stdin
        .as_mut()
        .unwrap()
        .write_all(b"show\n")
        .unwrap();
    let out = tokio::task::spawn_blocking(move || finish(chromium))
        .await
        .unwrap();
    assert!(
        out.contains("REMOTE REQUESTED /plain-http.png /remote.png"),
        "{out}"
    );
    assert!(remote.hits.load(Ordering::SeqCst) > 0, "never fetched");
    drop(server);
}

#[tokio::test(flavor = "multi_thread")]
async fn the_frame_parts_and_pages_carry_their_own_headers_and_only_the_owner_reads() {
    let remote = remote_host();
    let (server, lines, (folder, uid), (pfolder, puid), (cfolder, cuid)) =
        node_with_mail(remote.port).await;
    let base = format!("http://127.0.0.1:{}", webmail_port(&lines));
    tokio::task::spawn_blocking(move || {
        let session = webmail_session(&base);
        let get = |path: &str| curl(&["-b", &session, &format!("{base}{path}")]);
        let at = format!("folder={folder}&uid={uid}");

        // The read page frames the message but holds none of its HTML, and no inline script.
        let read = get(&format!("/read?{at}"));
        assert!(read.starts_with("HTTP/1.1 200"), "{read}");
        let policy = PAGE_CSP.replace("\r\n", "; frame-src 'self'\r\n");
        assert!(read.contains(&policy), "{read}");
        assert!(read.contains("x-frame-options: DENY\r\n"), "{read}");
        assert!(
            !read.contains("<script>") && !read.contains("unsafe-inline"),
            "{read}"
        );
        for marker in [
            "HTML-BODY-MARKER",
            "JS-LINK",
            "WEB-LINK",
            "FORM-BUTTON",
            "PWNED",
        ] {
            assert!(!read.contains(marker), "{marker}: {read}");
        }
        assert!(
            read.contains(&format!(
                "src=\"/read/html?folder={folder}&amp;uid={uid}\" \
                 sandbox=\"allow-popups allow-popups-to-escape-sandbox\""
            )),
            "{read}"
        );
        assert!(read.contains("Remote images are hidden."), "{read}");
        assert!(
            read.contains(&format!(
                "<a href=\"/read?folder={folder}&amp;uid={uid}&amp;images=1\">Show images</a>"
            )),
            "{read}"
        );
        // Its text version, links clickable; the inline image is not listed, the attachment is.
        assert!(
            read.contains(
                "TEXT-VERSION-MARKER at <a href=\"https://example.com/text\" target=\"_blank\" \
                 rel=\"noopener noreferrer nofollow\">https://example.com/text</a>"
            ),
            "{read}"
        );
        let link = format!("/read/part?folder={folder}&amp;uid={uid}&amp;part=");
        assert_eq!(read.matches(&link).count(), 1, "{read}");
        let part = read
            .split(&link)
            .nth(1)
            .and_then(|rest| rest.split('&').next())
            .unwrap_or_else(|| panic!("no attachment link in {read}"))
            .to_owned();
        assert!(read.contains(">evil_.html</a>"), "{read}");
        assert!(read.contains("text/html · 36 bytes"), "{read}");

        // The frame: the sanitised HTML under a policy of its own, framed by this site only.
        let framed = get(&format!("/read/html?{at}"));
        assert!(framed.starts_with("HTTP/1.1 200"), "{framed}");
        assert!(framed.contains(FRAME_CSP), "{framed}");
        assert!(
            framed.contains("x-frame-options: SAMEORIGIN\r\n"),
            "{framed}"
        );
        assert!(
            framed.contains("x-content-type-options: nosniff\r\n"),
            "{framed}"
        );
        assert!(framed.contains("<p>HTML-BODY-MARKER</p>"), "{framed}");
        for bad in [
            "<script",
            "onerror",
            "onload",
            "javascript:",
            "<form",
            "url(",
            "srcset",
        ] {
            assert!(!framed.contains(bad), "{bad}: {framed}");
        }
        assert!(
            !framed.contains(&format!("127.0.0.1:{}", remote.port)),
            "{framed}"
        );
        // Its own image is written in: the sandboxed frame's requests carry no session.
        assert!(
            framed.contains(&format!(
                "<img src=\"data:image/png;base64,{PNG}\" alt=\"logo\">"
            )),
            "{framed}"
        );
        let shown = get(&format!("/read/html?{at}&images=1"));
        assert!(shown.contains(FRAME_CSP_REMOTE), "{shown}");
        assert!(
            shown.contains(&format!(
                "src=\"https://127.0.0.1:{}/remote.png\"",
                remote.port
            )),
            "{shown}"
        );

        // The inline image as a part of its own (mail-parser numbers parts depth first: mixed,
        // related, alternative, text, HTML, image, attachment): its own type, never sniffed,
        // sandboxed.
        let image = get(&format!("/read/part?{at}&part=5"));
        assert!(image.starts_with("HTTP/1.1 200"), "{image}");
        assert!(image.contains("content-type: image/png\r\n"), "{image}");
        assert!(image.contains("content-disposition: inline;"), "{image}");
        assert!(
            image.contains("x-content-type-options: nosniff\r\n"),
            "{image}"
        );
        assert!(
            image.contains("content-security-policy: sandbox; default-src 'none'\r\n"),
            "{image}"
        );
        // The attachment: saved, under a plain name, as bytes no browser renders.
        let saved = get(&format!("/read/part?{at}&part={part}&download=1"));
        assert!(saved.starts_with("HTTP/1.1 200"), "{saved}");
        assert_eq!(
            header_line(&saved, "content-disposition"),
            "content-disposition: attachment; filename=\"evil_.html\"; \
             filename*=UTF-8''evil_.html"
        );
        assert!(
            saved.contains("content-type: application/octet-stream\r\n"),
            "{saved}"
        );
        assert!(
            saved.contains("x-content-type-options: nosniff\r\n"),
            "{saved}"
        );
        assert!(
            saved.contains("content-security-policy: sandbox; default-src 'none'\r\n"),
            "{saved}"
        );
        let unasked = get(&format!("/read/part?{at}&part={part}"));
        assert!(
            unasked.contains("content-disposition: attachment;"),
            "{unasked}"
        );
        assert!(unasked.contains("application/octet-stream"), "{unasked}");

        // Every other page keeps the headers it had.
        let inbox = get("/");
        assert!(inbox.starts_with("HTTP/1.1 200"), "{inbox}");
        assert_strict_headers(&inbox);
        assert!(inbox.contains(PAGE_CSP), "{inbox}");
        assert!(inbox.contains("x-frame-options: DENY\r\n"), "{inbox}");

        // Plain text: links clickable, markup shown as typed, no frame.
        let plain = get(&format!("/read?folder={pfolder}&uid={puid}"));
        assert!(
            plain.contains(
                "Docs at <a href=\"https://example.com/docs?a=1&#38;b=2\" target=\"_blank\" \
                 rel=\"noopener noreferrer nofollow\">https://example.com/docs?a=1&#38;b=2</a>. \
                 Not &#60;b&#62;bold&#60;/b&#62;, nor javascript:alert(1)."
            ),
            "{plain}"
        );
        assert!(!plain.contains("<iframe"), "{plain}");
        let none = get(&format!("/read/html?folder={pfolder}&uid={puid}"));
        assert!(none.starts_with("HTTP/1.1 404"), "{none}");

        // Not ann's, not there, or not a part to serve: not found, on every route.
        let theirs = format!("folder={cfolder}&uid={cuid}");
        for path in [
            format!("/read?folder={folder}&uid=999"),
            format!("/read?{theirs}"),
            format!("/read/html?folder={folder}&uid=999"),
            format!("/read/html?{theirs}"),
            format!("/read/part?folder={folder}&uid=999&part={part}"),
            format!("/read/part?{theirs}&part=0"),
            format!("/read/part?{at}&part=0"),
            format!("/read/part?{at}&part=999"),
        ] {
            let answer = get(&path);
            assert!(answer.starts_with("HTTP/1.1 404"), "{path}: {answer}");
        }
        // Carl reads his own message where ann could not.
        let carl = webmail_sign_in(&base, "carl@other.example", CARL_PASSWORD);
        let his = curl(&["-b", &carl, &format!("{base}/read?{theirs}")]);
        assert!(his.starts_with("HTTP/1.1 200"), "{his}");
        drop(server);
    })
    .await
    .unwrap();
}
