//! IMAP sign-in with 2FA on: the password immediately followed by a fresh code from an
//! independent TOTP implementation (oathtool), accepted once.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::side_core::*;
use common::*;

const ANN: &str = "ann@example.com";
const PASSWORD: &str = "Ann-first-pass-1";

#[tokio::test(flavor = "multi_thread")]
async fn with_2fa_on_imap_needs_the_password_and_a_fresh_code_once() {
    let (dir, _config, server, lines) = seeded_node().await;
    let port = imap_port(&lines);
    let key = enroll_mailbox(&side_core(&dir.join("data"), false).await, ANN).await;
    tokio::task::spawn_blocking(move || {
        finish(imap_client(port, ANN, PASSWORD, "login-fail"));
        // The enrolment spent the current step's code: the next step's is fresh.
        let code = oathtool(&key, 30);
        finish(imap_client(
            port,
            ANN,
            &format!("{PASSWORD}{code}"),
            "browse",
        ));
        let replay = finish(imap_client(
            port,
            ANN,
            &format!("{PASSWORD}{code}"),
            "login-fail",
        ));
        assert!(replay.contains("REFUSED"), "{replay}");
        drop(server);
    })
    .await
    .unwrap();
}
