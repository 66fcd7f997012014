//! Tenant isolation as a matrix: every dashboard route, API endpoint and webmail route,
//! called by account A (owner@example.com, its mailbox ann) with account B's ids (carl's
//! mailbox, B's API token, carl's folder and web session), answers 404 and changes nothing;
//! and every form of both web channels without its CSRF token answers 403.
//! The table is held to the routers' own source: a route added there and not here fails.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::web::*;
use common::*;
use std::collections::BTreeSet;
use std::path::Path;
use trekmail_core::audit::Channel;
use trekmail_core::domain::EmailAddress;
use trekmail_core::ids::Principal;
use trekmail_core::routing::FilterList;
use trekmail_core::services::{Actor, Manager};

const CARL: &str = "carl@other.example";

/// What the matrix does with one route.
enum Probe {
    /// A calls this URL with B's ids in place of `{mailbox}`, `{token}`, `{folder}` and
    /// `{session}`, with this body (forms get A's CSRF token too): 404, redirects followed.
    Foreign(&'static str, &'static str),
    /// The route names no one's id: there is nothing of B's to put in it (why).
    NoIds(&'static str),
}

use Probe::{Foreign, NoIds};

/// Every route: its channel, method and path as its router declares it.
const TABLE: &[(&str, &str, &str, Probe)] = &[
    ("dashboard", "GET", "/", NoIds("redirects to /mailboxes")),
    ("dashboard", "GET", "/signin", NoIds("the signed-out form")),
    (
        "dashboard",
        "POST",
        "/signin",
        NoIds("e-mail and password, through the door"),
    ),
    (
        "dashboard",
        "POST",
        "/signin/code",
        NoIds("a sealed ticket bound to its channel"),
    ),
    (
        "dashboard",
        "POST",
        "/signout",
        NoIds("ends the caller's own session"),
    ),
    (
        "dashboard",
        "GET",
        "/mailboxes",
        NoIds("the caller's own account's list"),
    ),
    (
        "dashboard",
        "POST",
        "/mailboxes",
        NoIds("creates in the caller's own account"),
    ),
    (
        "dashboard",
        "GET",
        "/mailboxes/{id}",
        Foreign("/mailboxes/{mailbox}", ""),
    ),
    (
        "dashboard",
        "GET",
        "/mailboxes/{id}/aliases",
        Foreign("/mailboxes/{mailbox}/aliases", ""),
    ),
    (
        "dashboard",
        "POST",
        "/mailboxes/{id}/aliases",
        Foreign(
            "/mailboxes/{mailbox}/aliases",
            "local_part=intruder&domain=other.example",
        ),
    ),
    (
        "dashboard",
        "POST",
        "/mailboxes/{id}/aliases/{alias}/remove",
        Foreign("/mailboxes/{own}/aliases/{alias}/remove", "x=1"),
    ),
    (
        "dashboard",
        "POST",
        "/mailboxes/{id}/subaddressing",
        Foreign("/mailboxes/{mailbox}/subaddressing", "subaddressing=off"),
    ),
    (
        "dashboard",
        "POST",
        "/mailboxes/{id}/catch-all",
        Foreign("/mailboxes/{own}/catch-all", "domain_id={domain}&on=1"),
    ),
    (
        "dashboard",
        "GET",
        "/mailboxes/{id}/forwarding",
        Foreign("/mailboxes/{mailbox}/forwarding", ""),
    ),
    (
        "dashboard",
        "POST",
        "/mailboxes/{id}/forwarding",
        Foreign(
            "/mailboxes/{mailbox}/forwarding",
            "destination=intruder%40far.example",
        ),
    ),
    (
        "dashboard",
        "POST",
        "/mailboxes/{id}/forwarding/{forward}/remove",
        Foreign("/mailboxes/{own}/forwarding/{forward}/remove", "x=1"),
    ),
    (
        "dashboard",
        "POST",
        "/mailboxes/{id}/keep-copy",
        Foreign("/mailboxes/{mailbox}/keep-copy", "x=1"),
    ),
    (
        "dashboard",
        "GET",
        "/mailboxes/{id}/filters",
        Foreign("/mailboxes/{mailbox}/filters", ""),
    ),
    (
        "dashboard",
        "POST",
        "/mailboxes/{id}/filters",
        Foreign(
            "/mailboxes/{mailbox}/filters",
            "list=allowed&pattern=%40intruder.example",
        ),
    ),
    (
        "dashboard",
        "POST",
        "/mailboxes/{id}/filters/{entry}/remove",
        Foreign("/mailboxes/{own}/filters/{entry}/remove", "x=1"),
    ),
    (
        "dashboard",
        "POST",
        "/mailboxes/{id}/blocked-mail",
        Foreign("/mailboxes/{mailbox}/blocked-mail", "blocked_mail=junk"),
    ),
    (
        "dashboard",
        "GET",
        "/mailboxes/{id}/auto-reply",
        Foreign("/mailboxes/{mailbox}/auto-reply", ""),
    ),
    (
        "dashboard",
        "POST",
        "/mailboxes/{id}/auto-reply",
        Foreign(
            "/mailboxes/{mailbox}/auto-reply",
            "enabled=1&text=intruder&interval_days=1",
        ),
    ),
    (
        "dashboard",
        "POST",
        "/mailboxes/{id}/time-zone",
        Foreign("/mailboxes/{mailbox}/time-zone", "zone=Asia%2FTokyo"),
    ),
    (
        "dashboard",
        "GET",
        "/mailboxes/{id}/sieve",
        Foreign("/mailboxes/{mailbox}/sieve", ""),
    ),
    (
        "dashboard",
        "POST",
        "/mailboxes/{id}/sieve",
        Foreign(
            "/mailboxes/{mailbox}/sieve",
            "intent=save&name=intruder&source=discard%3B",
        ),
    ),
    (
        "dashboard",
        "POST",
        "/mailboxes/{id}/sieve/active",
        Foreign("/mailboxes/{mailbox}/sieve/active", "name="),
    ),
    (
        "dashboard",
        "POST",
        "/mailboxes/{id}/sieve/delete",
        Foreign("/mailboxes/{mailbox}/sieve/delete", "name=rules"),
    ),
    (
        "dashboard",
        "GET",
        "/mailboxes/{id}/security",
        Foreign("/mailboxes/{mailbox}/security", ""),
    ),
    (
        "dashboard",
        "POST",
        "/mailboxes/{id}/password",
        Foreign(
            "/mailboxes/{mailbox}/password",
            "password=Intruder-pass-2026&confirm=Intruder-pass-2026",
        ),
    ),
    (
        "dashboard",
        "GET",
        "/mailboxes/{id}/recovery-code",
        Foreign("/mailboxes/{mailbox}/recovery-code", ""),
    ),
    (
        "dashboard",
        "POST",
        "/mailboxes/{id}/recovery-code",
        Foreign("/mailboxes/{mailbox}/recovery-code", "x=1"),
    ),
    (
        "dashboard",
        "GET",
        "/mailboxes/{id}/storage",
        Foreign("/mailboxes/{mailbox}/storage", ""),
    ),
    (
        "dashboard",
        "POST",
        "/mailboxes/{id}/storage",
        Foreign("/mailboxes/{mailbox}/storage", "quota_mb=5"),
    ),
    (
        "dashboard",
        "GET",
        "/mailboxes/{id}/delete",
        Foreign("/mailboxes/{mailbox}/delete", ""),
    ),
    (
        "dashboard",
        "POST",
        "/mailboxes/{id}/delete",
        Foreign("/mailboxes/{mailbox}/delete", "x=1"),
    ),
    (
        "dashboard",
        "GET",
        "/domains",
        NoIds("the caller's own account's domains"),
    ),
    (
        "dashboard",
        "POST",
        "/domains",
        NoIds("adds to the caller's own account"),
    ),
    (
        "dashboard",
        "GET",
        "/domains/{id}",
        Foreign("/domains/{domain}", ""),
    ),
    (
        "dashboard",
        "POST",
        "/domains/{id}/remove",
        Foreign("/domains/{domain}/remove", "x=1"),
    ),
    (
        "dashboard",
        "POST",
        "/domains/{id}/check",
        Foreign("/domains/{domain}/check", "x=1"),
    ),
    (
        "dashboard",
        "POST",
        "/domains/{id}/dkim/rotate",
        Foreign("/domains/{domain}/dkim/rotate", "x=1"),
    ),
    (
        "dashboard",
        "POST",
        "/domains/{id}/dkim/{selector}/retire",
        Foreign("/domains/{domain}/dkim/{selector}/retire", "x=1"),
    ),
    (
        "dashboard",
        "GET",
        "/account/security",
        NoIds("the caller's own account"),
    ),
    (
        "dashboard",
        "POST",
        "/account/2fa/begin",
        NoIds("the caller's own 2FA"),
    ),
    (
        "dashboard",
        "POST",
        "/account/2fa/confirm",
        NoIds("the caller's own 2FA"),
    ),
    (
        "dashboard",
        "POST",
        "/account/2fa/disable",
        NoIds("the caller's own 2FA"),
    ),
    (
        "dashboard",
        "POST",
        "/account/password",
        NoIds("the caller's own password"),
    ),
    (
        "dashboard",
        "POST",
        "/account/api-tokens",
        NoIds("a token of the caller's own account"),
    ),
    (
        "dashboard",
        "POST",
        "/account/branding",
        NoIds("the caller's own brand; hosts: branding tests"),
    ),
    (
        "dashboard",
        "POST",
        "/account/api-tokens/{id}/revoke",
        Foreign("/account/api-tokens/{token}/revoke", "x=1"),
    ),
    (
        "dashboard",
        "GET",
        "/events",
        NoIds("the caller's own session's stream"),
    ),
    (
        "dashboard",
        "GET",
        "/password/generate",
        NoIds("a new random password"),
    ),
    ("dashboard", "GET", "/assets/{name}", NoIds("static files")),
    ("dashboard", "GET", "/favicon.ico", NoIds("no content")),
    (
        "api",
        "GET",
        "/api/v1/openapi.json",
        NoIds("the API's description"),
    ),
    (
        "api",
        "GET",
        "/api/v1/mailboxes",
        NoIds("the token's own account's list"),
    ),
    (
        "api",
        "POST",
        "/api/v1/mailboxes",
        NoIds("creates in the token's own account"),
    ),
    (
        "api",
        "GET",
        "/api/v1/mailboxes/{id}",
        Foreign("/api/v1/mailboxes/{mailbox}", ""),
    ),
    (
        "api",
        "DELETE",
        "/api/v1/mailboxes/{id}",
        Foreign("/api/v1/mailboxes/{mailbox}", ""),
    ),
    (
        "api",
        "PUT",
        "/api/v1/mailboxes/{id}/password",
        Foreign(
            "/api/v1/mailboxes/{mailbox}/password",
            r#"{"password":"Intruder-pass-2026"}"#,
        ),
    ),
    (
        "api",
        "POST",
        "/api/v1/mailboxes/{id}/recovery-code",
        Foreign("/api/v1/mailboxes/{mailbox}/recovery-code", ""),
    ),
    (
        "api",
        "GET",
        "/api/v1/mailboxes/{id}/two-factor",
        Foreign("/api/v1/mailboxes/{mailbox}/two-factor", ""),
    ),
    (
        "api",
        "PUT",
        "/api/v1/mailboxes/{id}/storage",
        Foreign("/api/v1/mailboxes/{mailbox}/storage", r#"{"quota_mb":5}"#),
    ),
    (
        "api",
        "GET",
        "/api/v1/mailboxes/{id}/aliases",
        Foreign("/api/v1/mailboxes/{mailbox}/aliases", ""),
    ),
    (
        "api",
        "POST",
        "/api/v1/mailboxes/{id}/aliases",
        Foreign(
            "/api/v1/mailboxes/{mailbox}/aliases",
            r#"{"address":"intruder@other.example"}"#,
        ),
    ),
    (
        "api",
        "DELETE",
        "/api/v1/mailboxes/{id}/aliases/{alias}",
        Foreign("/api/v1/mailboxes/{own}/aliases/{alias}", ""),
    ),
    (
        "api",
        "GET",
        "/api/v1/mailboxes/{id}/routing",
        Foreign("/api/v1/mailboxes/{mailbox}/routing", ""),
    ),
    (
        "api",
        "PUT",
        "/api/v1/mailboxes/{id}/routing",
        Foreign(
            "/api/v1/mailboxes/{mailbox}/routing",
            r#"{"subaddressing":"off","blocked_mail":"junk"}"#,
        ),
    ),
    (
        "api",
        "PUT",
        "/api/v1/mailboxes/{id}/catch-all",
        Foreign(
            "/api/v1/mailboxes/{mailbox}/catch-all",
            r#"{"domain":"other.example","on":false}"#,
        ),
    ),
    (
        "api",
        "GET",
        "/api/v1/mailboxes/{id}/forwards",
        Foreign("/api/v1/mailboxes/{mailbox}/forwards", ""),
    ),
    (
        "api",
        "POST",
        "/api/v1/mailboxes/{id}/forwards",
        Foreign(
            "/api/v1/mailboxes/{mailbox}/forwards",
            r#"{"destination":"intruder@far.example"}"#,
        ),
    ),
    (
        "api",
        "DELETE",
        "/api/v1/mailboxes/{id}/forwards/{forward}",
        Foreign("/api/v1/mailboxes/{own}/forwards/{forward}", ""),
    ),
    (
        "api",
        "GET",
        "/api/v1/mailboxes/{id}/auto-reply",
        Foreign("/api/v1/mailboxes/{mailbox}/auto-reply", ""),
    ),
    (
        "api",
        "PUT",
        "/api/v1/mailboxes/{id}/auto-reply",
        Foreign(
            "/api/v1/mailboxes/{mailbox}/auto-reply",
            r#"{"enabled":true,"text":"intruder"}"#,
        ),
    ),
    (
        "api",
        "GET",
        "/api/v1/mailboxes/{id}/sieve-scripts",
        Foreign("/api/v1/mailboxes/{mailbox}/sieve-scripts", ""),
    ),
    (
        "api",
        "GET",
        "/api/v1/mailboxes/{id}/sieve-scripts/{name}",
        Foreign("/api/v1/mailboxes/{mailbox}/sieve-scripts/rules", ""),
    ),
    (
        "api",
        "PUT",
        "/api/v1/mailboxes/{id}/sieve-scripts/{name}",
        Foreign(
            "/api/v1/mailboxes/{mailbox}/sieve-scripts/rules",
            r#"{"source":"discard;"}"#,
        ),
    ),
    (
        "api",
        "DELETE",
        "/api/v1/mailboxes/{id}/sieve-scripts/{name}",
        Foreign("/api/v1/mailboxes/{mailbox}/sieve-scripts/rules", ""),
    ),
    (
        "api",
        "PUT",
        "/api/v1/mailboxes/{id}/sieve-active",
        Foreign(
            "/api/v1/mailboxes/{mailbox}/sieve-active",
            r#"{"name":null}"#,
        ),
    ),
    (
        "api",
        "POST",
        "/api/v1/sieve/check",
        NoIds("checks the text it is sent; reads no one's data"),
    ),
    (
        "api",
        "GET",
        "/api/v1/mailboxes/{id}/sender-filters",
        Foreign("/api/v1/mailboxes/{mailbox}/sender-filters", ""),
    ),
    (
        "api",
        "POST",
        "/api/v1/mailboxes/{id}/sender-filters",
        Foreign(
            "/api/v1/mailboxes/{mailbox}/sender-filters",
            r#"{"list":"allowed","pattern":"@intruder.example"}"#,
        ),
    ),
    (
        "api",
        "DELETE",
        "/api/v1/mailboxes/{id}/sender-filters/{entry}",
        Foreign("/api/v1/mailboxes/{own}/sender-filters/{entry}", ""),
    ),
    (
        "api",
        "GET",
        "/api/v1/domains",
        NoIds("the token's own account's domains"),
    ),
    (
        "api",
        "POST",
        "/api/v1/domains",
        NoIds("adds to the token's own account"),
    ),
    (
        "api",
        "DELETE",
        "/api/v1/domains/{id}",
        Foreign("/api/v1/domains/{domain}", ""),
    ),
    (
        "api",
        "GET",
        "/api/v1/domains/{id}/records",
        Foreign("/api/v1/domains/{domain}/records", ""),
    ),
    (
        "api",
        "POST",
        "/api/v1/domains/{id}/check",
        Foreign("/api/v1/domains/{domain}/check", ""),
    ),
    (
        "api",
        "POST",
        "/api/v1/domains/{id}/dkim/rotate",
        Foreign("/api/v1/domains/{domain}/dkim/rotate", ""),
    ),
    (
        "api",
        "DELETE",
        "/api/v1/domains/{id}/dkim/{selector}",
        Foreign("/api/v1/domains/{domain}/dkim/{selector}", ""),
    ),
    ("webmail", "GET", "/", NoIds("the caller's own INBOX")),
    (
        "webmail",
        "GET",
        "/read",
        Foreign("/read?folder={folder}&uid=1", ""),
    ),
    (
        "webmail",
        "GET",
        "/read/html",
        Foreign("/read/html?folder={folder}&uid=1", ""),
    ),
    (
        "webmail",
        "GET",
        "/read/part",
        Foreign("/read/part?folder={folder}&uid=1&part=1", ""),
    ),
    (
        "webmail",
        "GET",
        "/compose",
        Foreign("/compose?folder={folder}&reply=1", ""),
    ),
    (
        "webmail",
        "POST",
        "/compose",
        NoIds(
            "a multipart form: its draft is a UID of the caller's own Drafts, a forwarded message is looked up as GET /compose's",
        ),
    ),
    (
        "webmail",
        "GET",
        "/search",
        Foreign("/search?folder={folder}&q=carl", ""),
    ),
    (
        "webmail",
        "GET",
        "/folders",
        NoIds("the caller's own folders"),
    ),
    (
        "webmail",
        "POST",
        "/folders",
        NoIds("creates a folder in the caller's own mailbox"),
    ),
    (
        "webmail",
        "POST",
        "/folders/{id}/rename",
        Foreign("/folders/{folder}/rename", "name=taken"),
    ),
    (
        "webmail",
        "POST",
        "/folders/{id}/delete",
        Foreign("/folders/{folder}/delete", "confirm=1"),
    ),
    (
        "webmail",
        "POST",
        "/folders/{id}/empty",
        Foreign("/folders/{folder}/empty", "confirm=1"),
    ),
    (
        "webmail",
        "POST",
        "/messages/act",
        Foreign(
            "/messages/act",
            "folder={own_folder}&uid=1&action=move&to={folder}",
        ),
    ),
    ("webmail", "GET", "/signin", NoIds("the signed-out form")),
    (
        "webmail",
        "POST",
        "/signin",
        NoIds("address and password, through the door"),
    ),
    (
        "webmail",
        "POST",
        "/signin/code",
        NoIds("a sealed ticket bound to its channel"),
    ),
    (
        "webmail",
        "POST",
        "/signout",
        NoIds("ends the caller's own session"),
    ),
    (
        "webmail",
        "GET",
        "/forgot",
        NoIds("the signed-out recovery form"),
    ),
    (
        "webmail",
        "POST",
        "/forgot",
        NoIds("address and recovery code, through the door"),
    ),
    (
        "webmail",
        "GET",
        "/settings/mail",
        NoIds("the caller's own addresses and lists"),
    ),
    (
        "webmail",
        "POST",
        "/settings/auto-reply",
        NoIds("the caller's own auto-reply"),
    ),
    (
        "webmail",
        "POST",
        "/settings/senders",
        NoIds("adds to the caller's own lists"),
    ),
    (
        "webmail",
        "POST",
        "/settings/senders/{id}/remove",
        Foreign("/settings/senders/{entry}/remove", "x=1"),
    ),
    (
        "webmail",
        "GET",
        "/settings/sieve",
        NoIds("the caller's own scripts"),
    ),
    (
        "webmail",
        "POST",
        "/settings/sieve",
        NoIds("checks or saves one of the caller's own scripts"),
    ),
    (
        "webmail",
        "POST",
        "/settings/sieve/active",
        NoIds("activates one of the caller's own scripts"),
    ),
    (
        "webmail",
        "POST",
        "/settings/sieve/delete",
        NoIds("deletes one of the caller's own scripts"),
    ),
    (
        "webmail",
        "GET",
        "/settings/security",
        NoIds("the caller's own mailbox"),
    ),
    (
        "webmail",
        "GET",
        "/settings/apple-profile.mobileconfig",
        NoIds("the caller's own mailbox's profile"),
    ),
    (
        "webmail",
        "POST",
        "/settings/2fa/begin",
        NoIds("the caller's own 2FA"),
    ),
    (
        "webmail",
        "POST",
        "/settings/2fa/confirm",
        NoIds("the caller's own 2FA"),
    ),
    (
        "webmail",
        "POST",
        "/settings/2fa/disable",
        NoIds("the caller's own 2FA"),
    ),
    (
        "webmail",
        "POST",
        "/settings/password",
        NoIds("the caller's own password"),
    ),
    (
        "webmail",
        "POST",
        "/settings/sessions/{id}/end",
        Foreign("/settings/sessions/{session}/end", "x=1"),
    ),
    (
        "webmail",
        "POST",
        "/settings/sessions/end-others",
        NoIds("the caller's own other sessions"),
    ),
    (
        "webmail",
        "GET",
        "/events",
        NoIds("the caller's own session's stream"),
    ),
    (
        "webmail",
        "GET",
        "/brand.css",
        NoIds("the Host header's brand, public"),
    ),
    (
        "webmail",
        "GET",
        "/password/generate",
        NoIds("a new random password"),
    ),
    ("webmail", "GET", "/assets/{name}", NoIds("static files")),
    ("webmail", "GET", "/favicon.ico", NoIds("no content")),
];

/// The routes the router files under `dir` declare: `(method, prefix + path)` for each
/// `.route(…)` call of each file.
fn declared(dir: &str, prefix: &str) -> Vec<(String, String)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../web/src")
        .join(dir);
    let mut routes = Vec::new();
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "rs") {
            let source = std::fs::read_to_string(&path).unwrap();
            routes.extend(declared_in(&source, prefix));
        }
    }
    routes
}

/// The routes one file's `.route(…)` calls declare.
fn declared_in(source: &str, prefix: &str) -> Vec<(String, String)> {
    let mut routes = Vec::new();
    for call in source.split(".route(").skip(1) {
        let route = call.trim_start().strip_prefix('"').unwrap();
        let route = route.split('"').next().unwrap();
        // The call's own text, up to its closing parenthesis.
        let mut depth = 1;
        let end = call
            .char_indices()
            .find_map(|(i, c)| {
                depth += match c {
                    '(' => 1,
                    ')' => -1,
                    _ => 0,
                };
                (depth == 0).then_some(i)
            })
            .unwrap();
        let call = &call[..end];
        for method in ["get", "post", "put", "delete", "patch"] {
            let named = call
                .match_indices(&format!("{method}("))
                .any(|(i, _)| !call[..i].ends_with(|c: char| c.is_alphanumeric() || c == '_'));
            if named {
                routes.push((method.to_uppercase(), format!("{prefix}{route}")));
            }
        }
    }
    routes
}

#[test]
fn the_table_holds_every_route_the_routers_declare() {
    let mut declared_routes = BTreeSet::new();
    for (channel, file, prefix) in [
        ("dashboard", "dashboard", ""),
        ("api", "api", "/api/v1"),
        ("webmail", "webmail", ""),
    ] {
        for (method, path) in declared(file, prefix) {
            declared_routes.insert((channel.to_owned(), method, path));
        }
    }
    let table: BTreeSet<(String, String, String)> = TABLE
        .iter()
        .map(|(c, m, p, _)| ((*c).to_owned(), (*m).to_owned(), (*p).to_owned()))
        .collect();
    assert_eq!(table.len(), TABLE.len(), "a route is in the table twice");
    let missing: Vec<_> = declared_routes.difference(&table).collect();
    let stale: Vec<_> = table.difference(&declared_routes).collect();
    assert!(
        missing.is_empty() && stale.is_empty(),
        "routes not in the matrix: {missing:?}; in the matrix but not served: {stale:?}"
    );
    for (channel, method, path, probe) in TABLE {
        if let NoIds(why) = probe {
            assert!(
                !why.is_empty(),
                "{channel} {method} {path}: say why it takes no id"
            );
        }
    }
    let foreign = TABLE.iter().filter(|r| matches!(r.3, Foreign(..))).count();
    assert_eq!(foreign, 76, "the routes that take an id");
}

/// A path with its parameters' names left out: `/a/{}/b`.
fn shape(path: &str) -> String {
    path.split('/')
        .map(|part| match part.starts_with('{') {
            true => "{}",
            false => part,
        })
        .collect::<Vec<_>>()
        .join("/")
}

#[test]
fn the_openapi_document_describes_every_api_route() {
    let spec: serde_json::Value =
        serde_json::from_str(include_str!("../../web/assets/openapi.json")).unwrap();
    let paths = spec["paths"].as_object().unwrap();
    let described: BTreeSet<(String, String)> = paths
        .iter()
        .flat_map(|(path, item)| {
            let methods = item.as_object().unwrap().keys();
            methods
                .filter(|m| *m != "parameters")
                .map(|m| (m.to_uppercase(), shape(&format!("/api/v1{path}"))))
                .collect::<Vec<_>>()
        })
        .collect();
    let served: BTreeSet<(String, String)> = declared("api", "/api/v1")
        .into_iter()
        .filter(|(_, path)| path != "/api/v1/openapi.json")
        .map(|(method, path)| (method, shape(&path)))
        .collect();
    assert_eq!(
        served, described,
        "served API routes and the document differ"
    );
}

/// Forms sent before a session exists: their CSRF token is the pre-session cookie's, and a
/// wrong one shows the form again (`dashboard.rs`, `webmail.rs` prove it).
const PRE_SESSION_FORMS: [&str; 3] = ["/signin", "/signin/code", "/forgot"];

/// The status of the last answer (after redirects).
fn final_status(answer: &str) -> &str {
    answer
        .lines()
        .rfind(|l| l.starts_with("HTTP/"))
        .unwrap_or_else(|| panic!("no answer: {answer}"))
        .trim()
}

#[tokio::test(flavor = "multi_thread")]
async fn account_a_reaches_nothing_of_account_b_on_any_route() {
    let (dir, config) = two_tenants("").await;
    let c = config.clone();
    let (server, lines) = tokio::task::spawn_blocking(move || serve(&c))
        .await
        .unwrap();
    let core = common::side_core::side_core(&dir.join("data"), true).await;

    // B's things: carl's mailbox with a message in its INBOX and a webmail session, B's token.
    let carl = core
        .mailbox_by_address(core.operator.scope(), CARL)
        .await
        .unwrap();
    core.deliver(
        &EmailAddress::parse(CARL).unwrap(),
        b"From: a@b.example\r\nSubject: for carl\r\n\r\nhi\r\n",
    )
    .await
    .unwrap();
    let carl_access = core.operator.mailbox(carl.id);
    let inbox = core.folder(&carl_access, "INBOX").await.unwrap();
    let ann_address = EmailAddress::parse("ann@example.com").unwrap();
    let ann_box = core
        .mailbox_by_address(core.operator.scope(), ann_address.as_str())
        .await
        .unwrap();
    core.deliver(
        &ann_address,
        b"From: a@b.example\r\nSubject: for ann\r\n\r\nhi\r\n",
    )
    .await
    .unwrap();
    let ann_inbox = core
        .folder(&core.operator.mailbox(ann_box.id), "INBOX")
        .await
        .unwrap();
    let b_token = common::side_core::operator_token(&core, B_EMAIL, "b").await;
    let b = core.account_by_email(B_EMAIL).await.unwrap();
    let b_token_id = core.api_tokens(core.operator.scope(), b.id).await.unwrap()[0].id;
    let a_token = common::side_core::operator_token(&core, "owner@example.com", "a").await;
    let dash = format!("http://127.0.0.1:{}", dashboard_port(&lines));
    let mail = format!("http://127.0.0.1:{}", webmail_port(&lines));
    let m = mail.clone();
    let carl_session =
        tokio::task::spawn_blocking(move || webmail_sign_in(&m, CARL, CARL_PASSWORD))
            .await
            .unwrap();
    let carl_who = Principal::Mailbox(carl.id);
    let carl_session_id = core
        .sessions(core.operator.scope(), carl_who)
        .await
        .unwrap()[0]
        .id
        .0
        .clone();

    // B's routing: an alias, a forward and a blocked sender of carl's, carl catching
    // other.example.
    let carl_manager = Manager::Admin(core.operator.scope(), carl.id);
    let operator = Actor::operator();
    let carl_alias = core
        .add_alias(carl_manager, "carl.alias@other.example", &operator)
        .await
        .unwrap();
    let carl_entry = core
        .add_sender_filter(
            carl_manager,
            FilterList::Blocked,
            "@spam.example",
            &operator,
        )
        .await
        .unwrap();
    let carl_forward = core
        .add_forward(
            core.operator.scope(),
            carl.id,
            "carl@far.example",
            &operator,
        )
        .await
        .unwrap();
    let b_domain = core
        .domain(core.operator.scope(), "other.example")
        .await
        .unwrap();
    core.set_catch_all(core.operator.scope(), carl.id, b_domain.id, true, &operator)
        .await
        .unwrap();
    let ann = core
        .mailbox_by_address(core.operator.scope(), "ann@example.com")
        .await
        .unwrap();
    let carl_routing = core.routing(carl_manager).await.unwrap();
    // B's domain with a rotated-out DKIM key, one A could try to retire. Selectors are named
    // for the second they are made in: a second after the domain's first keys.
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    core.rotate_dkim_keys(core.operator.scope(), b_domain.id, &operator)
        .await
        .unwrap();
    let b_keys = core
        .dkim_keys(core.operator.scope(), b_domain.id)
        .await
        .unwrap();
    let b_old_key = b_keys.iter().find(|k| !k.signing).unwrap().selector.clone();

    let ids = [
        ("{mailbox}", carl.id.0.to_string()),
        ("{own}", ann.id.0.to_string()),
        ("{alias}", carl_alias.id.0.to_string()),
        ("{entry}", carl_entry.id.0.to_string()),
        ("{forward}", carl_forward.id.0.to_string()),
        ("{domain}", b_domain.id.0.to_string()),
        ("{token}", b_token_id.to_string()),
        ("{folder}", inbox.id.0.to_string()),
        ("{own_folder}", ann_inbox.id.0.to_string()),
        ("{session}", carl_session_id.clone()),
        ("{selector}", b_old_key),
    ];
    let answers = tokio::task::spawn_blocking(move || {
        // A, signed in on each channel.
        let signed_in = curl_sign_in(&dash, OWNER_PASSWORD);
        let dash_jar = format!("tm_dash={}", set_cookie(&signed_in, "tm_dash"));
        let page = curl(&["-b", &dash_jar, &format!("{dash}/account/security")]);
        let dash_csrf = form_value(&page, "csrf");
        let mail_jar = webmail_session(&mail);
        let page = curl(&["-b", &mail_jar, &format!("{mail}/settings/security")]);
        let mail_csrf = form_value(&page, "csrf");
        let bearer = format!("Authorization: Bearer {a_token}");
        let mut answers = Vec::new();
        let fill = |text: &str| {
            ids.iter()
                .fold(text.to_owned(), |t, (name, id)| t.replace(name, id))
        };
        for (channel, method, route, probe) in TABLE {
            let Foreign(url, body) = probe else { continue };
            let url = fill(url);
            let body = fill(body);
            let body = body.as_str();
            // Without -X where curl infers the method: a followed 303 is then a GET.
            let mut args: Vec<String> = vec!["-L".into()];
            if *method != "GET" && (*method != "POST" || body.is_empty()) {
                args.extend(["-X".into(), (*method).into()]);
            }
            let (base, jar, csrf) = match *channel {
                "webmail" => (&mail, Some(&mail_jar), &mail_csrf),
                "dashboard" => (&dash, Some(&dash_jar), &dash_csrf),
                _ => (&dash, None, &dash_csrf),
            };
            match jar {
                Some(jar) => {
                    args.extend(["-b".into(), jar.clone()]);
                    if *method == "POST" {
                        args.extend(["--data".into(), format!("csrf={csrf}&{body}")]);
                    }
                }
                None => {
                    args.extend(["-H".into(), bearer.clone()]);
                    args.extend(["-H".into(), "Content-Type: application/json".into()]);
                    if !body.is_empty() {
                        args.extend(["--data".into(), body.into()]);
                    }
                }
            }
            args.push(format!("{base}{url}"));
            let args: Vec<&str> = args.iter().map(String::as_str).collect();
            let answer = curl(&args);
            answers.push((format!("{channel} {method} {route}"), answer));
        }
        // Every form of both web channels, sent by A's own signed-in browser without the
        // form's CSRF token, is refused before anything is looked up.
        let mut forged = Vec::new();
        for (channel, method, route, probe) in TABLE {
            let (base, jar) = match *channel {
                "dashboard" => (&dash, &dash_jar),
                "webmail" => (&mail, &mail_jar),
                _ => continue,
            };
            if *method != "POST" || PRE_SESSION_FORMS.contains(route) {
                continue;
            }
            let (url, body) = match probe {
                Foreign(url, body) => (fill(url), fill(body)),
                NoIds(_) => ((*route).to_owned(), String::new()),
            };
            let body = format!("x=1&{body}");
            let answer = curl(&["-b", jar, "--data", &body, &format!("{base}{url}")]);
            forged.push((format!("{channel} {method} {route}"), answer));
        }
        (answers, forged)
    })
    .await
    .unwrap();
    let (answers, forged) = answers;
    assert_eq!(
        forged.len(),
        52,
        "every POST form of the dashboard and webmail"
    );
    for (route, answer) in &forged {
        assert!(
            final_status(answer).starts_with("HTTP/1.1 403"),
            "{route} without its CSRF token: {answer}"
        );
    }
    assert_eq!(answers.len(), 76);
    for (route, answer) in &answers {
        assert!(
            final_status(answer).starts_with("HTTP/1.1 404"),
            "{route}: {answer}"
        );
    }

    // Nothing of B's changed: carl's mailbox, quota, password, message and session, and
    // B's token.
    let after = core.mailbox(core.operator.scope(), carl.id).await.unwrap();
    assert_eq!(after.quota_bytes, carl.quota_bytes);
    core.door()
        .password_and_code(Channel::Imap, CARL, CARL_PASSWORD, None)
        .await
        .unwrap();
    let messages = core.messages(&carl_access, &inbox).await.unwrap();
    assert_eq!(messages.len(), 1);
    assert!(!messages[0].flags.contains("\\Seen"), "A read carl's mail");
    let sessions = core
        .sessions(core.operator.scope(), carl_who)
        .await
        .unwrap();
    assert!(sessions.iter().any(|s| s.id.0 == carl_session_id));
    core.authenticate_api_token(&b_token).await.unwrap();
    assert_eq!(
        core.aliases(carl_manager).await.unwrap(),
        vec![carl_alias],
        "A changed carl's aliases"
    );
    assert_eq!(
        core.sender_filters(carl_manager).await.unwrap(),
        vec![carl_entry]
    );
    assert_eq!(core.routing(carl_manager).await.unwrap(), carl_routing);
    assert_eq!(
        core.forwards(carl_manager).await.unwrap(),
        vec![carl_forward]
    );
    assert!(!core.auto_reply(carl_manager).await.unwrap().enabled);
    let b_account = core.account_by_email(B_EMAIL).await.unwrap();
    assert_eq!(b_account.time_zone.name(), "UTC", "A changed B's time zone");
    let b_domain_after = core
        .domain(core.operator.scope(), "other.example")
        .await
        .unwrap();
    assert_eq!(b_domain_after.catch_all, Some(carl.id));
    assert_eq!(
        core.dkim_keys(core.operator.scope(), b_domain.id)
            .await
            .unwrap(),
        b_keys,
        "A changed B's DKIM keys"
    );
    let carl_page = curl(&[
        "-b",
        &carl_session,
        &format!("http://127.0.0.1:{}/", webmail_port(&lines)),
    ]);
    assert!(carl_page.starts_with("HTTP/1.1 200"), "{carl_page}");
    drop(server);
}
