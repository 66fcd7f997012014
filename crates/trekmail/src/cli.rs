//! The command line: `serve`, and the operator commands that go through the same core services.

use clap::{Args, Parser, Subcommand};
use std::path::PathBuf;

#[derive(Debug, Parser)]
#[command(
    name = "trekmail",
    version,
    about = "TrekMail: a self-hosted mail platform built around who can sign in to a mailbox."
)]
pub struct Cli {
    /// The TOML config; without one, TrekMail runs on its embedded defaults.
    #[arg(long, short = 'c', global = true, env = "TREKMAIL_CONFIG")]
    pub config: Option<PathBuf>,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the server.
    Serve,
    /// Accounts: the tenants whose owners sign in to the dashboard.
    #[command(subcommand)]
    Account(AccountCommand),
    /// Domains an account hosts, their DNS records and DKIM keys.
    #[command(subcommand, name = "domains", visible_alias = "domain")]
    Domain(DomainCommand),
    /// Mailboxes.
    #[command(subcommand)]
    Mailbox(MailboxCommand),
    /// Extra addresses of a mailbox.
    #[command(subcommand)]
    Alias(AliasCommand),
    /// Where a mailbox's mail is forwarded.
    #[command(subcommand)]
    Forward(ForwardCommand),
    /// A mailbox's allowed and blocked senders.
    #[command(subcommand)]
    Sender(SenderCommand),
    /// A mailbox's auto-reply.
    #[command(subcommand, name = "auto-reply")]
    AutoReply(AutoReplyCommand),
    /// What comes in to a mailbox: sub-addressing, blocked mail, a domain's catch-all.
    #[command(subcommand)]
    Routing(RoutingCommand),
    /// A mailbox's Sieve scripts.
    #[command(subcommand)]
    Sieve(SieveCommand),
    /// Live sessions of a mailbox.
    #[command(subcommand)]
    Sessions(SessionsCommand),
    /// The outbound mail queue.
    #[command(subcommand)]
    Queue(QueueCommand),
    /// The ACME certificates: their status, and renewal on demand.
    #[command(subcommand)]
    Certificates(crate::commands::certificates::CertificatesCommand),
    /// A mailbox's audit events, newest first.
    Audit {
        address: String,
        #[arg(long, default_value_t = 50)]
        limit: u32,
    },
    /// Back up this node into DIR (new or empty) while it runs: the database, the message
    /// bodies and the server key, checked. On PostgreSQL: the key, and what to run instead.
    Backup { dir: PathBuf },
    /// Restore a backup from DIR into this config's data dir, which must hold no data yet.
    Restore { dir: PathBuf },
}

/// Where a new password comes from.
#[derive(Debug, Args)]
pub struct PasswordSource {
    /// Read the password from the first line of standard input instead of generating one.
    #[arg(long)]
    pub password_stdin: bool,
}

#[derive(Debug, Subcommand)]
pub enum AccountCommand {
    /// Create an account; prints the owner's password once unless --password-stdin.
    Create {
        #[arg(long)]
        email: String,
        /// starter, pro or agency.
        #[arg(long, default_value = "starter")]
        plan: String,
        #[command(flatten)]
        password: PasswordSource,
    },
    /// List accounts.
    List,
    /// Set an account owner's dashboard password (the owner forgot it): every dashboard
    /// session of the owner ends. Prints it once unless --password-stdin.
    SetPassword {
        email: String,
        #[command(flatten)]
        password: PasswordSource,
    },
    /// Turn an account owner's dashboard 2FA off (the owner lost the app).
    #[command(name = "reset-2fa")]
    Reset2fa { email: String },
    /// Set the account's time zone (an IANA name such as Europe/Paris): the days of its
    /// mailboxes' auto-reply dates.
    TimeZone { email: String, zone: String },
    /// Brand the account's webmail (plans with branding only), or --clear it.
    Brand {
        /// The account's owner e-mail.
        email: String,
        /// The host name its mailboxes reach webmail at, e.g. mail.example.com.
        #[arg(long, required_unless_present = "clear")]
        host: Option<String>,
        /// The name shown in the webmail's header.
        #[arg(long, required_unless_present = "clear")]
        name: Option<String>,
        /// The colour, as #RRGGBB.
        #[arg(long, required_unless_present = "clear")]
        colour: Option<String>,
        /// Back to the default TrekMail webmail.
        #[arg(long, conflicts_with_all = ["host", "name", "colour"])]
        clear: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum DomainCommand {
    /// Add a domain to an account, with its first DKIM keys: `domains add ACCOUNT_EMAIL NAME`,
    /// or `domains add --account ACCOUNT_EMAIL NAME`.
    Add {
        /// The account owner's e-mail, then the domain; the domain alone after --account.
        #[arg(value_names = ["ACCOUNT_EMAIL", "NAME"], num_args = 1..=2, required = true)]
        names: Vec<String>,
        /// The account owner's e-mail.
        #[arg(long, value_name = "ACCOUNT_EMAIL")]
        account: Option<String>,
    },
    /// List an account's domains, each with its number of mailboxes.
    List {
        /// The account owner's e-mail (or --account).
        #[arg(
            value_name = "ACCOUNT_EMAIL",
            required_unless_present = "account",
            conflicts_with = "account"
        )]
        email: Option<String>,
        #[arg(long, value_name = "ACCOUNT_EMAIL")]
        account: Option<String>,
    },
    /// Remove a domain no mailbox or alias is on; its DKIM keys go with it.
    Remove { name: String },
    /// The DNS records a domain publishes, one a line as a zone file takes them.
    Records { name: String },
    /// Look each record up in DNS: present, missing, different, or not checkable.
    Check { name: String },
    /// Make new DKIM keys that sign from now on; the old ones stay published until retired.
    #[command(name = "rotate-dkim")]
    RotateDkim { name: String },
    /// Stop publishing a rotated-out DKIM key.
    #[command(name = "retire-dkim")]
    RetireDkim { name: String, selector: String },
}

#[derive(Debug, Subcommand)]
pub enum MailboxCommand {
    /// Create a mailbox at one of an account's domains; prints its password once unless
    /// --password-stdin.
    Create {
        address: String,
        #[arg(long, default_value = "")]
        name: String,
        #[arg(long, default_value_t = 1024)]
        quota_mb: u64,
        #[command(flatten)]
        password: PasswordSource,
    },
    /// List an account's mailboxes.
    List {
        #[arg(long)]
        account: String,
    },
    /// Set a mailbox's password: every session of the mailbox ends at once.
    SetPassword {
        address: String,
        #[command(flatten)]
        password: PasswordSource,
    },
    /// Turn a mailbox's 2FA off (its owner lost the app and has no recovery code).
    #[command(name = "reset-2fa")]
    Reset2fa { address: String },
    /// Delete a mailbox, its credentials and sessions.
    Delete {
        address: String,
        /// Confirm the deletion.
        #[arg(long)]
        yes: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum AliasCommand {
    /// Add an alias (at one of the account's domains) to a mailbox.
    Add { mailbox: String, alias: String },
    /// List a mailbox's aliases.
    List { mailbox: String },
    /// Remove one of a mailbox's aliases.
    Remove { mailbox: String, alias: String },
}

#[derive(Debug, Subcommand)]
pub enum ForwardCommand {
    /// Forward a mailbox's mail to another address too (hosted or external).
    Add {
        mailbox: String,
        destination: String,
    },
    /// List where a mailbox forwards.
    List { mailbox: String },
    /// Stop forwarding a mailbox's mail to a destination.
    Remove {
        mailbox: String,
        destination: String,
    },
}

#[derive(Debug, Subcommand)]
pub enum AutoReplyCommand {
    /// Show a mailbox's auto-reply.
    Show { mailbox: String },
    /// Set a mailbox's auto-reply as a whole (what is not given is empty or the default).
    Set {
        mailbox: String,
        /// on or off.
        #[arg(long)]
        state: Switch,
        #[arg(long, default_value = "")]
        subject: String,
        #[arg(long, default_value = "")]
        text: String,
        /// The first day it answers, YYYY-MM-DD in the account's time zone.
        #[arg(long)]
        from: Option<chrono::NaiveDate>,
        /// The last day it answers (included).
        #[arg(long)]
        until: Option<chrono::NaiveDate>,
        /// Days between two replies to one sender.
        #[arg(long, default_value_t = trekmail_core::routing::DEFAULT_INTERVAL_DAYS)]
        days: u32,
    },
}

#[derive(Debug, Subcommand)]
pub enum SieveCommand {
    /// List a mailbox's scripts, the active one marked.
    List { mailbox: String },
    /// Print one script.
    Show { mailbox: String, name: String },
    /// Check a script file (`-`: standard input): every error with its line and column.
    Check { file: PathBuf },
    /// Save a script file (`-`: standard input) that compiles, as `name`.
    Put {
        mailbox: String,
        name: String,
        file: PathBuf,
    },
    /// Make a script the one that runs on the mailbox's mail.
    Activate { mailbox: String, name: String },
    /// Run no script on the mailbox's mail.
    Deactivate { mailbox: String },
    /// Delete a script that is not the active one.
    Delete { mailbox: String, name: String },
}

#[derive(Debug, Subcommand)]
pub enum SenderCommand {
    /// Put an address or @domain on a mailbox's allowed or blocked senders.
    Add {
        mailbox: String,
        /// allowed or blocked.
        list: String,
        pattern: String,
    },
    /// List a mailbox's allowed and blocked senders.
    List { mailbox: String },
    /// Take an address or @domain off a mailbox's lists.
    Remove { mailbox: String, pattern: String },
}

#[derive(Debug, Subcommand)]
pub enum RoutingCommand {
    /// Show a mailbox's settings, or change them.
    Set {
        mailbox: String,
        /// off, inbox or folders: what mail to user+tag@ does.
        #[arg(long)]
        subaddressing: Option<String>,
        /// refuse or junk: what a blocked sender's message does.
        #[arg(long)]
        blocked_mail: Option<String>,
        /// on or off: keep a copy of forwarded mail.
        #[arg(long)]
        keep_copy: Option<Switch>,
    },
    /// Make a mailbox the catch-all of one of its account's domains, or --off.
    CatchAll {
        mailbox: String,
        domain: String,
        #[arg(long)]
        off: bool,
    },
}

/// A setting's state on the command line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Switch {
    On,
    Off,
}

#[derive(Debug, Subcommand)]
pub enum SessionsCommand {
    /// List a mailbox's live sessions on every channel and node.
    List { address: String },
    /// End a mailbox's sessions: all, or one with --id.
    End {
        address: String,
        #[arg(long)]
        id: Option<String>,
    },
}

#[derive(Debug, Subcommand)]
pub enum QueueCommand {
    /// List the messages waiting for another server, oldest first.
    List,
}
