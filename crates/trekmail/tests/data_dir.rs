//! The data dir is private from the first start: the directory 0700 and every file in it
//! (database, WAL, server key, TLS key and certificate, message bodies, control socket) 0600;
//! an older, open one is tightened; a server key others can read stops the start.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::*;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;

/// Every path under `dir` (and `dir` itself) whose mode lets group or others in.
fn open_to_others(dir: &Path) -> Vec<String> {
    let mut found = Vec::new();
    let mode = std::fs::metadata(dir).unwrap().permissions().mode();
    if mode & 0o077 != 0 {
        found.push(format!("{} {:o}", dir.display(), mode & 0o777));
    }
    if dir.is_dir() {
        for entry in std::fs::read_dir(dir).unwrap() {
            found.extend(open_to_others(&entry.unwrap().path()));
        }
    }
    found
}

#[test]
fn the_data_dir_and_every_file_in_it_are_private() {
    let (dir, config) = setup("");
    let data = dir.join("data");
    // An older start left the dir open: it is tightened.
    std::fs::create_dir_all(&data).unwrap();
    std::fs::set_permissions(&data, std::fs::Permissions::from_mode(0o755)).unwrap();
    let (server, lines) = serve(&config);
    seed(&config);
    // A message makes a body file.
    let port = smtp_port(&lines, "inbound");
    let sent = std::process::Command::new("swaks")
        .args([
            "--server",
            &format!("127.0.0.1:{port}"),
            "--to",
            "ann@example.com",
        ])
        .args(["--from", "someone@elsewhere.test", "--silent", "2"])
        .status()
        .unwrap();
    assert!(sent.success());
    assert!(data.join("trekmail.db").exists() && data.join("server.key").exists());
    assert_eq!(open_to_others(&data), Vec::<String>::new());
    drop(server);

    // A server key others can read: the start is refused, saying why.
    std::fs::set_permissions(
        data.join("server.key"),
        std::fs::Permissions::from_mode(0o644),
    )
    .unwrap();
    let refused = fails(&config, &["serve"], None);
    assert!(refused.contains("readable by others"), "{refused}");
}
