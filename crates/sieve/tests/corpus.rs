//! Runs every script of tests/corpus/ on every message of tests/messages/ and compares
//! with its .expect file (format in tests/corpus/README.md). `SIEVE_BLESS=1` rewrites the
//! expectations from what the scripts do now, for review in the diff.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::fmt::Write as _;
use std::fs;
use std::path::{Path, PathBuf};

use chrono::{DateTime, FixedOffset};
use trekmail_sieve::{Action, Context, Limits, compile, run};

struct Setup {
    envelope_from: String,
    envelope_to: String,
    now: DateTime<FixedOffset>,
    own: Vec<String>,
    folders: Vec<String>,
    limits: Limits,
}

fn list(value: &str) -> Vec<String> {
    value
        .split(',')
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
        .collect()
}

/// The settings lines above the first `==` section, and the sections as text.
fn read_expect(text: &str, name: &str) -> (String, Setup, String) {
    let mut setup = Setup {
        envelope_from: "sender@example.com".into(),
        envelope_to: "me+sieve@example.org".into(),
        now: DateTime::parse_from_rfc3339("2024-03-15T10:30:00+01:00").unwrap(),
        own: vec!["me@example.org".into()],
        folders: list("INBOX, Work, Archive"),
        limits: Limits::default(),
    };
    let split = text.find("\n==").map_or(text.len(), |i| i + 1);
    let split = if text.starts_with("==") { 0 } else { split };
    let (head, body) = text.split_at(split);
    for line in head.lines() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let (key, value) = line
            .split_once(':')
            .unwrap_or_else(|| panic!("{name}: bad line {line:?}"));
        let value = value.trim();
        match key.trim() {
            "envelope-from" => setup.envelope_from = value.into(),
            "envelope-to" => setup.envelope_to = value.into(),
            "now" => setup.now = DateTime::parse_from_rfc3339(value).expect("now: RFC 3339"),
            "own" => setup.own = list(value),
            "folders" => setup.folders = list(value),
            "limits" => {
                for pair in value.split_whitespace() {
                    let (k, v) = pair.split_once('=').expect("limits: key=value");
                    let v: u64 = v.parse().expect("limits: a number");
                    let n = usize::try_from(v).unwrap();
                    let l = &mut setup.limits;
                    match k {
                        "max_script_bytes" => l.max_script_bytes = n,
                        "max_nesting" => l.max_nesting = n,
                        "max_actions" => l.max_actions = n,
                        "max_redirects" => l.max_redirects = n,
                        "max_steps" => l.max_steps = v,
                        "max_variable_bytes" => l.max_variable_bytes = n,
                        "max_variables" => l.max_variables = n,
                        _ => panic!("{name}: unknown limit {k}"),
                    }
                }
            }
            other => panic!("{name}: unknown setting {other}"),
        }
    }
    (head.to_string(), setup, body.to_string())
}

fn show(action: &Action) -> String {
    let flags = |f: &[String]| {
        if f.is_empty() {
            String::new()
        } else {
            format!(" flags={:?}", f.join(" "))
        }
    };
    match action {
        Action::Keep { flags: f } => format!("keep{}", flags(f)),
        Action::FileInto {
            folder,
            flags: f,
            create,
        } => {
            format!(
                "fileinto {folder:?}{}{}",
                flags(f),
                if *create { " create" } else { "" }
            )
        }
        Action::Redirect { address, copy } => {
            format!("redirect {address:?}{}", if *copy { " copy" } else { "" })
        }
        Action::Reject { reason } => format!("reject {reason:?}"),
        Action::Vacation(v) => {
            let mut out = format!("vacation days={} handle={:?}", v.days, v.handle);
            if let Some(s) = &v.subject {
                write!(out, " subject={s:?}").unwrap();
            }
            if let Some(f) = &v.from {
                write!(out, " from={f:?}").unwrap();
            }
            if v.mime {
                out.push_str(" mime");
            }
            write!(out, " reason={:?}", v.reason).unwrap();
            out
        }
    }
}

fn messages(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut out: Vec<(String, Vec<u8>)> = fs::read_dir(dir.join("messages"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "eml"))
        .map(|p| {
            (
                p.file_name().unwrap().to_string_lossy().into_owned(),
                fs::read(&p).unwrap(),
            )
        })
        .collect();
    out.sort();
    out
}

/// What the script does, in the .expect sections' form.
fn actual(source: &str, setup: &Setup, mails: &[(String, Vec<u8>)]) -> String {
    let script = match compile(source, &setup.limits) {
        Ok(script) => script,
        Err(errors) => {
            let mut out = String::from("== compile\n");
            for e in errors.0 {
                writeln!(out, "{}:{}: {}", e.line, e.column, e.message).unwrap();
            }
            return out;
        }
    };
    let mut out = String::new();
    for (name, mail) in mails {
        let exists = |f: &str| setup.folders.iter().any(|k| k == f);
        let cx = Context {
            message: mail,
            envelope_from: &setup.envelope_from,
            envelope_to: &setup.envelope_to,
            now: setup.now,
            own_addresses: &setup.own,
            folder_exists: &exists,
        };
        writeln!(out, "== {name}").unwrap();
        match run(&script, &cx, &setup.limits) {
            Ok(outcome) if outcome.actions.is_empty() => out.push_str("(no actions)\n"),
            Ok(outcome) => {
                for action in &outcome.actions {
                    writeln!(out, "{}", show(action)).unwrap();
                }
            }
            Err(e) => writeln!(out, "error: {e}").unwrap(),
        }
    }
    out
}

fn diff(expected: &str, actual: &str) -> String {
    let (e, a): (Vec<&str>, Vec<&str>) = (expected.lines().collect(), actual.lines().collect());
    let mut out = String::new();
    for i in 0..e.len().max(a.len()) {
        match (e.get(i), a.get(i)) {
            (Some(x), Some(y)) if x == y => writeln!(out, "  {x}").unwrap(),
            (x, y) => {
                if let Some(x) = x {
                    writeln!(out, "- {x}").unwrap();
                }
                if let Some(y) = y {
                    writeln!(out, "+ {y}").unwrap();
                }
            }
        }
    }
    out
}

#[test]
fn corpus() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests");
    let mails = messages(&dir);
    let bless = std::env::var_os("SIEVE_BLESS").is_some();
    let mut scripts: Vec<PathBuf> = fs::read_dir(dir.join("corpus"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "sieve"))
        .collect();
    scripts.sort();
    assert!(scripts.len() >= 40, "only {} corpus scripts", scripts.len());
    let mut failures = Vec::new();
    for path in &scripts {
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let source = fs::read_to_string(path).unwrap();
        let expect_path = path.with_extension("expect");
        let text = fs::read_to_string(&expect_path).unwrap_or_default();
        let (head, setup, expected) = read_expect(&text, &name);
        let got = actual(&source, &setup, &mails);
        if bless {
            fs::write(&expect_path, format!("{head}{got}")).unwrap();
        } else if got != expected {
            failures.push(format!(
                "{name}: expected (-) vs actual (+)\n{}",
                diff(&expected, &got)
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} corpus mismatches:\n\n{}",
        failures.len(),
        failures.join("\n")
    );
}
