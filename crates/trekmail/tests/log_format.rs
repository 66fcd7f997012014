//! `[log] format = "json"`: every line `serve` logs is one JSON object with a level, a target
//! and the event's fields, for log shippers; the default stays text.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::*;

fn logged(format: Option<&str>) -> String {
    let (_dir, config) = setup("");
    if let Some(format) = format {
        let mut text = std::fs::read_to_string(&config).unwrap();
        text.push_str(&format!("[log]\nformat = \"{format}\"\n"));
        std::fs::write(&config, text).unwrap();
    }
    let (server, _lines, log) = serve_logged(&config);
    drop(server);
    std::fs::read_to_string(log).unwrap()
}

#[test]
fn json_lines_for_log_shippers_and_text_by_default() {
    let json = logged(Some("json"));
    let lines: Vec<&str> = json.lines().collect();
    assert!(lines.len() > 3, "{json}");
    for line in &lines {
        let event: serde_json::Value =
            serde_json::from_str(line).unwrap_or_else(|e| panic!("not JSON ({e}): {line}"));
        assert!(event["level"].is_string(), "{line}");
        assert!(event["target"].is_string(), "{line}");
        assert!(event["fields"].is_object(), "{line}");
    }
    let text = logged(None);
    assert!(!text.is_empty() && !text.starts_with('{'), "{text}");
}
