//! Passwords, TOTP steps and recovery codes on both databases.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: failing loudly is the point

mod common;

use common::*;
use trekmail_core::audit::{AuditKind, Channel};
use trekmail_core::ids::{MailboxId, NodeId, Principal, SessionId};
use trekmail_core::store::{
    AuditStore, CredentialStore, RecoveryStatus, SessionRow, SessionStore, StoreError,
};
use trekmail_storage::Backend;

fn session(id: &str, owner: Principal, epoch: i64) -> SessionRow {
    SessionRow {
        id: SessionId(id.into()),
        owner,
        channel: Channel::Imap,
        node: Some(NodeId("node-a".into())),
        remote: Some("192.0.2.7".parse().unwrap()),
        started_at: t(3_000),
        last_seen_at: t(3_000),
        epoch,
    }
}

#[tokio::test]
async fn change_password_bumps_epoch_and_ends_other_sessions() {
    for db in both().await {
        let s = &db.store;
        let (a, _, m) = mailbox_fixture(s).await;
        let who = Principal::Mailbox(m.id);
        for id in ["keep", "gone1", "gone2"] {
            assert!(s.insert_session(&session(id, who, 1), None).await.unwrap());
        }
        // Another principal's session is untouched.
        let owner = Principal::Account(a.id);
        assert!(
            s.insert_session(&session("owner", owner, 1), None)
                .await
                .unwrap()
        );

        let keep = SessionId("keep".into());
        let audit = ev(AuditKind::PasswordChanged, 4_000)
            .principal(who)
            .detail("by user");
        let result = s.change_password(who, "hash-1", Some(&keep), &audit).await;
        assert_eq!(result, Ok((2, 2)), "{}", db.label);

        let creds = s.credentials(who).await.unwrap().unwrap();
        assert_eq!((creds.password_hash.as_str(), creds.epoch), ("hash-1", 2));
        let left = s.sessions_of(who).await.unwrap();
        assert_eq!(left.len(), 1, "{}", db.label);
        assert_eq!(left[0].id, keep);
        assert_eq!(left[0].epoch, 2, "the kept session moves to the new epoch");
        assert_eq!(s.sessions_of(owner).await.unwrap().len(), 1);

        let log = s.audit_of(who, 1).await.unwrap();
        assert_eq!(log[0].event, audit, "{}", db.label);

        // Without keep: every session goes.
        let result = s.change_password(who, "hash-2", None, &audit).await;
        assert_eq!(result, Ok((3, 1)), "{}", db.label);
        assert_eq!(s.sessions_of(who).await.unwrap(), vec![]);

        let nobody = Principal::Mailbox(MailboxId(m.id.0 + 100));
        assert_eq!(
            s.change_password(nobody, "x", None, &audit).await,
            Err(StoreError::NotFound)
        );
    }
}

#[tokio::test]
async fn change_password_is_all_or_nothing() {
    for db in both().await {
        let s = &db.store;
        let (_, _, m) = mailbox_fixture(s).await;
        let who = Principal::Mailbox(m.id);
        assert!(
            s.insert_session(&session("s1", who, 1), None)
                .await
                .unwrap()
        );
        // Make the audit insert, the last step, fail.
        match db.backend() {
            Backend::Sqlite => {
                db.raw(
                    "CREATE TRIGGER refuse_audit BEFORE INSERT ON audit_events \
                     WHEN NEW.kind = 'password_changed' \
                     BEGIN SELECT RAISE(ABORT, 'audit refused'); END",
                )
                .await
            }
            Backend::Postgres => {
                db.raw(
                    "CREATE FUNCTION refuse_audit() RETURNS trigger AS $$ \
                     BEGIN RAISE EXCEPTION 'audit refused'; END $$ LANGUAGE plpgsql; \
                     CREATE TRIGGER refuse_audit BEFORE INSERT ON audit_events FOR EACH ROW \
                     WHEN (NEW.kind = 'password_changed') EXECUTE FUNCTION refuse_audit();",
                )
                .await
            }
        }
        let result = s
            .change_password(who, "hash-1", None, &ev(AuditKind::PasswordChanged, 4_000))
            .await;
        assert!(
            matches!(result, Err(StoreError::Backend(ref m)) if m.contains("audit refused")),
            "{}: {result:?}",
            db.label
        );
        let creds = s.credentials(who).await.unwrap().unwrap();
        assert_eq!(
            (creds.password_hash.as_str(), creds.epoch),
            ("mailbox-hash-0", 1),
            "{}",
            db.label
        );
        assert_eq!(s.sessions_of(who).await.unwrap().len(), 1, "{}", db.label);
    }
}

#[tokio::test]
async fn upgrade_password_hash_only_replaces_the_expected_hash() {
    for db in both().await {
        let s = &db.store;
        let (_, _, m) = mailbox_fixture(s).await;
        let who = Principal::Mailbox(m.id);
        assert!(
            !s.upgrade_password_hash(who, "stale", "new").await.unwrap(),
            "{}",
            db.label
        );
        assert!(
            s.upgrade_password_hash(who, "mailbox-hash-0", "rehashed")
                .await
                .unwrap()
        );
        let creds = s.credentials(who).await.unwrap().unwrap();
        assert_eq!(
            (creds.password_hash.as_str(), creds.epoch),
            ("rehashed", 1),
            "same password, same epoch"
        );
    }
}

#[tokio::test]
async fn totp_on_off_and_replay_refusal() {
    for db in both().await {
        let s = &db.store;
        let (_, _, m) = mailbox_fixture(s).await;
        let who = Principal::Mailbox(m.id);
        s.set_totp(
            who,
            Some(b"sealed"),
            &ev(AuditKind::TwoFactorEnabled, 10).principal(who),
        )
        .await
        .unwrap();
        let creds = s.credentials(who).await.unwrap().unwrap();
        assert_eq!(
            creds.totp_sealed.as_deref(),
            Some(&b"sealed"[..]),
            "{}",
            db.label
        );
        assert_eq!(creds.totp_last_step, None);

        assert!(s.accept_totp_step(who, 100).await.unwrap(), "{}", db.label);
        assert!(
            !s.accept_totp_step(who, 100).await.unwrap(),
            "{}: same step twice",
            db.label
        );
        assert!(
            !s.accept_totp_step(who, 99).await.unwrap(),
            "{}: older step",
            db.label
        );
        assert!(s.accept_totp_step(who, 101).await.unwrap());
        assert_eq!(
            s.credentials(who).await.unwrap().unwrap().totp_last_step,
            Some(101)
        );

        // Racing with one code: exactly one wins.
        let tasks: Vec<_> = (0..6)
            .map(|_| {
                let s = s.clone();
                tokio::spawn(async move { s.accept_totp_step(who, 200).await.unwrap() })
            })
            .collect();
        let mut wins = 0;
        for task in tasks {
            wins += usize::from(task.await.unwrap());
        }
        assert_eq!(wins, 1, "{}", db.label);

        s.set_totp(
            who,
            None,
            &ev(AuditKind::TwoFactorDisabled, 11).principal(who),
        )
        .await
        .unwrap();
        assert_eq!(s.credentials(who).await.unwrap().unwrap().totp_sealed, None);
        let log = s.audit_of(who, 10).await.unwrap();
        assert_eq!(log[0].event.kind, AuditKind::TwoFactorDisabled);
        assert_eq!(log[1].event.kind, AuditKind::TwoFactorEnabled);

        let nobody = Principal::Mailbox(MailboxId(m.id.0 + 100));
        assert_eq!(
            s.set_totp(nobody, None, &ev(AuditKind::TwoFactorDisabled, 12))
                .await,
            Err(StoreError::NotFound)
        );
        assert!(!s.accept_totp_step(nobody, 1).await.unwrap());
    }
}

#[tokio::test]
async fn recovery_codes_replace_redeem_once() {
    for db in both().await {
        let s = &db.store;
        let (_, _, m) = mailbox_fixture(s).await;
        let who = Principal::Mailbox(m.id);
        assert_eq!(s.recovery_status(m.id).await.unwrap(), None);

        s.replace_recovery_code(m.id, b"first", &ev(AuditKind::RecoveryCodeIssued, 100))
            .await
            .unwrap();
        s.replace_recovery_code(m.id, b"second", &ev(AuditKind::RecoveryCodeIssued, 200))
            .await
            .unwrap();
        assert_eq!(
            s.recovery_status(m.id).await.unwrap(),
            Some(RecoveryStatus {
                issued_at: t(200),
                used_at: None
            }),
            "{}",
            db.label
        );

        s.set_totp(who, Some(b"sealed"), &ev(AuditKind::TwoFactorEnabled, 210))
            .await
            .unwrap();
        assert!(
            s.insert_session(&session("s1", who, 1), None)
                .await
                .unwrap()
        );
        assert!(
            s.insert_session(&session("s2", who, 1), None)
                .await
                .unwrap()
        );

        let used = ev(AuditKind::RecoveryCodeUsed, 300).principal(who);
        // The replaced code no longer works, and a miss changes nothing.
        assert_eq!(
            s.redeem_recovery_code(m.id, b"first", "new", &used).await,
            Ok(None),
            "{}",
            db.label
        );
        assert_eq!(
            s.redeem_recovery_code(m.id, b"wrong", "new", &used).await,
            Ok(None)
        );
        let creds = s.credentials(who).await.unwrap().unwrap();
        assert_eq!(
            (creds.password_hash.as_str(), creds.epoch),
            ("mailbox-hash-0", 1)
        );
        assert!(creds.totp_sealed.is_some());
        assert_eq!(s.sessions_of(who).await.unwrap().len(), 2);

        let redeemed = s
            .redeem_recovery_code(m.id, b"second", "reset-hash", &used)
            .await;
        assert_eq!(redeemed, Ok(Some((2, 2))), "{}", db.label);
        let creds = s.credentials(who).await.unwrap().unwrap();
        assert_eq!(
            (creds.password_hash.as_str(), creds.epoch),
            ("reset-hash", 2)
        );
        assert_eq!(creds.totp_sealed, None, "TOTP is off after a recovery");
        assert_eq!(s.sessions_of(who).await.unwrap(), vec![]);
        assert_eq!(
            s.recovery_status(m.id).await.unwrap(),
            Some(RecoveryStatus {
                issued_at: t(200),
                used_at: Some(t(300))
            })
        );
        assert_eq!(s.audit_of(who, 1).await.unwrap()[0].event, used);

        // Single use.
        assert_eq!(
            s.redeem_recovery_code(m.id, b"second", "again", &used)
                .await,
            Ok(None),
            "{}",
            db.label
        );
        assert_eq!(s.credentials(who).await.unwrap().unwrap().epoch, 2);

        // A new code is active again.
        s.replace_recovery_code(m.id, b"third", &ev(AuditKind::RecoveryCodeIssued, 400))
            .await
            .unwrap();
        assert_eq!(
            s.recovery_status(m.id).await.unwrap(),
            Some(RecoveryStatus {
                issued_at: t(400),
                used_at: None
            })
        );
        assert_eq!(
            s.redeem_recovery_code(m.id, b"third", "h", &used).await,
            Ok(Some((3, 0)))
        );

        let nobody = MailboxId(m.id.0 + 100);
        assert_eq!(
            s.replace_recovery_code(nobody, b"x", &ev(AuditKind::RecoveryCodeIssued, 1))
                .await,
            Err(StoreError::NotFound),
            "{}",
            db.label
        );
    }
}
