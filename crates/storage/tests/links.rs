//! The node links: PostgreSQL LISTEN/NOTIFY and the embedded mode's Unix socket.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: failing loudly is the point

mod common;

use common::*;
use std::time::Duration;
use tokio::sync::mpsc::Receiver;
use trekmail_core::cluster::{ClusterLink, ClusterMessage, Envelope, Inbound};
use trekmail_core::events::{DomainEvent, EventKind};
use trekmail_core::ids::{AccountId, MailboxId, NodeId, Principal, SessionId};
use trekmail_storage::{PgLink, SocketLink};

fn end_sessions(origin: &str) -> Envelope {
    Envelope {
        origin: NodeId(origin.into()),
        message: ClusterMessage::EndSessions {
            owner: Principal::Mailbox(MailboxId(42)),
            except: Some(SessionId("keep".into())),
        },
    }
}

fn event(origin: &str) -> Envelope {
    Envelope {
        origin: NodeId(origin.into()),
        message: ClusterMessage::Event {
            event: DomainEvent {
                account_id: AccountId(1),
                mailbox_id: None,
                kind: EventKind::MailboxCreated,
            },
        },
    }
}

async fn next(rx: &mut Receiver<Inbound>) -> Inbound {
    tokio::time::timeout(Duration::from_secs(20), rx.recv())
        .await
        .expect("nothing arrived in time")
        .expect("the link closed")
}

#[tokio::test]
async fn pg_link_round_trip_between_two_nodes() {
    let url = fresh_pg_url().await;
    let (a, mut a_rx) = PgLink::connect(&url, 16).await.unwrap();
    let (b, mut b_rx) = PgLink::connect(&url, 16).await.unwrap();

    a.send(&end_sessions("a")).await.unwrap();
    assert_eq!(next(&mut b_rx).await, Inbound::Message(end_sessions("a")));
    // The sender hears itself too; the core skips its own by origin.
    assert_eq!(next(&mut a_rx).await, Inbound::Message(end_sessions("a")));

    b.send(&event("b")).await.unwrap();
    assert_eq!(next(&mut a_rx).await, Inbound::Message(event("b")));
    assert_eq!(next(&mut b_rx).await, Inbound::Message(event("b")));
}

#[tokio::test]
async fn pg_link_skips_bad_payloads() {
    let url = fresh_pg_url().await;
    let (link, mut rx) = PgLink::connect(&url, 16).await.unwrap();
    let mut conn = <sqlx::AnyConnection as sqlx::Connection>::connect(&url)
        .await
        .unwrap();
    sqlx::query("SELECT pg_notify('trekmail_cluster', 'not json')")
        .execute(&mut conn)
        .await
        .unwrap();
    sqlx::query("SELECT pg_notify('trekmail_cluster', '{\"origin\":\"x\"}')")
        .execute(&mut conn)
        .await
        .unwrap();
    link.send(&event("a")).await.unwrap();
    assert_eq!(next(&mut rx).await, Inbound::Message(event("a")));
}

#[tokio::test]
async fn pg_link_reports_resync_after_losing_its_connection() {
    let url = fresh_pg_url().await;
    let (link, mut rx) = PgLink::connect(&url, 16).await.unwrap();
    let mut conn = <sqlx::AnyConnection as sqlx::Connection>::connect(&url)
        .await
        .unwrap();
    let killed: i64 = sqlx::query_scalar(
        "SELECT COUNT(pg_terminate_backend(pid)) FROM pg_stat_activity \
         WHERE datname = current_database() AND pid <> pg_backend_pid() \
         AND query LIKE 'LISTEN%'",
    )
    .fetch_one(&mut conn)
    .await
    .unwrap();
    assert_eq!(killed, 1);
    assert_eq!(next(&mut rx).await, Inbound::Resync);
    // Listening again: messages flow.
    link.send(&end_sessions("a")).await.unwrap();
    assert_eq!(next(&mut rx).await, Inbound::Message(end_sessions("a")));
}

#[tokio::test]
async fn pg_link_to_nowhere_is_an_error_not_a_panic() {
    let err = PgLink::connect("postgres://u:secret@127.0.0.1:1/x", 4)
        .await
        .expect_err("nothing listens on port 1");
    let msg = err.to_string();
    assert!(msg.contains("refused") && !msg.contains("secret"), "{msg}");
}

fn socket_path() -> std::path::PathBuf {
    std::env::temp_dir().join(format!("{}.sock", unique("tm")))
}

#[tokio::test]
async fn socket_link_round_trip() {
    let path = socket_path();
    let (server, mut rx) = SocketLink::listen(&path, 16).await.unwrap();
    let client = SocketLink::client(&path);
    client.send(&end_sessions("cli")).await.unwrap();
    assert_eq!(next(&mut rx).await, Inbound::Message(end_sessions("cli")));
    client.send(&event("cli")).await.unwrap();
    assert_eq!(next(&mut rx).await, Inbound::Message(event("cli")));
    // The server is the only node: sending is a no-op.
    server.send(&event("server")).await.unwrap();

    // Bad lines are skipped, good lines on the same connection still arrive.
    {
        use tokio::io::AsyncWriteExt;
        let mut raw = tokio::net::UnixStream::connect(&path).await.unwrap();
        let good = serde_json::to_string(&end_sessions("raw")).unwrap();
        raw.write_all(format!("garbage\n\n{good}\n").as_bytes())
            .await
            .unwrap();
        raw.shutdown().await.unwrap();
    }
    assert_eq!(next(&mut rx).await, Inbound::Message(end_sessions("raw")));

    // Only the owner may connect.
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600);

    // A second server on the same path is refused while the first lives.
    let second = SocketLink::listen(&path, 16).await;
    assert!(second.is_err());

    // Dropping the receiver stops the server and removes the socket.
    drop(rx);
    for _ in 0..100 {
        if !path.exists() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(!path.exists());
    // With nobody listening, a command has nobody to tell: fine.
    client.send(&event("cli")).await.unwrap();
}

#[tokio::test]
async fn socket_client_without_server_is_ok() {
    let path = socket_path();
    SocketLink::client(&path).send(&event("cli")).await.unwrap();
    // A stale socket file (its server died) is replaced by the next server.
    let stale = std::os::unix::net::UnixListener::bind(&path).unwrap();
    drop(stale);
    assert!(path.exists());
    SocketLink::client(&path).send(&event("cli")).await.unwrap();
    let (_server, mut rx) = SocketLink::listen(&path, 4).await.unwrap();
    SocketLink::client(&path).send(&event("cli")).await.unwrap();
    assert_eq!(next(&mut rx).await, Inbound::Message(event("cli")));
    let _ = std::fs::remove_file(&path);
}

#[tokio::test]
async fn socket_listen_refuses_to_replace_a_regular_file() {
    let path = socket_path();
    std::fs::write(&path, b"important").unwrap();
    assert!(SocketLink::listen(&path, 4).await.is_err());
    assert_eq!(std::fs::read(&path).unwrap(), b"important");
    std::fs::remove_file(&path).unwrap();
}

#[tokio::test]
async fn pg_link_stops_listening_when_the_receiver_goes() {
    let url = fresh_pg_url().await;
    let (_link, rx) = PgLink::connect(&url, 4).await.unwrap();
    let mut conn = <sqlx::AnyConnection as sqlx::Connection>::connect(&url)
        .await
        .unwrap();
    const LISTENERS: &str = "SELECT COUNT(*) FROM pg_stat_activity \
         WHERE datname = current_database() AND query LIKE 'LISTEN%'";
    let count: i64 = sqlx::query_scalar(LISTENERS)
        .fetch_one(&mut conn)
        .await
        .unwrap();
    assert_eq!(count, 1);
    drop(rx);
    let mut count = 1;
    for _ in 0..100 {
        count = sqlx::query_scalar(LISTENERS)
            .fetch_one(&mut conn)
            .await
            .unwrap();
        if count == 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(count, 0, "the listening connection is closed");
}
