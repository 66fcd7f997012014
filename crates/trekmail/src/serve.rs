//! `trekmail serve`: the node's background work, until Ctrl-C or SIGTERM.

use crate::certificate_manager::CertificateManager;
use crate::config::Config;
use crate::node::{self, Role};
use anyhow::{Context, Result};
use std::time::Duration;
use tokio_util::sync::CancellationToken;

pub async fn run(config: &Config) -> Result<()> {
    let node = node::open(config, Role::Server).await?;
    let keyed = node
        .core
        .add_missing_dkim_keys(&node.operator)
        .await
        .context("making the DKIM keys of domains that have none")?;
    if keyed > 0 {
        tracing::info!(domains = keyed, "DKIM keys made for domains that had none");
    }
    let tls = crate::tls::prepare(config)?;
    let certificates = std::sync::Arc::new(CertificateManager::open(config, tls)?);
    let acceptor = certificates.tls().clone();
    let shutdown = CancellationToken::new();
    let operator = node.operator.scope();
    let acme_http = certificates.start(node.core.clone(), operator, shutdown.clone());
    let acme_http = acme_http.await?;
    let background = node.core.start(node.inbound, shutdown.clone());
    crate::logging::count_statements(node.core.metrics());
    let served = acceptor.certificates().clone();
    let certificate_expiry = trekmail_web::CertificateExpiry::new(move || served.not_after());
    let imap_server = trekmail_imap::ImapServer::new(
        node.core.clone(),
        config.imap.options(&config.trusted_proxies),
        Some(acceptor.clone()),
    );
    let mut imap = Vec::new();
    for (key, address, implicit_tls) in [
        ("listen", &config.imap.listen, false),
        ("tls_listen", &config.imap.tls_listen, true),
    ] {
        if address.is_empty() {
            imap.push(None);
            continue;
        }
        let listener = tokio::net::TcpListener::bind(address)
            .await
            .with_context(|| format!("imap.{key}: cannot listen on {address}"))?;
        let bound = listener.local_addr()?;
        let task = tokio::spawn(imap_server.clone().serve(
            listener,
            implicit_tls,
            shutdown.clone(),
        ));
        imap.push(Some((bound, task)));
    }

    let dashboard = WebSection {
        name: "dashboard",
        listen: &config.dashboard.listen,
        tls: config.dashboard.tls,
        secure_cookies: config.dashboard.secure_cookies,
        limits: trekmail_net::Limits {
            max_connections: config.dashboard.max_connections,
            max_per_ip: config.dashboard.max_connections_per_ip,
        },
        idle_timeout: Duration::from_secs(config.dashboard.idle_timeout_secs.max(1)),
        channel: trekmail_web::WebChannel::Dashboard,
        certificate_expiry: certificate_expiry.clone(),
    };
    let dashboard = web_listener(dashboard, config, &node.core, &certificates, &shutdown).await?;
    let webmail = WebSection {
        name: "webmail",
        listen: &config.webmail.listen,
        tls: config.webmail.tls,
        secure_cookies: config.webmail.secure_cookies,
        limits: trekmail_net::Limits {
            max_connections: config.webmail.max_connections,
            max_per_ip: config.webmail.max_connections_per_ip,
        },
        idle_timeout: Duration::from_secs(config.webmail.idle_timeout_secs.max(1)),
        channel: trekmail_web::WebChannel::Webmail,
        certificate_expiry: certificate_expiry.clone(),
    };
    let webmail = web_listener(webmail, config, &node.core, &certificates, &shutdown).await?;
    let metrics = match config.metrics.enabled {
        true => {
            let address = config.metrics.listen;
            let listener = tokio::net::TcpListener::bind(address)
                .await
                .with_context(|| format!("metrics.listen: cannot listen on {address}"))?;
            let bound = listener.local_addr()?;
            let task = tokio::spawn(trekmail_web::serve_metrics(
                node.core.clone(),
                listener,
                certificate_expiry.clone(),
                shutdown.clone(),
            ));
            Some((bound, task))
        }
        false => None,
    };
    let smtp_options = trekmail_smtp::SmtpOptions {
        spool_dir: config.data_dir.join("spool"),
        trusted_proxies: config.trusted_proxies.clone(),
        ..config.smtp.options()
    };
    let smtp = trekmail_smtp::Smtp::new(node.core.clone(), smtp_options, Some(acceptor.clone()));
    let mut smtp_tasks = Vec::new();
    let mut smtp_bound = Vec::new();
    for (key, address, role, implicit_tls) in [
        (
            "submission_listen",
            &config.smtp.submission_listen,
            trekmail_smtp::Role::Submission,
            false,
        ),
        (
            "submissions_listen",
            &config.smtp.submissions_listen,
            trekmail_smtp::Role::Submission,
            true,
        ),
        (
            "inbound_listen",
            &config.smtp.inbound_listen,
            trekmail_smtp::Role::Inbound,
            false,
        ),
    ] {
        if address.is_empty() {
            smtp_bound.push(None);
            continue;
        }
        let listener = tokio::net::TcpListener::bind(address)
            .await
            .with_context(|| format!("smtp.{key}: cannot listen on {address}"))?;
        smtp_bound.push(Some(listener.local_addr()?));
        smtp_tasks.push(tokio::spawn(smtp.clone().serve(
            listener,
            role,
            implicit_tls,
            shutdown.clone(),
        )));
    }
    let managesieve = trekmail_managesieve::ManageSieveServer::new(
        node.core.clone(),
        config.managesieve.options(&config.trusted_proxies),
        Some(acceptor.clone()),
    );
    let managesieve_task = match config.managesieve.listen.as_str() {
        "" => None,
        address => {
            let listener = tokio::net::TcpListener::bind(address)
                .await
                .with_context(|| format!("managesieve.listen: cannot listen on {address}"))?;
            let bound = listener.local_addr()?;
            let task = tokio::spawn(managesieve.clone().serve(listener, shutdown.clone()));
            Some((bound, task))
        }
    };
    let queue = tokio::spawn(
        smtp.clone()
            .run_queue(config.smtp.queue()?, shutdown.clone()),
    );

    println!(
        "TrekMail is running (node {}).",
        node.core.registry().node()
    );
    println!("  database:   {}", describe_database(config));
    println!("  server key: {}", config.key_file().display());
    println!("  TLS:        {}", certificates.describe());
    if let Some(address) = acme_http {
        println!("  ACME HTTP:  {address} (HTTP-01 tokens; the rest redirected to HTTPS)");
    }
    if !config.is_postgres() {
        println!("  control:    {}", config.socket_path().display());
    }
    let imap_notes = [
        format!(
            "(STARTTLS; passwords without TLS {})",
            config.imap.plaintext_auth.describe()
        ),
        "(implicit TLS)".to_owned(),
    ];
    for ((label, bound), note) in ["IMAP: ", "IMAPS:"].iter().zip(&imap).zip(&imap_notes) {
        match bound {
            Some((address, _)) => println!("  {label}      {address} {note}"),
            None => println!("  {label}      off"),
        }
    }
    match &dashboard {
        Some((address, https, _)) => println!(
            "  Dashboard:  {}://{address}/",
            if *https { "https" } else { "http" }
        ),
        None => println!("  Dashboard:  off"),
    }
    match &webmail {
        Some((address, https, _)) => println!(
            "  Webmail:    {}://{address}/",
            if *https { "https" } else { "http" }
        ),
        None => println!("  Webmail:    off"),
    }
    let labels = [
        "SMTP submission: ",
        "SMTP submissions:",
        "SMTP inbound:    ",
    ];
    let notes = [
        format!(
            "(STARTTLS; AUTH without TLS {})",
            config.smtp.plaintext_auth.describe()
        ),
        "(implicit TLS)".to_owned(),
        "(hosted domains)".to_owned(),
    ];
    for ((label, bound), note) in labels.iter().zip(&smtp_bound).zip(&notes) {
        match bound {
            Some(address) => println!("  {label} {address} {note}"),
            None => println!("  {label} off"),
        }
    }
    match &managesieve_task {
        Some((address, _)) => println!(
            "  ManageSieve:      {address} (STARTTLS; passwords without TLS {})",
            config.managesieve.plaintext_auth.describe()
        ),
        None => println!("  ManageSieve:      off"),
    }
    match &metrics {
        Some((address, _)) => println!("  Metrics:          http://{address}/metrics"),
        None => println!("  Metrics:          off"),
    }
    match config.smtp.relay.as_str() {
        "" => println!("  SMTP outbound:    by MX look-up"),
        relay => println!("  SMTP outbound:    through {relay}"),
    }
    println!("Press Ctrl-C to stop.");

    wait_for_signal(&certificates).await?;
    tracing::info!("stopping");
    shutdown.cancel();
    // Every connection says its closing reply, within the deadline; whatever is still running
    // then (a stuck client, a slow query) is left to the process's exit.
    let deadline = std::time::Duration::from_secs(config.shutdown_secs);
    let stopped = tokio::time::timeout(deadline, async {
        for (_, task) in imap.into_iter().flatten() {
            let _ = task.await;
        }
        for task in smtp_tasks {
            let _ = task.await;
        }
        if let Some((_, task)) = managesieve_task {
            let _ = task.await;
        }
        imap_server.closed().await;
        smtp.closed().await;
        managesieve.closed().await;
        if let Some((_, _, task)) = dashboard {
            let _ = task.await;
        }
        if let Some((_, _, task)) = webmail {
            let _ = task.await;
        }
        if let Some((_, task)) = metrics {
            let _ = task.await;
        }
        // An attempt in flight is bounded by its own timeouts; its lease covers a cut-off one.
        let _ = queue.await;
        let _ = background.await;
    })
    .await;
    if stopped.is_err() {
        tracing::warn!(?deadline, "stopping without waiting any longer");
    }
    Ok(())
}

/// The database URL without its password.
fn describe_database(config: &Config) -> String {
    let url = config.database_url();
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            let credentials = &url[scheme + 3..at];
            match credentials.split_once(':') {
                Some((user, _)) => format!("{}{user}:***{}", &url[..scheme + 3], &url[at..]),
                None => url.clone(),
            }
        }
        _ => url,
    }
}

/// Until Ctrl-C or SIGTERM; each SIGHUP re-reads the certificates.
async fn wait_for_signal(certificates: &CertificateManager) -> Result<()> {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        let mut term = signal(SignalKind::terminate())?;
        let mut hangup = signal(SignalKind::hangup())?;
        loop {
            tokio::select! {
                r = tokio::signal::ctrl_c() => return Ok(r?),
                _ = term.recv() => return Ok(()),
                _ = hangup.recv() => certificates.reload(),
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = certificates;
        tokio::signal::ctrl_c().await?;
        Ok(())
    }
}

/// A `[dashboard]` or `[webmail]` section, and the channel it serves.
struct WebSection<'a> {
    name: &'static str,
    listen: &'a str,
    tls: bool,
    secure_cookies: bool,
    limits: trekmail_net::Limits,
    idle_timeout: Duration,
    channel: trekmail_web::WebChannel,
    certificate_expiry: trekmail_web::CertificateExpiry,
}

/// Where a web listener is bound, whether it speaks HTTPS, and its task.
type WebListener = (
    std::net::SocketAddr,
    bool,
    tokio::task::JoinHandle<std::io::Result<()>>,
);

/// Binds and serves a web channel; `None` when its address is empty.
async fn web_listener(
    section: WebSection<'_>,
    config: &Config,
    core: &std::sync::Arc<trekmail_core::Core>,
    certificates: &CertificateManager,
    shutdown: &CancellationToken,
) -> Result<Option<WebListener>> {
    let WebSection {
        name,
        listen,
        tls,
        secure_cookies,
        limits,
        idle_timeout,
        channel,
        certificate_expiry,
    } = section;
    if listen.is_empty() {
        return Ok(None);
    }
    let listener = tokio::net::TcpListener::bind(listen)
        .await
        .with_context(|| format!("{name}.listen: cannot listen on {listen}"))?;
    let bound = listener.local_addr()?;
    let smtp = config.smtp.options();
    let options = trekmail_web::WebOptions {
        secure_cookies: tls || secure_cookies,
        trusted_proxies: config.trusted_proxies.clone(),
        limits,
        idle_timeout,
        max_message_bytes: smtp.max_message_bytes,
        hostname: smtp.hostname,
        acme_challenges: certificates.tokens(),
        certificate_expiry,
    };
    let task = tokio::spawn(trekmail_web::serve_channel(
        channel,
        core.clone(),
        options,
        listener,
        tls.then(|| certificates.tls().clone()),
        shutdown.clone(),
    ));
    Ok(Some((bound, tls, task)))
}
