//! Opening a 10 MB message in webmail: an HTML message with a text alternative, an inline
//! image and three large attachments. The time from request to the last byte of the read page
//! (headers, text, the attachment list) and of its HTML frame, on the real webmail router over
//! loopback HTTP; the goal is under 300 ms.

use crate::quantile;
use crate::webmail_list::{sign_in, timed};
use tokio_util::sync::CancellationToken;
use trekmail_core::mail::Flags;
use trekmail_testkit::Backend;
use trekmail_web::{WebChannel, WebOptions};

const REQUESTS: usize = 30;
const GOAL_MS: f64 = 300.0;
/// Each attachment's size before base64: three make the message about 10 MB.
const ATTACHMENT_BYTES: usize = 2_500_000;

pub async fn run(backends: &[Backend]) -> anyhow::Result<()> {
    for backend in backends {
        let seeded = crate::imap_memory::cheap_node(*backend).await;
        let mailbox = &seeded.mailbox;
        let core = &seeded.node.core;
        let access = seeded.node.access(mailbox.id);
        let inbox = core.folder(&access, "INBOX").await?;
        let message = large_message();
        let size = message.len();
        let stored = core
            .append(
                &access,
                &inbox,
                &message,
                Flags::default(),
                chrono::Utc::now(),
            )
            .await?;
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let port = listener.local_addr()?.port();
        let shutdown = CancellationToken::new();
        tokio::spawn(trekmail_web::serve_channel(
            WebChannel::Webmail,
            core.clone(),
            WebOptions::default(),
            listener,
            None,
            shutdown.clone(),
        ));
        let session = sign_in(port, mailbox.address.as_str()).await?;
        let query = format!("folder={}&uid={}", inbox.id.0, stored.uid);
        for (name, path, proof) in [
            ("read page", format!("/read?{query}"), "report-2.bin"),
            (
                "its HTML frame",
                format!("/read/html?{query}"),
                "Quarterly figures",
            ),
        ] {
            let times = timed(port, &session, &path, REQUESTS, |page| {
                anyhow::ensure!(page.contains(proof), "{path} does not show {proof}");
                Ok(())
            })
            .await?;
            println!(
                "| Webmail, open a {:.1} MB message: {name}, {REQUESTS} requests | {} | median {:.1} ms, p99 {:.1} ms | < {GOAL_MS} ms |",
                size as f64 / 1_048_576.0,
                crate::webmail_list::database(*backend),
                quantile(&times, 0.5),
                quantile(&times, 0.99),
            );
        }
        shutdown.cancel();
    }
    Ok(())
}

/// multipart/mixed: an HTML body with its text alternative and an inline image, then three
/// attachments of [`ATTACHMENT_BYTES`] each, base64 in 76-character lines.
fn large_message() -> Vec<u8> {
    let mut out = String::from(
        "From: Finance <finance@example.net>\r\nTo: Ann <ann@example.com>\r\n\
         Subject: Quarterly figures\r\nDate: Mon, 1 Jun 2026 09:00:00 +0000\r\n\
         Message-ID: <large.bench@example.net>\r\nMIME-Version: 1.0\r\n\
         Content-Type: multipart/mixed; boundary=\"outer\"\r\n\r\n\
         --outer\r\nContent-Type: multipart/related; boundary=\"rel\"\r\n\r\n\
         --rel\r\nContent-Type: multipart/alternative; boundary=\"alt\"\r\n\r\n\
         --alt\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n",
    );
    let paragraph =
        "The figures for the quarter are attached; see https://example.net/q2 for the notes.\r\n";
    out.push_str(&paragraph.repeat(200));
    out.push_str("\r\n--alt\r\nContent-Type: text/html; charset=utf-8\r\n\r\n<html><body><h1>Quarterly figures</h1>");
    for _ in 0..200 {
        out.push_str("<p style=\"color:#333\">The figures for the quarter are <b>attached</b>; see <a href=\"https://example.net/q2\">the notes</a>.</p>");
    }
    out.push_str("<img src=\"cid:chart@bench\" alt=\"chart\"></body></html>\r\n--alt--\r\n");
    out.push_str("--rel\r\nContent-Type: image/png\r\nContent-ID: <chart@bench>\r\nContent-Transfer-Encoding: base64\r\n\r\n");
    out.push_str(&base64_lines(&vec![7u8; 20_000]));
    out.push_str("--rel--\r\n");
    for n in 1..=3 {
        out.push_str(&format!(
            "--outer\r\nContent-Type: application/octet-stream\r\n\
             Content-Disposition: attachment; filename=\"report-{n}.bin\"\r\n\
             Content-Transfer-Encoding: base64\r\n\r\n"
        ));
        let data: Vec<u8> = (0..ATTACHMENT_BYTES).map(|i| (i * n) as u8).collect();
        out.push_str(&base64_lines(&data));
    }
    out.push_str("--outer--\r\n");
    out.into_bytes()
}

fn base64_lines(data: &[u8]) -> String {
    let encoded = data_encoding::BASE64.encode(data);
    let mut out = String::with_capacity(encoded.len() + encoded.len() / 38);
    for line in encoded.as_bytes().chunks(76) {
        out.push_str(std::str::from_utf8(line).unwrap_or_default());
        out.push_str("\r\n");
    }
    out
}
