//! Domains as an account owner and an operator handle them: the real `trekmail serve` with a
//! DNS server of the test's own (dns_server.py on loopback), headless Chromium through
//! Playwright (domains_browser.py), the JSON API through curl, and the operator commands,
//! whose zone lines dnslib parses.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::dns::DnsServer;
use common::side_core::*;
use common::web::*;
use common::*;
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

/// The host the records name, and a Starter plan of two domains.
const PUBLIC_AND_PLAN: &str =
    "\n[public]\nmail_host = \"mx.test.example\"\n[plans.starter]\nmax_domains = 2\n";

/// Points `config`'s resolver at `dns` and adds [`PUBLIC_AND_PLAN`]: new sections after
/// `[smtp]`, the config's last.
fn configure(config: &Path, dns: &DnsServer) {
    let mut file = std::fs::OpenOptions::new()
        .append(true)
        .open(config)
        .unwrap();
    write!(file, "{}{PUBLIC_AND_PLAN}", dns.config()).unwrap();
}

/// Selectors are named for the second their keys are made in: a rotation waits for the next.
fn next_second() {
    std::thread::sleep(Duration::from_millis(1100));
}

/// `name<TAB>type<TAB>rest` lines after `prefix`, keyed by name and type.
fn tabbed(out: &str, prefix: &str) -> BTreeMap<(String, String), String> {
    out.lines()
        .filter_map(|l| l.strip_prefix(prefix))
        .map(|l| {
            let mut parts = l.splitn(3, '\t');
            let name = parts.next().unwrap().to_owned();
            let kind = parts.next().unwrap().to_owned();
            ((name, kind), parts.next().unwrap_or_default().to_owned())
        })
        .collect()
}

fn key(name: &str, kind: &str) -> (String, String) {
    (name.to_owned(), kind.to_owned())
}

#[test]
fn the_owner_adds_a_domain_and_checks_its_dns_in_chromium() {
    let dns = DnsServer::start();
    let (_dir, config) = setup("");
    seed(&config);
    configure(&config, &dns);
    let (_server, lines) = serve(&config);
    let port = dashboard_port(&lines);

    let out = finish(browser(
        "domains_browser.py",
        &[port],
        "add",
        &["shop.example", "third.example"],
    ));
    assert!(out.contains("ADDED"), "{out}");
    let id = line_value(&out, "DOMAIN");
    let records = tabbed(&out, "RECORD ");
    assert_eq!(records[&key("shop.example", "MX")], "10 mx.test.example");
    assert_eq!(records[&key("shop.example", "TXT")], "v=spf1 mx -all");
    assert!(records[&key("_dmarc.shop.example", "TXT")].starts_with("v=DMARC1;"));
    assert_eq!(
        records[&key("_imaps._tcp.shop.example", "SRV")],
        "0 1 993 mx.test.example"
    );
    assert_eq!(
        records[&key("autoconfig.shop.example", "CNAME")],
        "mx.test.example"
    );
    assert!(
        records
            .values()
            .all(|v| !v.contains("127.0.0.1") && !v.contains("localhost")),
        "{records:?}"
    );
    let dkim = |k: &str| {
        records
            .iter()
            .find(|((name, _), value)| {
                name.ends_with("._domainkey.shop.example")
                    && value.starts_with(&format!("v=DKIM1; k={k};"))
            })
            .map(|((name, _), value)| (name.clone(), value.clone()))
            .unwrap_or_else(|| panic!("no {k} key in {records:?}"))
    };
    let (rsa_name, rsa_value) = dkim("rsa");
    let (ed_name, _) = dkim("ed25519");

    // The MX is right, the SPF another policy, the RSA key as the page shows it, the rest
    // not published.
    dns.set(&json!({
        "shop.example": {
            "MX": ["10 mx.test.example"],
            "TXT": ["v=spf1 include:_spf.elsewhere.example ~all", "site-verification=abc"],
        },
        rsa_name.clone(): {"TXT": [rsa_value]},
    }));
    let out = finish(browser("domains_browser.py", &[port], "check", &[&id]));
    assert!(out.contains("KEYS OK"), "{out}");
    let states = tabbed(&out, "STATE ");
    assert_eq!(states.len(), records.len(), "{out}");
    assert_eq!(states[&key("shop.example", "MX")], "present\t");
    let spf = &states[&key("shop.example", "TXT")];
    assert!(
        spf.starts_with("different\t")
            && spf.contains("v=spf1 include:_spf.elsewhere.example ~all")
            && !spf.contains("site-verification"),
        "{spf}"
    );
    assert_eq!(states[&key(&rsa_name, "TXT")], "present\t");
    assert_eq!(states[&key(&ed_name, "TXT")], "missing\t");
    assert_eq!(states[&key("_dmarc.shop.example", "TXT")], "missing\t");
    for ((name, kind), state) in &states {
        if kind == "SRV" || kind == "CNAME" {
            assert_eq!(state, "missing\t", "{name} {kind}");
        }
    }
}

/// One API call with `token`: the status and the JSON body.
fn api(base: &str, token: &str, method: &str, path: &str, body: Option<&str>) -> (u16, Value) {
    let bearer = format!("Authorization: Bearer {token}");
    let url = format!("{base}/api/v1{path}");
    let mut args = vec![
        "-X",
        method,
        "-H",
        &bearer,
        "-H",
        "Content-Type: application/json",
    ];
    if let Some(body) = body {
        args.extend(["--data", body]);
    }
    args.push(&url);
    let answer = curl(&args);
    let status = answer
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("{method} {path}: {answer}"));
    let (_, text) = answer
        .split_once("\r\n\r\n")
        .unwrap_or_else(|| panic!("{answer}"));
    let json = serde_json::from_str(text).unwrap_or_else(|_| panic!("{method} {path}: {answer}"));
    (status, json)
}

/// The call answered `status` (and, for an error, this code with a message).
fn expect(answer: (u16, Value), status: u16, code: Option<&str>) -> Value {
    let (got, body) = answer;
    assert_eq!(got, status, "{body}");
    if let Some(code) = code {
        assert_eq!(body["error"]["code"], code, "{body}");
        assert!(
            body["error"]["message"].as_str().unwrap().len() > 3,
            "{body}"
        );
    }
    body
}

/// Every record of a `records` answer as the zone dns_server.py serves.
fn zone_of(records: &Value) -> Value {
    let mut zone = serde_json::Map::new();
    for r in records["records"].as_array().unwrap() {
        let types = zone
            .entry(r["name"].as_str().unwrap())
            .or_insert_with(|| json!({}));
        let values = types
            .as_object_mut()
            .unwrap()
            .entry(r["type"].as_str().unwrap())
            .or_insert_with(|| json!([]));
        values.as_array_mut().unwrap().push(r["value"].clone());
    }
    Value::Object(zone)
}

fn selectors(body: &Value, signing: bool) -> Vec<String> {
    body["dkim_keys"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|k| k["signing"] == signing)
        .map(|k| k["selector"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn the_api_adds_checks_rotates_retires_and_removes_domains() {
    let dns = tokio::task::spawn_blocking(DnsServer::start).await.unwrap();
    let (dir, config) = two_tenants("").await;
    configure(&config, &dns);
    let c = config.clone();
    let (server, lines) = tokio::task::spawn_blocking(move || serve(&c))
        .await
        .unwrap();
    let core = side_core(&dir.join("data"), false).await;
    let a = operator_token(&core, "owner@example.com", "a").await;
    let b = operator_token(&core, B_EMAIL, "b").await;
    let base = format!("http://127.0.0.1:{}", dashboard_port(&lines));
    tokio::task::spawn_blocking(move || {
        let call =
            |method: &str, path: &str, body: Option<&str>| api(&base, &a, method, path, body);

        let listed = expect(call("GET", "/domains", None), 200, None);
        assert_eq!(listed.as_array().unwrap().len(), 1, "{listed}");
        assert_eq!(listed[0]["name"], "example.com");
        assert_eq!(listed[0]["mailboxes"], 1);
        let own_id = listed[0]["id"].as_i64().unwrap();
        let b_listed = expect(api(&base, &b, "GET", "/domains", None), 200, None);
        let b_id = b_listed[0]["id"].as_i64().unwrap();

        // Refusals: a name taken by another account, a bad name, bad bodies.
        let taken = expect(
            call("POST", "/domains", Some(r#"{"name":"other.example"}"#)),
            409,
            Some("conflict"),
        );
        assert!(taken.to_string().contains("hosted already"), "{taken}");
        expect(
            call("POST", "/domains", Some(r#"{"name":"not a domain"}"#)),
            422,
            Some("invalid"),
        );
        expect(
            call("POST", "/domains", Some(r#"{"nam":"x.example"}"#)),
            422,
            Some("invalid"),
        );
        expect(
            call("POST", "/domains", Some("{")),
            400,
            Some("bad_request"),
        );

        let added = expect(
            call("POST", "/domains", Some(r#"{"name":" API.Example. "}"#)),
            201,
            None,
        );
        assert_eq!(added["name"], "api.example", "{added}");
        assert_eq!(added["mailboxes"], 0);
        let id = added["id"].as_i64().unwrap();
        let limit = expect(
            call("POST", "/domains", Some(r#"{"name":"third.example"}"#)),
            409,
            Some("plan_limit"),
        );
        assert!(limit.to_string().contains("2 domain(s)"), "{limit}");
        let busy = expect(
            call("DELETE", &format!("/domains/{own_id}"), None),
            409,
            Some("conflict"),
        );
        assert!(busy.to_string().contains("still has mailboxes"), "{busy}");

        let records = expect(
            call("GET", &format!("/domains/{id}/records"), None),
            200,
            None,
        );
        assert_eq!(records["domain"], "api.example");
        let text = records.to_string();
        assert!(
            !text.contains("PRIVATE") && !text.contains("private"),
            "{text}"
        );
        let rows = records["records"].as_array().unwrap();
        assert!(rows.iter().all(|r| r.get("state").is_none()), "{records}");
        assert!(rows.contains(&json!({
            "name": "api.example", "type": "MX", "value": "10 mx.test.example",
            "purpose": "Mail for the domain comes here",
        })));
        let keys = records["dkim_keys"].as_array().unwrap();
        let algorithms: Vec<&str> = keys
            .iter()
            .map(|k| k["algorithm"].as_str().unwrap())
            .collect();
        assert_eq!(algorithms.len(), 2, "{records}");
        assert!(algorithms.contains(&"rsa") && algorithms.contains(&"ed25519"));
        for k in keys {
            assert_eq!(k["signing"], true);
            assert!(
                rows.iter()
                    .any(|r| r["name"] == k["record_name"] && r["type"] == "TXT")
            );
        }

        // Everything published but another DMARC policy and no Autodiscover name.
        let mut zone = zone_of(&records);
        zone["_dmarc.api.example"] = json!({"TXT": ["v=DMARC1; p=none"]});
        zone.as_object_mut()
            .unwrap()
            .remove("autodiscover.api.example");
        dns.set(&zone);
        let checked = expect(
            call("POST", &format!("/domains/{id}/check"), None),
            200,
            None,
        );
        for r in checked["records"].as_array().unwrap() {
            let name = r["name"].as_str().unwrap();
            let (state, found) = match name {
                "_dmarc.api.example" => ("different", json!(["v=DMARC1; p=none"])),
                "autodiscover.api.example" => ("missing", json!([])),
                _ => ("present", json!([])),
            };
            assert_eq!((&r["state"], &r["found"]), (&json!(state), &found), "{r}");
        }

        // Another account's domain, and ids that name nothing.
        for (method, path) in [
            ("GET", format!("/domains/{b_id}/records")),
            ("POST", format!("/domains/{b_id}/check")),
            ("POST", format!("/domains/{b_id}/dkim/rotate")),
            ("DELETE", format!("/domains/{b_id}/dkim/rsa1")),
            ("DELETE", format!("/domains/{b_id}")),
            ("GET", "/domains/x/records".to_owned()),
            ("GET", "/domains/999/records".to_owned()),
        ] {
            expect(call(method, &path, None), 404, Some("not_found"));
        }

        next_second();
        let rotated = expect(
            call("POST", &format!("/domains/{id}/dkim/rotate"), None),
            200,
            None,
        );
        let (old, new) = (selectors(&records, true), selectors(&rotated, true));
        assert_eq!(selectors(&rotated, false), old, "{rotated}");
        assert_eq!(new.len(), 2, "{rotated}");
        assert!(new.iter().all(|s| !old.contains(s)));
        let still = expect(
            call("DELETE", &format!("/domains/{id}/dkim/{}", new[0]), None),
            409,
            Some("conflict"),
        );
        assert!(still.to_string().contains("still signs"), "{still}");
        expect(
            call("DELETE", &format!("/domains/{id}/dkim/nosuch"), None),
            404,
            Some("not_found"),
        );
        let path = format!("/domains/{id}/dkim/{}", old[0]);
        let retired = expect(call("DELETE", &path, None), 200, None);
        assert_eq!(retired["retired"], old[0].as_str());
        expect(call("DELETE", &path, None), 404, Some("not_found"));
        let after = expect(
            call("GET", &format!("/domains/{id}/records"), None),
            200,
            None,
        );
        assert_eq!(after["dkim_keys"].as_array().unwrap().len(), 3, "{after}");

        let removed = expect(call("DELETE", &format!("/domains/{id}"), None), 200, None);
        assert_eq!(removed["deleted"], true);
        let listed = expect(call("GET", "/domains", None), 200, None);
        assert_eq!(listed.as_array().unwrap().len(), 1, "{listed}");
        expect(
            call("GET", &format!("/domains/{id}/records"), None),
            404,
            Some("not_found"),
        );
        expect(
            api(&base, "", "GET", "/domains", None),
            401,
            Some("unauthorized"),
        );
        // B's domain is as it was.
        let b_after = expect(api(&base, &b, "GET", "/domains", None), 200, None);
        assert_eq!(b_after, b_listed);
    })
    .await
    .unwrap();
    drop(server);
}

/// Zone file lines parsed by dnslib: `name type value` with TXT strings joined.
fn parse_zone(lines: &str) -> Vec<(String, String, String)> {
    let mut child = Command::new("python3")
        .args([
            "-c",
            "import sys\nfrom dnslib import RR, QTYPE\n\
             for rr in RR.fromZone(sys.stdin.read()):\n\
             \x20   kind = QTYPE[rr.rtype]\n\
             \x20   value = b''.join(rr.rdata.data).decode() if kind == 'TXT' else str(rr.rdata)\n\
             \x20   print(f'{rr.rname}\\t{kind}\\t{value}')\n",
        ])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(lines.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| {
            let parts: Vec<&str> = l.splitn(3, '\t').collect();
            (parts[0].into(), parts[1].into(), parts[2].into())
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn the_operator_commands_print_zone_lines_check_rotate_and_retire() {
    let (dir, config, dns) = tokio::task::spawn_blocking(|| {
        let dns = DnsServer::start();
        let (dir, config) = setup("");
        seed(&config);
        configure(&config, &dns);
        (dir, config, dns)
    })
    .await
    .unwrap();
    let c = config.clone();
    let run = move |args: &'static [&'static str]| {
        let c = c.clone();
        async move {
            tokio::task::spawn_blocking(move || ok(&c, args, None))
                .await
                .unwrap()
        }
    };
    let c = config.clone();
    let refused = move |args: &'static [&'static str]| {
        let c = c.clone();
        async move {
            tokio::task::spawn_blocking(move || fails(&c, args, None))
                .await
                .unwrap()
        }
    };

    let out = run(&["domains", "add", "owner@example.com", "two.example"]).await;
    assert!(
        out.contains("domain two.example added to owner@example.com"),
        "{out}"
    );
    let e = refused(&["domains", "add", "owner@example.com", "three.example"]).await;
    assert!(e.contains("plan allows 2 domain(s)"), "{e}");
    let e = refused(&["domains", "add", "owner@example.com"]).await;
    assert!(e.contains("usage"), "{e}");
    let listed = run(&["domains", "list", "owner@example.com"]).await;
    assert_eq!(
        listed,
        "example.com\t1 mailbox(es)\ntwo.example\t0 mailbox(es)\n"
    );
    // The spelling of before, with --account, still works.
    assert_eq!(
        run(&["domain", "list", "--account", "owner@example.com"]).await,
        listed
    );

    let core = side_core(&dir.join("data"), false).await;
    let op = core.operator.scope();
    let domain = core.domain(op, "two.example").await.unwrap();
    let keys = core.dkim_keys(op, domain.id).await.unwrap();
    let zone = run(&["domains", "records", "two.example"]).await;
    let records = parse_zone(&zone);
    assert_eq!(
        records.len(),
        zone.lines().count(),
        "one record a line: {zone}"
    );
    let has = |name: &str, kind: &str, value: &str| {
        records.contains(&(name.to_owned(), kind.to_owned(), value.to_owned()))
    };
    assert!(
        has("two.example.", "MX", "10 mx.test.example."),
        "{records:?}"
    );
    assert!(has("two.example.", "TXT", "v=spf1 mx -all"), "{records:?}");
    assert!(has("_dmarc.two.example.", "TXT", "v=DMARC1; p=quarantine"));
    assert!(has(
        "_submissions._tcp.two.example.",
        "SRV",
        "0 1 465 mx.test.example."
    ));
    assert!(has(
        "autodiscover.two.example.",
        "CNAME",
        "mx.test.example."
    ));
    assert_eq!(keys.len(), 2);
    for k in &keys {
        let name = format!("{}.", k.record_name("two.example"));
        assert!(has(&name, "TXT", &k.record_value()), "{name}: {records:?}");
    }

    dns.set(&json!({
        "two.example": {"MX": ["10 mx.test.example"], "TXT": ["v=spf1 a -all"]},
    }));
    let checked = run(&["domains", "check", "two.example"]).await;
    let lines: Vec<&str> = checked.lines().collect();
    assert_eq!(lines.len(), records.len() + 1, "{checked}");
    assert!(
        lines.contains(&"present\ttwo.example MX 10 mx.test.example"),
        "{checked}"
    );
    assert!(
        lines.contains(&"different\ttwo.example TXT v=spf1 mx -all\tfound: v=spf1 a -all"),
        "{checked}"
    );
    assert!(
        lines.contains(&"missing\t_dmarc.two.example TXT v=DMARC1; p=quarantine"),
        "{checked}"
    );
    assert_eq!(
        lines.last().unwrap(),
        &format!(
            "1 of {} records are published as they should be",
            records.len()
        )
    );

    tokio::task::spawn_blocking(next_second).await.unwrap();
    let rotated = run(&["domains", "rotate-dkim", "two.example"]).await;
    let new = core.dkim_keys(op, domain.id).await.unwrap();
    assert_eq!(new.len(), 4);
    for k in new.iter().filter(|k| k.signing) {
        assert!(
            rotated.contains(&format!(
                "{} TXT {}",
                k.record_name("two.example"),
                k.record_value()
            )),
            "{rotated}"
        );
    }
    assert_eq!(
        parse_zone(&run(&["domains", "records", "two.example"]).await).len(),
        records.len() + 2
    );
    let signing = new.iter().find(|k| k.signing).unwrap().selector.clone();
    let old = keys[0].selector.clone();
    let c = config.clone();
    let (still, unknown, retired) = tokio::task::spawn_blocking(move || {
        (
            fails(
                &c,
                &["domains", "retire-dkim", "two.example", &signing],
                None,
            ),
            fails(
                &c,
                &["domains", "retire-dkim", "two.example", "nosuch"],
                None,
            ),
            ok(&c, &["domains", "retire-dkim", "two.example", &old], None),
        )
    })
    .await
    .unwrap();
    assert!(still.contains("still signs"), "{still}");
    assert!(
        unknown.contains("nosuch is not a DKIM key of two.example"),
        "{unknown}"
    );
    assert!(
        retired.contains(&format!("{} retired", keys[0].selector)),
        "{retired}"
    );
    assert_eq!(core.dkim_keys(op, domain.id).await.unwrap().len(), 3);

    // With the DNS server gone, every record is one that could not be checked.
    drop(dns);
    let checked = run(&["domains", "check", "two.example"]).await;
    let lines: Vec<&str> = checked.lines().collect();
    assert!(
        lines[..lines.len() - 1]
            .iter()
            .all(|l| l.starts_with("unknown\t") && l.contains("\tcould not check: ")),
        "{checked}"
    );
    assert!(
        checked.ends_with("0 of 13 records are published as they should be\n"),
        "{checked}"
    );

    let e = refused(&["domains", "remove", "example.com"]).await;
    assert!(
        e.contains("example.com still has mailboxes or aliases"),
        "{e}"
    );
    let e = refused(&["domains", "records", "nosuch.example"]).await;
    assert!(e.contains("is not a hosted domain"), "{e}");
    let out = run(&["domains", "remove", "two.example"]).await;
    assert!(out.contains("domain two.example removed"), "{out}");
    assert_eq!(
        run(&["domains", "list", "owner@example.com"]).await,
        "example.com\t1 mailbox(es)\n"
    );
    assert_eq!(
        core.dkim_keys(op, domain.id).await.unwrap_err(),
        trekmail_core::CoreError::NotFound,
        "its keys went with it"
    );
}
