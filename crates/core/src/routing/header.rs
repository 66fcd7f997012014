//! A message header read as the routing rules need it: fields by name, unfolded, and the
//! addresses of address fields.

use mail_parser::{HeaderName, HeaderValue, MessageParser};

/// The header's fields as (name, unfolded value), up to the blank line; a line that is no
/// field is skipped.
pub fn fields(body: &[u8]) -> Vec<(String, String)> {
    let mut fields: Vec<(String, String)> = Vec::new();
    for line in body.split(|&b| b == b'\n') {
        let line = String::from_utf8_lossy(line);
        let line = line.trim_end_matches('\r');
        if line.is_empty() {
            break;
        }
        match (line.starts_with([' ', '\t']), fields.last_mut()) {
            (true, Some((_, value))) => value.push_str(line),
            _ => {
                if let Some((name, value)) = line.split_once(':') {
                    fields.push((name.trim().to_owned(), value.trim().to_owned()));
                }
            }
        }
    }
    fields
}

/// The first field called `name` (any case).
pub fn field<'a>(fields: &'a [(String, String)], name: &str) -> Option<&'a str> {
    fields
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_str())
}

/// Every address of the header's fields of these kinds; none if the header does not parse.
pub fn addresses(body: &[u8], names: &[HeaderName<'static>]) -> Vec<String> {
    let Some(parsed) = MessageParser::new().parse_headers(body) else {
        return Vec::new();
    };
    let mut found = Vec::new();
    for name in names {
        for value in parsed.header_values(name.clone()) {
            if let HeaderValue::Address(list) = value {
                found.extend(list.iter().filter_map(|a| a.address()).map(str::to_owned));
            }
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_are_unfolded_and_stop_at_the_body() {
        let raw = b"Subject: a\r\n long one\r\nList-Id: <x.example>\r\n\r\nList-Id: body\r\n";
        let f = fields(raw);
        assert_eq!(field(&f, "subject"), Some("a long one"));
        assert_eq!(f.len(), 2);
        let raw = b"From: A <a@x.example>\r\nCc: b@x.example, C <c@x.example>\r\n\r\n";
        assert_eq!(
            addresses(raw, &[HeaderName::From, HeaderName::Cc]),
            ["a@x.example", "b@x.example", "c@x.example"]
        );
    }
}
