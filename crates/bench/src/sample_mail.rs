//! The messages the folder benchmarks fill a folder with: each different, about 1 KiB, one in
//! every [`NEEDLE_EVERY`] with the word a SEARCH looks for in its subject.

/// One message in this many has [`NEEDLE`] in its subject.
pub const NEEDLE_EVERY: usize = 1_000;
pub const NEEDLE: &str = "quarterly";

const LINE: &str = "The path through the pass is open again after the snow; bring a rope.";

/// Message number `i` of a filled folder.
pub fn message(i: usize) -> Vec<u8> {
    let topic = if i.is_multiple_of(NEEDLE_EVERY) {
        NEEDLE
    } else {
        "weekly"
    };
    let day = 1 + i % 28;
    let mut body = format!(
        "From: Walker {sender} <walker{sender}@example.net>\r\n\
         To: Ann <ann@example.com>\r\n\
         Subject: Trail report {i}, the {topic} summary\r\n\
         Date: Mon, {day} Jun 2026 09:{minute:02}:00 +0000\r\n\
         Message-ID: <{i}.bench@example.net>\r\n\
         MIME-Version: 1.0\r\n\
         Content-Type: text/plain; charset=utf-8\r\n\
         \r\n",
        sender = i % 50,
        minute = i % 60,
    );
    for n in 0..12 {
        body.push_str(&format!("{n:02} {LINE}\r\n"));
    }
    body.into_bytes()
}
