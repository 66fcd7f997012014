//! Dovecot beside TrekMail, as the reference the IMAP benchmarks are set against: a private
//! instance on a loopback port, with a static password and a maildir filled with the same
//! messages, started from a scratch directory, stopped and removed (its maildir too) when
//! dropped. Absent when Debian's
//! `dovecot-imapd` is not installed; the benchmark then says so.

use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

const DOVECOT: &str = "/usr/sbin/dovecot";
pub const USER: &str = "walker";
pub const PASSWORD: &str = "Bench-pass-2026";

pub struct Dovecot {
    dir: PathBuf,
    config: PathBuf,
    pub port: u16,
}

impl Dovecot {
    /// A Dovecot whose one user's INBOX holds `messages` made by `message`, or `None` when
    /// Dovecot is not installed.
    pub async fn start(
        messages: usize,
        message: impl Fn(usize) -> Vec<u8>,
    ) -> anyhow::Result<Option<Dovecot>> {
        if !Path::new(DOVECOT).exists() {
            return Ok(None);
        }
        let dir = trekmail_testkit::scratch_dir();
        let home = dir.join("home");
        let cur = home.join("Maildir/cur");
        std::fs::create_dir_all(&cur)?;
        std::fs::create_dir_all(home.join("Maildir/new"))?;
        std::fs::create_dir_all(home.join("Maildir/tmp"))?;
        // Names sort in the order the messages were made, so Dovecot's UIDs follow it.
        for i in 0..messages {
            let body = message(i);
            let name = format!("{}.M{i}P1.bench,S={}:2,", 1_700_000_000 + i, body.len());
            std::fs::write(cur.join(name), body)?;
        }
        let (user, uid) = mail_user(&dir)?;
        if uid == 0 {
            chown_tree(&dir, &user)?;
        }
        let port = free_port()?;
        let config = dir.join("dovecot.conf");
        std::fs::write(&config, config_text(&dir, &home, &user, uid, port))?;
        let started = Command::new(DOVECOT).arg("-c").arg(&config).status()?;
        anyhow::ensure!(
            started.success(),
            "dovecot did not start; see {}",
            dir.join("dovecot.log").display()
        );
        for _ in 0..100 {
            if tokio::net::TcpStream::connect(("127.0.0.1", port))
                .await
                .is_ok()
            {
                return Ok(Some(Dovecot { dir, config, port }));
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        anyhow::bail!("dovecot did not listen on port {port}")
    }
}

impl Drop for Dovecot {
    fn drop(&mut self) {
        let _ = Command::new("doveadm")
            .arg("-c")
            .arg(&self.config)
            .arg("stop")
            .status();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// Who owns the mail: this user, or Dovecot's own unprivileged user when running as root
/// (Dovecot refuses mail access as UID 0).
fn mail_user(dir: &Path) -> anyhow::Result<(String, u32)> {
    let uid = std::fs::metadata(dir)?.uid();
    if uid != 0 {
        let name = std::env::var("USER").unwrap_or_else(|_| uid.to_string());
        return Ok((name, uid));
    }
    Ok(("dovecot".to_string(), 0))
}

fn chown_tree(dir: &Path, user: &str) -> anyhow::Result<()> {
    let status = Command::new("chown")
        .arg("-R")
        .arg(format!("{user}:{user}"))
        .arg(dir)
        .status()?;
    anyhow::ensure!(status.success(), "chown of {} failed", dir.display());
    Ok(())
}

fn free_port() -> anyhow::Result<u16> {
    let listener = std::net::TcpListener::bind("127.0.0.1:0")?;
    Ok(listener.local_addr()?.port())
}

fn config_text(dir: &Path, home: &Path, user: &str, uid: u32, port: u16) -> String {
    let (dir, home) = (dir.display(), home.display());
    // As root, the master drops to Dovecot's Debian users; otherwise all runs as this user.
    let users = match uid {
        0 => "default_login_user = dovenull\ndefault_internal_user = dovecot\n".to_string(),
        _ => format!("default_login_user = {user}\ndefault_internal_user = {user}\n"),
    };
    format!(
        "base_dir = {dir}/run\n\
         state_dir = {dir}/state\n\
         log_path = {dir}/dovecot.log\n\
         protocols = imap\n\
         listen = 127.0.0.1\n\
         ssl = no\n\
         disable_plaintext_auth = no\n\
         first_valid_uid = 1\n\
         {users}\
         mail_location = maildir:~/Maildir\n\
         passdb {{\n  driver = static\n  args = password={PASSWORD}\n}}\n\
         userdb {{\n  driver = static\n  args = uid={user} gid={user} home={home}\n}}\n\
         service imap-login {{\n  inet_listener imap {{\n    port = {port}\n  }}\n  inet_listener imaps {{\n    port = 0\n  }}\n}}\n\
         protocol imap {{\n  mail_max_userip_connections = 100\n}}\n"
    )
}
