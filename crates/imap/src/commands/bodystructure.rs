//! BODY and BODYSTRUCTURE (RFC 3501 §7.4.2): the MIME tree as the wire describes it; BODY
//! without the extension data.

use crate::mime::{Fields, Kind, Part};
use imap_codec::imap_types::body::{
    BasicFields, Body, BodyStructure, Disposition, Language, Location, MultiPartExtensionData,
    SinglePartExtensionData, SpecificFields,
};
use imap_codec::imap_types::core::{IString, NString, Vec1};

pub(crate) fn body_structure(part: &Part<'_>, extended: bool) -> BodyStructure<'static> {
    let Kind::Multipart(children) = &part.kind else {
        return single(part, extended);
    };
    let bodies: Vec<BodyStructure<'static>> = children
        .iter()
        .map(|c| body_structure(c, extended))
        .collect();
    // A multipart must hold a part (RFC 2046 §5.1.1); for one that holds none, Dovecot lists
    // an empty text/plain, and so does this server.
    let bodies = Vec1::try_from(bodies).unwrap_or_else(|_| Vec1::from(empty_text(extended)));
    BodyStructure::Multi {
        bodies,
        subtype: istring(&part.fields.subtype),
        extension_data: extended.then(|| MultiPartExtensionData {
            parameter_list: params(&part.fields.params),
            tail: Some(disposition(&part.fields)),
        }),
    }
}

fn empty_text(extended: bool) -> BodyStructure<'static> {
    let empty = Part {
        start: 0,
        header: b"",
        body: b"",
        fields: Fields {
            media_type: "text".to_owned(),
            subtype: "plain".to_owned(),
            encoding: "7BIT".to_owned(),
            ..Fields::default()
        },
        kind: Kind::Single,
    };
    single(&empty, extended)
}

fn single(part: &Part<'_>, extended: bool) -> BodyStructure<'static> {
    let fields = &part.fields;
    let (media_type, subtype) = (fields.media_type.as_str(), fields.subtype.as_str());
    let specific = match (&part.kind, media_type) {
        (Kind::Message(inner), _) => SpecificFields::Message {
            envelope: Box::new(super::envelope::envelope(part.body)),
            body_structure: Box::new(body_structure(inner, extended)),
            number_of_lines: part.lines(),
        },
        (_, "text") => SpecificFields::Text {
            subtype: istring(subtype),
            number_of_lines: part.lines(),
        },
        _ => SpecificFields::Basic {
            r#type: istring(media_type),
            subtype: istring(subtype),
        },
    };
    // A text part names its charset: us-ascii unless it says otherwise (RFC 2046 §4.1.2).
    let mut parameters = params(&fields.params);
    if media_type == "text" && !fields.params.iter().any(|(k, _)| k == "charset") {
        parameters.push((istring("charset"), istring("us-ascii")));
    }
    BodyStructure::Single {
        body: Body {
            basic: BasicFields {
                parameter_list: parameters,
                id: nstring(fields.id.as_deref()),
                description: nstring(fields.description.as_deref()),
                content_transfer_encoding: istring(&fields.encoding),
                size: u32::try_from(part.body.len()).unwrap_or(u32::MAX),
            },
            specific,
        },
        extension_data: extended.then(|| SinglePartExtensionData {
            md5: nstring(fields.md5.as_deref()),
            tail: Some(disposition(fields)),
        }),
    }
}

fn disposition(fields: &Fields) -> Disposition<'static> {
    Disposition {
        disposition: fields
            .disposition
            .as_ref()
            .map(|(kind, list)| (istring(kind), params(list))),
        tail: Some(Language {
            language: fields.language.iter().map(|l| istring(l)).collect(),
            tail: Some(Location {
                location: nstring(fields.location.as_deref()),
                extensions: Vec::new(),
            }),
        }),
    }
}

/// A string as the wire carries it: quoted when it can be, a literal otherwise; NUL, which
/// neither allows, becomes a space.
fn istring(text: &str) -> IString<'static> {
    let clean = text.replace('\0', " ");
    IString::try_from(clean.clone())
        .or_else(|_| {
            imap_codec::imap_types::core::Literal::try_from(clean.into_bytes()).map(IString::from)
        })
        .unwrap_or_else(|_| IString::from(imap_codec::imap_types::core::Quoted::unvalidated("")))
}

fn nstring(text: Option<&str>) -> NString<'static> {
    NString(text.map(istring))
}

fn params(list: &[(String, String)]) -> Vec<(IString<'static>, IString<'static>)> {
    list.iter().map(|(k, v)| (istring(k), istring(v))).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mime;
    use imap_codec::encode::Encoder;
    use imap_codec::imap_types::fetch::MessageDataItem;

    fn wire(raw: &[u8], extended: bool) -> String {
        let tree = mime::parse(raw);
        let item = MessageDataItem::BodyStructure(body_structure(&tree, extended));
        let data = imap_codec::imap_types::response::Data::Fetch {
            seq: std::num::NonZeroU32::MIN,
            items: Vec1::from(item),
        };
        let bytes = imap_codec::ResponseCodec::default()
            .encode(&imap_codec::imap_types::response::Response::Data(data))
            .dump();
        String::from_utf8(bytes).unwrap()
    }

    #[test]
    fn a_plain_message() {
        let out = wire(b"Subject: x\r\n\r\nbody\r\n", true);
        assert_eq!(
            out,
            "* 1 FETCH (BODYSTRUCTURE (\"TEXT\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7BIT\" 6 1 NIL NIL NIL NIL))\r\n"
        );
    }

    #[test]
    fn a_multipart_with_an_attachment() {
        let raw = b"Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\nhi\r\n--b\r\nContent-Type: image/png; name=a.png\r\nContent-Transfer-Encoding: base64\r\n\r\nAAAA\r\n--b--\r\n";
        let out = wire(raw, false);
        assert_eq!(
            out,
            "* 1 FETCH (BODY ((\"TEXT\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7BIT\" 2 0)(\"image\" \"png\" (\"name\" \"a.png\") NIL NIL \"BASE64\" 4) \"mixed\"))\r\n"
                .replace("BODY (", "BODYSTRUCTURE (")
        );
    }

    /// Every field Dovecot reports: parameters with escapes, id, description, MD5,
    /// disposition, languages, location; a message/rfc822 part with its envelope, structure
    /// and lines; an encoding that is not a token read as 7bit.
    #[test]
    fn every_field_as_dovecot_reports_it() {
        let raw = b"Content-Type: multipart/mixed; boundary=\"foo\r\n bar\"\r\n\r\nprologue\r\n\
--foo bar\r\nContent-Type: text/x-myown; charset=us-ascii; foo=\"quoted\\\"string\"\r\n\
Content-ID: <foo@example.com>\r\nContent-MD5: Q2hlY2s=\r\nContent-Disposition: inline; foo=bar\r\n\
Content-Description: =?utf-8?q?d=C3=A9?=\r\nContent-Language: en, fi\r\nContent-Location: http://example.com/t\r\n\
\r\nhello\r\n\r\n--foo bar\r\nContent-Type: message/rfc822\r\n\r\nFrom: sub@domain.org\r\nSubject: submsg\r\n\
Content-Type: multipart/alternative; boundary=\"sub1\"\r\n\r\n--sub1\r\nContent-Type: text/html\r\n\
Content-Transfer-Encoding: 8bit\r\n\r\n<p>Hi</p>\r\n--sub1\r\nContent-Transfer-Encoding: ?invalid\r\n\r\n\
Hi\r\n--sub1--\r\n\r\n--foo bar--\r\n";
        assert_eq!(
            wire(raw, true),
            "* 1 FETCH (BODYSTRUCTURE ((\"TEXT\" \"x-myown\" (\"charset\" \"us-ascii\" \"foo\" \"quoted\\\"string\") \
\"<foo@example.com>\" \"=?utf-8?q?d=C3=A9?=\" \"7BIT\" 7 1 \"Q2hlY2s=\" (\"inline\" (\"foo\" \"bar\")) (\"en\" \"fi\") \
\"http://example.com/t\")(\"MESSAGE\" \"RFC822\" NIL NIL NIL \"7BIT\" 235 (NIL \"submsg\" ((NIL NIL \"sub\" \"domain.org\")) \
((NIL NIL \"sub\" \"domain.org\")) ((NIL NIL \"sub\" \"domain.org\")) NIL NIL NIL NIL NIL) \
((\"TEXT\" \"html\" (\"charset\" \"us-ascii\") NIL NIL \"8BIT\" 9 0 NIL NIL NIL NIL)\
(\"TEXT\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7BIT\" 2 0 NIL NIL NIL NIL) \"alternative\" (\"boundary\" \"sub1\") NIL NIL NIL) \
14 NIL NIL NIL NIL) \"mixed\" (\"boundary\" \"foo bar\") NIL NIL NIL))\r\n"
        );
    }

    #[test]
    fn a_multipart_without_parts_lists_an_empty_text_part() {
        let raw = b"Content-Type: multipart/mixed; boundary=b\r\n\r\nno delimiter at all\r\n";
        assert_eq!(
            wire(raw, false),
            "* 1 FETCH (BODYSTRUCTURE ((\"TEXT\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7BIT\" 0 0) \"mixed\"))\r\n"
        );
    }
}
