//! SMTP AUTH with 2FA on, through smtplib: the password alone is refused, the password
//! immediately followed by a fresh code from oathtool is accepted, and a replayed code is not.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::side_core::*;
use common::*;

const ANN: &str = "ann@example.com";
const PASSWORD: &str = "Ann-first-pass-1";

fn submit(port: u16, secret: &str, subject: &str) -> String {
    finish(smtp_client(&[
        "submit",
        &port.to_string(),
        "starttls",
        ANN,
        secret,
        ANN,
        ANN,
        subject,
    ]))
}

#[tokio::test(flavor = "multi_thread")]
async fn with_2fa_on_smtp_needs_the_password_and_a_fresh_code_once() {
    let (dir, _config, server, lines) = seeded_node().await;
    let port = smtp_port(&lines, "submission");
    let key = enroll_mailbox(&side_core(&dir.join("data"), false).await, ANN).await;
    tokio::task::spawn_blocking(move || {
        let alone = submit(port, PASSWORD, "password alone");
        assert!(alone.contains("REFUSED 535 5.7.8"), "{alone}");
        // The enrolment spent the current step's code: the next step's is fresh.
        let secret = format!("{PASSWORD}{}", oathtool(&key, 30));
        let sent = submit(port, &secret, "with a code");
        assert!(sent.contains("SENT"), "{sent}");
        let replay = submit(port, &secret, "replayed");
        assert!(replay.contains("REFUSED 535 5.7.8"), "{replay}");
        drop(server);
    })
    .await
    .unwrap();
}
