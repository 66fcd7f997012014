//! Any script text through the compiler, and what compiles run on fixed messages with
//! small limits: neither may panic, overflow the stack or run away.
#![no_main]

use chrono::DateTime;
use trekmail_sieve::{Context, Limits, compile, run};

const MESSAGES: &[&[u8]] = &[
    b"From: Alice <alice@example.com>\r\nTo: me@example.org\r\nSubject: [dev] hello *world*\r\nDate: Fri, 15 Mar 2024 09:12:00 +0000\r\nX-Score: 7\r\n\r\nHi there, lunch?\r\n",
    b"From: =?UTF-8?Q?Carol_M=C3=BCller?= <carol@example.com>\r\nTo: me+x@example.org\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: text/html\r\n\r\n<p>invoice</p>\r\n--b\r\nContent-Type: application/pdf\r\nContent-Transfer-Encoding: base64\r\n\r\nJVBERi0=\r\n--b--\r\n",
];

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let Ok(source) = std::str::from_utf8(data) else {
        return;
    };
    let limits = Limits {
        max_steps: 2_000,
        max_variable_bytes: 512,
        max_variables: 16,
        ..Limits::default()
    };
    let Ok(script) = compile(source, &limits) else {
        return;
    };
    let Ok(now) = DateTime::parse_from_rfc3339("2024-03-15T10:30:00+01:00") else {
        return;
    };
    let own = ["me@example.org".to_string()];
    let exists = |folder: &str| folder == "Work";
    for message in MESSAGES {
        let cx = Context {
            message,
            envelope_from: "sender@example.com",
            envelope_to: "me+sieve@example.org",
            now,
            own_addresses: &own,
            folder_exists: &exists,
        };
        let _ = run(&script, &cx, &limits);
    }
});
