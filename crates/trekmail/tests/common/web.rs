//! What the dashboard's and the webmail's tests share: curl, and reading its answers.

use std::process::Command;

/// curl with `args`; the answer's headers and body (`-i`), at most 10 s.
pub fn curl(args: &[&str]) -> String {
    let out = Command::new("curl")
        .args(["-s", "-i", "--max-time", "10"])
        .args(args)
        .output()
        .unwrap();
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// The rest of the first line of `out` that starts with `prefix`.
pub fn line_value(out: &str, prefix: &str) -> String {
    out.lines()
        .find_map(|l| l.strip_prefix(prefix))
        .unwrap_or_else(|| panic!("no {prefix:?} in {out}"))
        .trim()
        .to_owned()
}

/// The value an answer set for cookie `name`.
pub fn set_cookie(response: &str, name: &str) -> String {
    line_value(response, &format!("set-cookie: {name}="))
        .split(';')
        .next()
        .unwrap_or_default()
        .to_owned()
}
