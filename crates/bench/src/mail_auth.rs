//! Sender authentication's cost: a DKIM signature per message (RSA-2048, Ed25519, both as
//! TrekMail signs; the keys read once, as a node keeps them), and the checks on arrival of a message carrying both (SPF, DKIM, ARC,
//! DMARC; the look-ups answered by a loopback server and then the resolver's cache, as a busy
//! node's are).

use crate::loopback_dns;
use crate::sample_mail;
use std::collections::HashMap;
use std::time::Instant;
use trekmail_mailauth::arrival::{self, Arrival};
use trekmail_mailauth::dns::Dns;
use trekmail_mailauth::keys::{self, DkimAlgorithm};
use trekmail_mailauth::signing::{Signer, SigningKey};

const MESSAGES: usize = 2_000;

pub async fn run() -> anyhow::Result<()> {
    let mut zone = HashMap::new();
    let mut keys = Vec::new();
    for algorithm in DkimAlgorithm::ALL {
        let key = keys::generate(algorithm)?;
        let selector = format!("{}bench", algorithm.as_str());
        zone.insert(
            format!("{selector}._domainkey.example.net"),
            vec![keys::dns_record(algorithm, &key.public_key)],
        );
        keys.push(SigningKey {
            algorithm,
            selector,
            private_der: key.private_der,
        });
    }
    zone.insert(
        "example.net".to_owned(),
        vec!["v=spf1 ip4:127.0.0.1 -all".to_owned()],
    );
    zone.insert(
        "_dmarc.example.net".to_owned(),
        vec!["v=DMARC1; p=reject".to_owned()],
    );
    let messages: Vec<Vec<u8>> = (0..MESSAGES).map(sample_mail::message).collect();

    for (label, chosen) in [
        ("RSA-2048", &keys[..1]),
        ("Ed25519", &keys[1..]),
        ("RSA-2048 and Ed25519", &keys[..]),
    ] {
        let signer = Signer::new("example.net", chosen)?;
        let started = Instant::now();
        for message in &messages {
            signer.sign(message)?;
        }
        let micros = started.elapsed().as_secs_f64() * 1e6 / MESSAGES as f64;
        println!(
            "| DKIM signing, {label}, a 1 KiB message ({MESSAGES} messages) | - | {micros:.0} µs a message | - |"
        );
    }

    let signer = Signer::new("example.net", &keys)?;
    let signed: Vec<Vec<u8>> = messages
        .iter()
        .map(|m| Ok([signer.sign(m)?.into_bytes(), m.clone()].concat()))
        .collect::<anyhow::Result<_>>()?;
    let dns = Dns::new(Some(loopback_dns::start(zone).await?))?;
    let arrival = Arrival {
        remote_ip: "127.0.0.1".parse()?,
        helo: "mx.example.net",
        mail_from: "walker1@example.net",
        hostname: "mx.example.com",
    };
    let first = arrival::check(&dns, &arrival, &signed[0]).await;
    anyhow::ensure!(
        first.header.contains("dkim=pass")
            && first.header.contains("dmarc=pass")
            && first.header.contains("spf=pass"),
        "the checks did not pass: {}",
        first.header
    );
    let started = Instant::now();
    for message in &signed {
        arrival::check(&dns, &arrival, message).await;
    }
    let micros = started.elapsed().as_secs_f64() * 1e6 / MESSAGES as f64;
    println!(
        "| Checks on arrival (SPF, DKIM of both signatures, ARC, DMARC), a 1 KiB message, look-ups cached after the first ({MESSAGES} messages) | - | {micros:.0} µs a message | - |"
    );
    Ok(())
}
