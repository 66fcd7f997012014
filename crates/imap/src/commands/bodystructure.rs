//! BODY and BODYSTRUCTURE (RFC 3501 §7.4.2): the MIME tree as the wire describes it; BODY
//! without the extension data.

use crate::mime::{Fields, Kind, Part};
use imap_codec::imap_types::body::{
    BasicFields, Body, BodyStructure, Disposition, Language, Location, MultiPartExtensionData,
    SinglePartExtensionData, SpecificFields,
};
use imap_codec::imap_types::core::{IString, NString, Vec1};

pub(crate) fn body_structure(part: &Part<'_>, extended: bool) -> BodyStructure<'static> {
    if let Kind::Multipart(children) = &part.kind {
        let bodies: Vec<BodyStructure<'static>> = children
            .iter()
            .map(|c| body_structure(c, extended))
            .collect();
        if let Ok(bodies) = Vec1::try_from(bodies) {
            return BodyStructure::Multi {
                bodies,
                subtype: istring(&part.fields.subtype),
                extension_data: extended.then(|| MultiPartExtensionData {
                    parameter_list: params(&part.fields.params),
                    tail: Some(disposition(&part.fields)),
                }),
            };
        }
        // A multipart without parts has nothing to list: shown as one empty text part.
        return single(part, &Fields::default(), extended);
    }
    single(part, &part.fields, extended)
}

fn single(part: &Part<'_>, fields: &Fields, extended: bool) -> BodyStructure<'static> {
    let is_empty_multipart = matches!(part.kind, Kind::Multipart(_));
    let (media_type, subtype) = match is_empty_multipart {
        true => ("text", "plain"),
        false => (fields.media_type.as_str(), fields.subtype.as_str()),
    };
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
    let encoding = match fields.encoding.is_empty() {
        true => "7BIT",
        false => fields.encoding.as_str(),
    };
    BodyStructure::Single {
        body: Body {
            basic: BasicFields {
                parameter_list: params(&fields.params),
                id: nstring(fields.id.as_deref()),
                description: nstring(fields.description.as_deref()),
                content_transfer_encoding: istring(encoding),
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
            "* 1 FETCH (BODY ((\"TEXT\" \"plain\" NIL NIL NIL \"7BIT\" 2 1)(\"image\" \"png\" (\"name\" \"a.png\") NIL NIL \"BASE64\" 4) \"mixed\"))\r\n"
                .replace("BODY (", "BODYSTRUCTURE (")
        );
    }
}
