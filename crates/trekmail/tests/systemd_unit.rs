//! The systemd unit in `deploy/`: `systemd-analyze verify` finds nothing to say about it (it
//! warns, without failing, about unknown keys and bad values, so any output fails the test),
//! and it keeps the sandbox the README promises.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::process::Command;

const UNIT: &str = include_str!("../../../deploy/trekmail.service");

#[test]
fn the_unit_verifies_cleanly_and_is_sandboxed() {
    for line in [
        "User=trekmail",
        "NoNewPrivileges=yes",
        "ProtectSystem=strict",
        "ProtectHome=yes",
        "AmbientCapabilities=CAP_NET_BIND_SERVICE",
        "CapabilityBoundingSet=CAP_NET_BIND_SERVICE",
        "StateDirectory=trekmail",
        "ExecReload=/bin/kill -HUP $MAINPID",
    ] {
        assert!(UNIT.lines().any(|l| l == line), "the unit lacks {line}");
    }
    // verify checks that ExecStart's program exists: point it at this build's binary.
    let dir = trekmail_testkit::scratch_dir();
    let unit = dir.join("trekmail.service");
    let binary = env!("CARGO_BIN_EXE_trekmail");
    std::fs::write(&unit, UNIT.replace("/usr/local/bin/trekmail", binary)).unwrap();
    let out = Command::new("systemd-analyze")
        .arg("verify")
        .arg(&unit)
        .output()
        .expect("systemd-analyze (Debian's systemd) is needed");
    let said = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.status.success() && said.trim().is_empty(), "{said}");
}

#[test]
fn a_broken_unit_is_caught() {
    // The check above can fail: a wrong value makes verify speak.
    let dir = trekmail_testkit::scratch_dir();
    let unit = dir.join("broken.service");
    std::fs::write(
        &unit,
        UNIT.replace("ProtectSystem=strict", "ProtectSystem=sometimes")
            .replace("/usr/local/bin/trekmail", env!("CARGO_BIN_EXE_trekmail")),
    )
    .unwrap();
    let out = Command::new("systemd-analyze")
        .arg("verify")
        .arg(&unit)
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&out.stderr).contains("sometimes"));
}
