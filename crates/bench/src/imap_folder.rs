//! IMAP on a folder of 100,000 messages, beside Dovecot in the same run: SELECT, `UID FETCH
//! 1:* (FLAGS)`, a one-message FETCH, a header SEARCH, and a CONDSTORE resync after 100
//! changes. The same client, the same messages and the same commands for both servers; each
//! figure is the median of several runs on a folder already opened once (warm), and the first
//! SELECT is shown apart (cold).

use crate::big_folder;
use crate::dovecot::{self, Dovecot};
use crate::imap_client::Client;
use crate::sample_mail::{self, NEEDLE, NEEDLE_EVERY};
use std::time::{Duration, Instant};
use tokio_util::sync::CancellationToken;
use trekmail_core::mail::Flags;
use trekmail_imap::{ImapOptions, ImapServer};
use trekmail_testkit::{Backend, PASSWORD};

pub const MESSAGES: usize = 100_000;
const ROUNDS: usize = 5;
/// How many messages each resync round changes.
const CHANGES: usize = 100;

/// How one figure is taken from a server's.
type Figure = fn(&Figures) -> Duration;

/// One server's figures.
struct Figures {
    first_select: Duration,
    select: Duration,
    fetch_flags: Duration,
    fetch_one: Duration,
    search: Duration,
    resync: Duration,
}

pub async fn run(backends: &[Backend]) -> anyhow::Result<()> {
    let reference = match Dovecot::start(MESSAGES, sample_mail::message).await? {
        Some(server) => Some(measure(server.port, dovecot::USER, dovecot::PASSWORD).await?),
        None => {
            println!(
                "| IMAP folder benchmarks beside Dovecot | - | Dovecot is not installed (apt install dovecot-imapd): TrekMail alone | - |"
            );
            None
        }
    };
    for backend in backends {
        let seeded = crate::imap_memory::cheap_node(*backend).await;
        let walker = big_folder::mailbox(&seeded, "walker@example.com").await?;
        let started = Instant::now();
        big_folder::fill(&seeded, &walker, MESSAGES, |_| Flags::default()).await?;
        let filled = started.elapsed();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let port = listener.local_addr()?.port();
        let shutdown = CancellationToken::new();
        let server = ImapServer::new(seeded.node.core.clone(), ImapOptions::default(), None);
        tokio::spawn(server.serve(listener, false, shutdown.clone()));
        let address = walker.address.to_string();
        let ours = measure(port, &address, PASSWORD).await?;
        shutdown.cancel();
        print(*backend, &ours, reference.as_ref(), filled);
    }
    Ok(())
}

async fn measure(port: u16, user: &str, password: &str) -> anyhow::Result<Figures> {
    let mut client = Client::login(port, user, password).await?;
    let started = Instant::now();
    let opened = client.ok("SELECT INBOX (CONDSTORE)").await?;
    let first_select = started.elapsed();
    anyhow::ensure!(
        opened
            .untagged
            .iter()
            .any(|l| l == &format!("* {MESSAGES} EXISTS")),
        "the folder does not hold {MESSAGES} messages"
    );
    let select = client.median("SELECT INBOX (CONDSTORE)", ROUNDS).await?;
    let fetched = client.ok("UID FETCH 1:* (FLAGS)").await?;
    anyhow::ensure!(
        fetched.untagged.len() == MESSAGES,
        "UID FETCH 1:* answered {} lines",
        fetched.untagged.len()
    );
    let fetch_flags = client.median("UID FETCH 1:* (FLAGS)", ROUNDS).await?;
    let fetch_one = fetch_one(&mut client).await?;
    let search = format!("SEARCH SUBJECT {NEEDLE}");
    let found = client.ok(&search).await?;
    let hits = found
        .data("SEARCH")
        .map_or(0, |s| s.split_whitespace().count());
    anyhow::ensure!(
        hits == MESSAGES / NEEDLE_EVERY,
        "SEARCH found {hits} messages"
    );
    let search = client.median(&search, ROUNDS).await?;
    let resync = resync(port, user, password, &mut client).await?;
    client.ok("LOGOUT").await.ok();
    Ok(Figures {
        first_select,
        select,
        fetch_flags,
        fetch_one,
        search,
        resync,
    })
}

/// One message's flags, size and header, by sequence number, across the folder: the median,
/// after 100 fetches of others to warm the server up (PostgreSQL plans a statement anew for
/// each of its first five uses on each connection of the pool before it keeps the plan; a
/// server that has run a while has kept them).
async fn fetch_one(client: &mut Client) -> anyhow::Result<Duration> {
    let command = |seq: usize| format!("FETCH {seq} (FLAGS RFC822.SIZE BODY.PEEK[HEADER])");
    for i in 0..100 {
        client.ok(&command(1 + (i * 997) % MESSAGES)).await?;
    }
    let mut times = Vec::new();
    for i in 0..51 {
        let seq = 1 + (i * 1_999) % MESSAGES;
        let started = Instant::now();
        let answer = client.ok(&command(seq)).await?;
        times.push(started.elapsed());
        anyhow::ensure!(
            answer.untagged.len() == 1,
            "FETCH {seq} answered no message"
        );
    }
    times.sort();
    Ok(times[times.len() / 2])
}

/// A client back after 100 changes made elsewhere: a new connection that SELECTs with
/// CONDSTORE and asks for what changed since the mod-sequence it knew. The median of rounds.
async fn resync(
    port: u16,
    user: &str,
    password: &str,
    changer: &mut Client,
) -> anyhow::Result<Duration> {
    let mut times = Vec::new();
    for round in 0..ROUNDS {
        let known = changer
            .ok("SELECT INBOX (CONDSTORE)")
            .await?
            .code("HIGHESTMODSEQ")
            .ok_or_else(|| anyhow::anyhow!("no HIGHESTMODSEQ"))?;
        let uids: Vec<String> = (0..CHANGES)
            .map(|i| (1 + round + i * (MESSAGES / CHANGES)).to_string())
            .collect();
        changer
            .ok(&format!(
                "UID STORE {} +FLAGS.SILENT (\\Flagged)",
                uids.join(",")
            ))
            .await?;
        let mut back = Client::login(port, user, password).await?;
        let started = Instant::now();
        back.ok("SELECT INBOX (CONDSTORE)").await?;
        let changed = back
            .ok(&format!("UID FETCH 1:* (FLAGS) (CHANGEDSINCE {known})"))
            .await?;
        times.push(started.elapsed());
        anyhow::ensure!(
            changed.untagged.len() == CHANGES,
            "the resync told {} changes",
            changed.untagged.len()
        );
        back.ok("LOGOUT").await.ok();
    }
    times.sort();
    Ok(times[times.len() / 2])
}

fn print(backend: Backend, ours: &Figures, dovecot: Option<&Figures>, filled: Duration) {
    let database = match backend {
        Backend::Sqlite => "SQLite",
        Backend::Postgres => "PostgreSQL",
    };
    let ms = |d: Duration| match d.as_secs_f64() * 1000.0 {
        small if small < 10.0 => format!("{small:.2} ms"),
        large => format!("{large:.1} ms"),
    };
    let rows: [(&str, Figure); 6] = [
        ("first SELECT (cold)", |f| f.first_select),
        ("SELECT (CONDSTORE), warm", |f| f.select),
        ("UID FETCH 1:* (FLAGS)", |f| f.fetch_flags),
        (
            "FETCH one message (FLAGS RFC822.SIZE BODY.PEEK[HEADER])",
            |f| f.fetch_one,
        ),
        ("SEARCH SUBJECT (100 hits)", |f| f.search),
        (
            "CONDSTORE resync after 100 changes: new connection's SELECT + UID FETCH CHANGEDSINCE",
            |f| f.resync,
        ),
    ];
    for (name, figure) in rows {
        let goal = dovecot.map_or("-".to_string(), |d| format!("≤ Dovecot: {}", ms(figure(d))));
        println!(
            "| IMAP, {MESSAGES}-message folder: {name} | {database} | {} | {goal} |",
            ms(figure(ours))
        );
    }
    println!(
        "| IMAP, filling that folder through the core (1,000 per transaction, each body durable) | {database} | {:.1} s | - |",
        filled.as_secs_f64()
    );
}
