//! A Rust IMAP client we did not write (async-imap) against the server on a real socket:
//! sign-in, APPEND, FETCH with BODYSTRUCTURE and sections, STORE, SEARCH, MOVE, EXPUNGE,
//! QUOTA, IDLE woken by new mail, LOGOUT.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use futures_util::TryStreamExt;
use std::time::Duration;
use tokio::net::TcpStream;
use tokio_util::sync::CancellationToken;
use trekmail_imap::{ImapOptions, ImapServer};
use trekmail_testkit::{Backend, PASSWORD, Seeded};

const MESSAGE: &[u8] = b"From: bob@example.net\r\nSubject: Parts\r\nContent-Type: multipart/alternative; boundary=x\r\n\r\n--x\r\nContent-Type: text/plain\r\n\r\nplain\r\n--x\r\nContent-Type: text/html\r\n\r\n<b>html</b>\r\n--x--\r\n";

async fn session(port: u16) -> async_imap::Session<TcpStream> {
    let tcp = TcpStream::connect(("127.0.0.1", port)).await.unwrap();
    let mut client = async_imap::Client::new(tcp);
    client.read_response().await.unwrap().unwrap();
    client
        .login("ann@example.com", PASSWORD)
        .await
        .map_err(|(e, _)| e)
        .unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn async_imap_reads_sorts_and_idles() {
    let seeded = Seeded::new(Backend::Sqlite).await;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let shutdown = CancellationToken::new();
    let server = ImapServer::new(seeded.node.core.clone(), ImapOptions::default(), None);
    tokio::spawn(server.serve(listener, false, shutdown.clone()));

    let mut s = session(port).await;
    let caps = s.capabilities().await.unwrap();
    for cap in [
        "IDLE",
        "MOVE",
        "UIDPLUS",
        "QUOTA",
        "NAMESPACE",
        "ID",
        "SPECIAL-USE",
    ] {
        assert!(caps.has_str(cap), "{cap} missing");
    }
    s.append("INBOX", Some(r"(\Flagged)"), None, MESSAGE)
        .await
        .unwrap();
    let inbox = s.select("INBOX").await.unwrap();
    assert_eq!(inbox.exists, 1);

    let fetched: Vec<_> = s
        .fetch(
            "1",
            "(UID FLAGS BODYSTRUCTURE BODY.PEEK[2] BODY.PEEK[HEADER.FIELDS (SUBJECT)])",
        )
        .await
        .unwrap()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(fetched.len(), 1);
    let message = &fetched[0];
    let uid = message.uid.unwrap();
    assert!(
        message
            .flags()
            .any(|f| matches!(f, async_imap::types::Flag::Flagged))
    );
    match message.bodystructure().unwrap() {
        async_imap::imap_proto::BodyStructure::Multipart { common, bodies, .. } => {
            assert_eq!(common.ty.subtype.to_ascii_lowercase(), "alternative");
            assert_eq!(bodies.len(), 2);
        }
        other => panic!("not multipart: {other:?}"),
    }
    let html = message
        .section(&async_imap::imap_proto::SectionPath::Part(vec![2], None))
        .unwrap();
    assert_eq!(html, b"<b>html</b>");
    assert_eq!(message.header().unwrap(), b"Subject: Parts\r\n\r\n");

    let _: Vec<_> = s
        .uid_store(uid.to_string(), r"+FLAGS (\Seen)")
        .await
        .unwrap()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(s.uid_search("SEEN FLAGGED").await.unwrap().len(), 1);
    assert!(s.search("UNSEEN").await.unwrap().is_empty());
    let (roots, quotas) = s.get_quota_root("INBOX").await.unwrap();
    assert_eq!(roots.len(), 1);
    assert!(!quotas.is_empty());

    // IDLE: mail appended by another session wakes it.
    let mut idle = s.idle();
    idle.init().await.unwrap();
    let mut other = session(port).await;
    let (waiting, _stop) = idle.wait_with_timeout(Duration::from_secs(10));
    let (woken, appended) = tokio::join!(waiting, async {
        tokio::time::sleep(Duration::from_millis(200)).await;
        other
            .append("INBOX", None, None, b"Subject: new\r\n\r\nnew\r\n")
            .await
    });
    appended.unwrap();
    assert!(matches!(
        woken.unwrap(),
        async_imap::extensions::idle::IdleResponse::NewData(_)
    ));
    let mut s = idle.done().await.unwrap();

    s.uid_mv(uid.to_string(), "Archive").await.unwrap();
    let archive = s.select("Archive").await.unwrap();
    assert_eq!(archive.exists, 1);
    let _: Vec<_> = s
        .store("1", r"+FLAGS (\Deleted)")
        .await
        .unwrap()
        .try_collect()
        .await
        .unwrap();
    let gone: Vec<_> = s.expunge().await.unwrap().try_collect().await.unwrap();
    assert_eq!(gone, vec![1]);
    s.logout().await.unwrap();
    other.logout().await.unwrap();
    shutdown.cancel();
}
