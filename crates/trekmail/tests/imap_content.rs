//! Message content over IMAP, against `trekmail serve` over raw TCP: sections inside nested
//! messages (RFC 3501 §6.4.5), ENVELOPE with routes and groups (§7.4.2), BODYSTRUCTURE of a
//! message/rfc822 part, and BINARY (RFC 3516) with base64, quoted-printable, literal8 and
//! UNKNOWN-CTE. The expected answers are Dovecot's for the same messages.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::imap_raw::Client;
use common::*;
use std::io::{BufRead, Read};

/// A signed-in client with INBOX selected, on a fresh server kept alive by the `Serve`.
fn selected() -> (Serve, Client) {
    let (_dir, config) = setup("");
    let (server, lines) = serve(&config);
    seed(&config);
    let mut c = Client::connect(imap_port(&lines));
    c.sign_in();
    c.send(b"s SELECT INBOX\r\n");
    assert!(c.until("s ").starts_with("s OK"));
    (server, c)
}

/// Everything the server sends up to and including the line tagged `tag`, literals read
/// whole (so a literal's content can never be taken for the tagged line).
fn answer(c: &mut Client, tag: &str) -> Vec<u8> {
    let mut out = Vec::new();
    loop {
        let mut line = Vec::new();
        c.reader.read_until(b'\n', &mut line).unwrap();
        assert!(!line.is_empty(), "closed before {tag}");
        out.extend_from_slice(&line);
        if let Some(length) = literal_length(&line) {
            let mut data = vec![0; length];
            c.reader.read_exact(&mut data).unwrap();
            out.extend_from_slice(&data);
            continue;
        }
        if line.starts_with(format!("{tag} ").as_bytes()) {
            return out;
        }
    }
}

/// The length a line announces with its closing `{n}` or `~{n}`.
fn literal_length(line: &[u8]) -> Option<usize> {
    let line = std::str::from_utf8(line).ok()?.strip_suffix("}\r\n")?;
    line.rsplit_once('{')?.1.parse().ok()
}

fn append(c: &mut Client, message: &[u8]) {
    c.send(format!("a APPEND INBOX {{{}+}}\r\n", message.len()).as_bytes());
    c.send(message);
    c.send(b"\r\n");
    let out = text(&answer(c, "a"));
    assert!(out.contains("a OK"), "{out}");
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// `FETCH n (items)` and the answer, which must be OK.
fn fetch(c: &mut Client, n: u32, items: &str) -> String {
    c.send(format!("f FETCH {n} ({items})\r\n").as_bytes());
    let out = text(&answer(c, "f"));
    assert!(out.contains("\r\nf OK") || out.starts_with("f OK"), "{out}");
    out
}

/// The data of one section in a FETCH answer: `name {n}\r\n` and the n bytes after it.
fn section(out: &str, name: &str) -> String {
    let at = out
        .find(&format!("{name} {{"))
        .or_else(|| out.find(&format!("{name} ~{{")))
        .unwrap_or_else(|| panic!("no {name} in {out}"));
    let rest = &out[at..];
    let open = rest.find('{').unwrap();
    let close = rest.find("}\r\n").unwrap();
    let length: usize = rest[open + 1..close].parse().unwrap();
    rest[close + 3..close + 3 + length].to_owned()
}

const NESTED_TWICE: &[u8] = b"From: user@domain.org\r\nContent-Type: message/rfc822\r\n\r\n\
From: user2@domain.org\r\nContent-Type: message/rfc822\r\n\r\n\
From: sub@domain.org\r\nSubject: submsg\r\n\r\nHello world\r\n";

const MIXED: &[u8] = b"From: user@domain.org\r\nMime-Version: 1.0\r\n\
Content-Type: multipart/mixed; boundary=\"foo\r\n bar\"\r\n\r\nRoot MIME prologue\r\n\r\n\
--foo bar\r\nContent-Type: text/x-myown; charset=us-ascii\r\n\r\nhello\r\n\r\n\
--foo bar\r\nContent-Type: message/rfc822\r\n\r\n\
From: sub@domain.org\r\nSubject: submsg\r\nContent-Type: multipart/alternative; boundary=\"sub1\"\r\n\r\n\
Sub MIME prologue\r\n--sub1\r\nContent-Type: text/html\r\n\r\n<p>Hello world</p>\r\n\r\n\
--sub1\r\nContent-Type: multipart/digest; boundary=d\r\n\r\n--d\r\n\r\nFrom: m1@example.com\r\n\
Subject: m1\r\n\r\nm1 body\r\n--d\r\nX-Mime: m2 header\r\n\r\nFrom: m2@example.com\r\n\r\nm2 body\r\n\
--d--\r\n\r\n--sub1--\r\nSub MIME epilogue\r\n\r\n--foo bar--\r\nRoot MIME epilogue\r\n";

#[test]
fn sections_inside_nested_messages() {
    let (_server, mut c) = selected();
    append(&mut c, NESTED_TWICE);
    append(&mut c, MIXED);
    let inner = "From: sub@domain.org\r\nSubject: submsg\r\n\r\nHello world\r\n";
    for (name, want) in [
        (
            "BODY[1]",
            "From: user2@domain.org\r\nContent-Type: message/rfc822\r\n\r\nFrom: sub@domain.org\r\nSubject: submsg\r\n\r\nHello world\r\n",
        ),
        (
            "BODY[1.HEADER]",
            "From: user2@domain.org\r\nContent-Type: message/rfc822\r\n\r\n",
        ),
        ("BODY[1.TEXT]", inner),
        ("BODY[1.1]", inner),
        ("BODY[1.1.1]", "Hello world\r\n"),
        (
            "BODY[1.1.HEADER]",
            "From: sub@domain.org\r\nSubject: submsg\r\n\r\n",
        ),
        ("BODY[1.1.TEXT]", "Hello world\r\n"),
        (
            "BODY[1.1.HEADER.FIELDS (SUBJECT X-FOO)]",
            "Subject: submsg\r\n\r\n",
        ),
        ("BODY[1.1.1.1]", ""),
        ("BODY[2]", ""),
    ] {
        let peek = name.replacen("BODY[", "BODY.PEEK[", 1);
        assert_eq!(section(&fetch(&mut c, 1, &peek), name), want, "{name}");
    }
    for (name, want) in [
        ("BODY[1]", "hello\r\n"),
        (
            "BODY[1.MIME]",
            "Content-Type: text/x-myown; charset=us-ascii\r\n\r\n",
        ),
        ("BODY[2.MIME]", "Content-Type: message/rfc822\r\n\r\n"),
        (
            "BODY[2.HEADER.FIELDS.NOT (CONTENT-TYPE)]",
            "From: sub@domain.org\r\nSubject: submsg\r\n\r\n",
        ),
        ("BODY[2.1]", "<p>Hello world</p>\r\n"),
        ("BODY[2.1.MIME]", "Content-Type: text/html\r\n\r\n"),
        // A multipart inside the message inside a multipart; its parts are messages.
        ("BODY[2.2.1.MIME]", "\r\n"),
        (
            "BODY[2.2.1.HEADER]",
            "From: m1@example.com\r\nSubject: m1\r\n\r\n",
        ),
        ("BODY[2.2.1.TEXT]", "m1 body"),
        ("BODY[2.2.2.MIME]", "X-Mime: m2 header\r\n\r\n"),
        ("BODY[2.2.2.1]", "m2 body"),
        ("BODY[2.2.3]", ""),
        ("BODY[1.TEXT]", ""),
        ("BODY[3.1]", ""),
    ] {
        let peek = name.replacen("BODY[", "BODY.PEEK[", 1);
        assert_eq!(section(&fetch(&mut c, 2, &peek), name), want, "{name}");
    }
    // Partial fetches count within the section.
    let out = fetch(&mut c, 1, "BODY.PEEK[1.1.TEXT]<6.20>");
    assert!(out.contains("BODY[1.1.TEXT]<6> {7}\r\nworld\r\n"), "{out}");
}

#[test]
fn envelopes_keep_routes_groups_and_names_as_sent() {
    let (_server, mut c) = selected();
    append(
        &mut c,
        b"Date: Sat, 01 Feb 2007 01:02:03 +0200\r\nFrom: <@route1,@route2:user@domain>\r\n\r\nbody\r\n",
    );
    append(
        &mut c,
        b"From: user@domain (Real Name)\r\nSender: \r\nSubject: =?utf-8?q?caf=C3=A9?=\r\n\
To: group: g1@d1.org, \"G, Two\" <g2@d2.org>;, group2:;\r\nCc: =?utf-8?q?J=C3=B6rg?= <j@x.org>\r\n\
Message-ID: <1@x>\r\n\r\nbody\r\n",
    );
    let route = "(NIL \"@route1,@route2\" \"user\" \"domain\")";
    assert!(
        fetch(&mut c, 1, "ENVELOPE").contains(&format!(
            "ENVELOPE (\"Sat, 01 Feb 2007 01:02:03 +0200\" NIL ({route}) ({route}) ({route}) NIL NIL NIL NIL NIL)"
        )),
        "route"
    );
    let real = "(\"Real Name\" NIL \"user\" \"domain\")";
    let out = fetch(&mut c, 2, "ENVELOPE");
    assert!(
        out.contains(&format!(
            "ENVELOPE (NIL \"=?utf-8?q?caf=C3=A9?=\" ({real}) ({real}) ({real}) \
((NIL NIL \"group\" NIL)(NIL NIL \"g1\" \"d1.org\")(\"G, Two\" NIL \"g2\" \"d2.org\")(NIL NIL NIL NIL)\
(NIL NIL \"group2\" NIL)(NIL NIL NIL NIL)) ((\"=?utf-8?q?J=C3=B6rg?=\" NIL \"j\" \"x.org\")) NIL NIL \"<1@x>\")"
        )),
        "{out}"
    );
}

#[test]
fn bodystructure_of_a_message_inside_a_multipart() {
    let (_server, mut c) = selected();
    append(&mut c, MIXED);
    let out = fetch(&mut c, 1, "BODYSTRUCTURE");
    for part in [
        "(\"TEXT\" \"x-myown\" (\"charset\" \"us-ascii\") NIL NIL \"7BIT\" 7 1 NIL NIL NIL NIL)",
        "(\"MESSAGE\" \"RFC822\" NIL NIL NIL \"7BIT\" ",
        "(NIL \"submsg\" ((NIL NIL \"sub\" \"domain.org\"))",
        "(\"TEXT\" \"html\" (\"charset\" \"us-ascii\") NIL NIL \"7BIT\" 20 1 NIL NIL NIL NIL)",
        "(\"MESSAGE\" \"RFC822\" NIL NIL NIL \"7BIT\" 44 (NIL \"m1\" ",
        "\"digest\" (\"boundary\" \"d\") NIL NIL NIL)",
        "\"mixed\" (\"boundary\" \"foo bar\") NIL NIL NIL))",
    ] {
        assert!(out.contains(part), "{part} not in {out}");
    }
    let body = fetch(&mut c, 1, "BODY");
    assert!(
        body.contains(
            "BODY ((\"TEXT\" \"x-myown\" (\"charset\" \"us-ascii\") NIL NIL \"7BIT\" 7 1)"
        ),
        "{body}"
    );
}

const ENCODED: &[u8] = b"From: a@x\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\n\
Content-Transfer-Encoding: base64\r\n\r\naGVsbG8g\r\nd29ybGQ=\r\n--b\r\n\
Content-Transfer-Encoding: quoted-printable\r\n\r\ncaf=C3=A9 =3D soft=\r\nbreak\r\n--b\r\n\
Content-Type: application/octet-stream\r\nContent-Transfer-Encoding: base64\r\n\r\nAAECAw==\r\n--b\r\n\
Content-Transfer-Encoding: x-uuencode\r\n\r\nbegin 644 x\r\n--b--\r\n";

#[test]
fn binary_decodes_parts_and_appends_literal8() {
    let (_server, mut c) = selected();
    c.send(b"c CAPABILITY\r\n");
    let caps = text(&answer(&mut c, "c"));
    assert!(caps.contains(" BINARY"), "{caps}");
    append(&mut c, ENCODED);
    let out = fetch(
        &mut c,
        1,
        "BINARY.PEEK[1] BINARY.SIZE[1] BINARY.PEEK[2] BINARY.SIZE[2]",
    );
    assert!(out.contains("BINARY[1] ~{11}\r\nhello world"), "{out}");
    assert!(out.contains("BINARY.SIZE[1] 11"), "{out}");
    assert!(out.contains("BINARY[2] ~{17}\r\ncafé = softbreak"), "{out}");
    assert!(out.contains("BINARY.SIZE[2] 17"), "{out}");
    // Decoded data goes as literal8, as from Dovecot; a part not there is empty.
    let out = fetch(
        &mut c,
        1,
        "BINARY.PEEK[3] BINARY.PEEK[1]<6.100> BINARY.PEEK[9]",
    );
    assert!(
        out.contains("BINARY[3] ~{4}\r\n\x00\x01\x02\x03"),
        "{out:?}"
    );
    // A partial one names its origin (RFC 3516 §4.2), in a response of its own.
    assert!(
        out.contains("* 1 FETCH (BINARY[1]<6> ~{5}\r\nworld)"),
        "{out}"
    );
    assert!(out.contains("BINARY[9] {0}\r\n"), "{out}");
    c.send(b"p UID FETCH 1 (BINARY.PEEK[1]<0.5>)\r\n");
    let out = text(&answer(&mut c, "p"));
    assert!(
        out.contains("FETCH (UID 1 BINARY[1]<0> ~{5}\r\nhello)"),
        "{out}"
    );
    assert_eq!(out.matches("* 1 FETCH").count(), 1, "{out}");
    // PEEK left the message unseen; BINARY itself marks it \Seen.
    assert!(!fetch(&mut c, 1, "FLAGS").contains("\\Seen"));
    assert!(fetch(&mut c, 1, "BINARY[1]").contains("\\Seen"));
    // An encoding the server cannot undo.
    c.send(b"u FETCH 1 (BINARY.PEEK[4])\r\n");
    let refused = text(&answer(&mut c, "u"));
    assert!(refused.contains("u NO [UNKNOWN-CTE]"), "{refused}");
    // The body of BODY[] is untouched by all this.
    assert!(section(&fetch(&mut c, 1, "BODY.PEEK[3]"), "BODY[3]") == "AAECAw==");

    // APPEND with a literal8 holding NUL, synchronizing: the server asks for it with `+`.
    // Not decoded, but NUL cannot go in a literal: literal8 carries it.
    let message =
        b"Subject: bin\r\nContent-Type: application/octet-stream\r\n\r\n\x00\x01binary\x00\r\n";
    c.send(format!("b APPEND INBOX ~{{{}}}\r\n", message.len()).as_bytes());
    assert!(c.line().starts_with('+'));
    c.send(message);
    c.send(b"\r\n");
    let appended = text(&answer(&mut c, "b"));
    assert!(appended.contains("b OK"), "{appended}");
    // And non-synchronizing (LITERAL+), no `+` awaited.
    c.send(b"n APPEND INBOX ~{9+}\r\n\r\n\x00abc\x00\r\n\r\n");
    let appended = text(&answer(&mut c, "n"));
    assert!(appended.contains("n OK"), "{appended}");
    let out = fetch(&mut c, 2, "BINARY.PEEK[1] BINARY.SIZE[]");
    assert!(
        out.contains("BINARY[1] ~{11}\r\n\x00\x01binary\x00\r\n"),
        "{out:?}"
    );
    assert!(
        out.contains(&format!("BINARY.SIZE[] {}", message.len())),
        "{out}"
    );
    let out = fetch(&mut c, 3, "BINARY.PEEK[1]");
    assert!(out.contains("BINARY[1] ~{7}\r\n\x00abc\x00\r\n"), "{out:?}");

    // BINARY[] of a multipart decodes each part under a header that says so.
    append(
        &mut c,
        b"Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\n\
Content-Transfer-Encoding: base64\r\n\r\naGVsbG8gd29ybGQ=\r\n--b--\r\n",
    );
    let whole = "Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\n\
Content-Transfer-Encoding: binary\r\n\r\nhello world\r\n--b--\r\n";
    let out = fetch(&mut c, 4, "BINARY.PEEK[] BINARY.SIZE[]");
    assert!(
        out.contains(&format!("BINARY[] ~{{{}}}\r\n{whole}", whole.len())),
        "{out}"
    );
    assert!(
        out.contains(&format!("BINARY.SIZE[] {}", whole.len())),
        "{out}"
    );
}
