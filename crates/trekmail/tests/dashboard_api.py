"""The dashboard's JSON API, called as a script would (urllib, nothing of ours).

usage: dashboard_api.py PORT TOKEN_A TOKEN_B ANN_ID
  TOKEN_A belongs to owner@example.com (domain example.com, mailbox ann, id ANN_ID);
  TOKEN_B to another account. Walks every endpoint with good and bad input; prints API OK.
"""
import json
import sys
import urllib.error
import urllib.request

PORT, TOKEN_A, TOKEN_B, ANN_ID = int(sys.argv[1]), sys.argv[2], sys.argv[3], int(sys.argv[4])
BASE = f"http://127.0.0.1:{PORT}/api/v1"


def call(method, path, body=None, token=TOKEN_A, raw=None):
    data = raw if raw is not None else (json.dumps(body).encode() if body is not None else None)
    request = urllib.request.Request(BASE + path, data=data, method=method)
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    if data is not None:
        request.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(request, timeout=15) as answer:
            return answer.status, json.loads(answer.read() or b"null")
    except urllib.error.HTTPError as e:
        text = e.read()
        try:
            return e.code, json.loads(text)
        except ValueError:
            sys.exit(f"{method} {path}: {e.code} without JSON: {text[:200]!r}")


def expect(answer, status, code=None):
    got, body = answer
    assert got == status, (got, body)
    if code is not None:
        assert body["error"]["code"] == code, body
        assert body["error"]["message"], body
    return body


# The description is public and parses.
with urllib.request.urlopen(BASE + "/openapi.json", timeout=15) as answer:
    spec = json.loads(answer.read())
assert spec["openapi"].startswith("3."), spec["openapi"]
assert "/mailboxes/{id}/password" in spec["paths"]

# No token, a wrong one, a malformed one.
expect(call("GET", "/mailboxes", token=None), 401, "unauthorized")
expect(call("GET", "/mailboxes", token="tmk_" + "a" * 32), 401, "unauthorized")
expect(call("GET", "/mailboxes", token="not-a-token"), 401, "unauthorized")

listed = expect(call("GET", "/mailboxes"), 200)
assert [m["address"] for m in listed] == ["ann@example.com"], listed
ann = listed[0]
assert ann["id"] == ANN_ID and ann["two_factor_enabled"] is False, ann
assert "password" not in json.dumps(ann) and "secret" not in json.dumps(ann)

# Create: good, then every kind of bad input.
made = expect(
    call("POST", "/mailboxes", {"address": "bea@example.com", "display_name": "Bea", "quota_mb": 100, "password": "Bea-first-pass-1"}),
    201,
)
assert made["address"] == "bea@example.com" and made["quota_mb"] == 100, made
expect(call("POST", "/mailboxes", {"address": "bea@example.com", "quota_mb": 100, "password": "Bea-first-pass-1"}), 409, "conflict")
expect(call("POST", "/mailboxes", {"address": "cy@example.com", "quota_mb": 100, "password": "short"}), 422, "weak_password")
expect(call("POST", "/mailboxes", {"address": "cy@elsewhere.org", "quota_mb": 100, "password": "Cy-first-pass-12"}), 422, "invalid")
expect(call("POST", "/mailboxes", {"address": "not an address", "quota_mb": 100, "password": "Cy-first-pass-12"}), 422, "invalid")
expect(call("POST", "/mailboxes", {"address": "cy@example.com", "quota_mb": 0, "password": "Cy-first-pass-12"}), 422, "invalid")
expect(call("POST", "/mailboxes", {"address": "cy@example.com", "quota_mb": 10**9, "password": "Cy-first-pass-12"}), 409, "plan_limit")
expect(call("POST", "/mailboxes", {"address": "cy@example.com", "password": "Cy-first-pass-12"}), 422)
expect(call("POST", "/mailboxes", {"address": "cy@example.com", "quota_mb": 1, "password": "Cy-first-pass-12", "admin": True}), 422)
expect(call("POST", "/mailboxes", raw=b"{not json"), 400, "bad_request")
expect(call("POST", "/mailboxes", raw=b""), 400, "bad_request")
assert [m["address"] for m in expect(call("GET", "/mailboxes"), 200)] == ["ann@example.com", "bea@example.com"]

one = expect(call("GET", f"/mailboxes/{ANN_ID}"), 200)
assert one["address"] == "ann@example.com"
expect(call("GET", "/mailboxes/999999"), 404, "not_found")
expect(call("GET", "/mailboxes/abc"), 404, "not_found")
expect(call("GET", "/nowhere"), 404, "not_found")
assert expect(call("GET", f"/mailboxes/{ANN_ID}/two-factor"), 200) == {"enabled": False}

# Storage within the plan, and beyond it.
assert expect(call("PUT", f"/mailboxes/{ANN_ID}/storage", {"quota_mb": 200}), 200)["quota_mb"] == 200
expect(call("PUT", f"/mailboxes/{ANN_ID}/storage", {"quota_mb": 10**9}), 409, "plan_limit")
expect(call("PUT", f"/mailboxes/{ANN_ID}/storage", {"quota_mb": "lots"}), 422)

# Password: rules enforced, then saved; the answer says how many sessions ended.
expect(call("PUT", f"/mailboxes/{ANN_ID}/password", {"password": "alllowercase12"}), 422, "weak_password")
saved = expect(call("PUT", f"/mailboxes/{ANN_ID}/password", {"password": "Api-set-pass-2026"}), 200)
assert saved["sessions_ended"] >= 0, saved

codes = [expect(call("POST", f"/mailboxes/{ANN_ID}/recovery-code"), 200)["code"] for _ in range(2)]
assert codes[0] != codes[1] and all(len(c) >= 8 for c in codes), codes

# Account B sees none of A's mailboxes, and can change none.
assert expect(call("GET", "/mailboxes", token=TOKEN_B), 200) == [] or all(
    m["address"].endswith("@other.example") for m in expect(call("GET", "/mailboxes", token=TOKEN_B), 200)
)
for method, path, body in [
    ("GET", f"/mailboxes/{ANN_ID}", None),
    ("GET", f"/mailboxes/{ANN_ID}/two-factor", None),
    ("PUT", f"/mailboxes/{ANN_ID}/password", {"password": "Taken-over-2026"}),
    ("PUT", f"/mailboxes/{ANN_ID}/storage", {"quota_mb": 1}),
    ("POST", f"/mailboxes/{ANN_ID}/recovery-code", None),
    ("DELETE", f"/mailboxes/{ANN_ID}", None),
]:
    expect(call(method, path, body, token=TOKEN_B), 404, "not_found")
expect(call("POST", "/mailboxes", {"address": "intruder@example.com", "quota_mb": 1, "password": "Intruder-pass-1"}, token=TOKEN_B), 422, "invalid")
assert expect(call("GET", f"/mailboxes/{ANN_ID}"), 200)["quota_mb"] == 200

# What comes in: aliases, settings, the catch-all, sender lists; bad input is a 422 and
# changes nothing.
A = f"/mailboxes/{ANN_ID}"
alias = expect(call("POST", A + "/aliases", {"address": "Sales@example.com"}), 201)
assert alias["address"] == "sales@example.com", alias
for bad in ["sales@example.com", "bea@example.com", "x@elsewhere.org", "not an address", "ann+x@example.com"]:
    expect(call("POST", A + "/aliases", {"address": bad}), 422, "invalid")
expect(call("POST", A + "/aliases", {"address": "x@example.com", "extra": 1}), 422)
assert [a["address"] for a in expect(call("GET", A + "/aliases"), 200)] == ["sales@example.com"]
routing = expect(call("GET", A + "/routing"), 200)
assert routing == {"subaddressing": "inbox", "blocked_mail": "refuse", "keep_copy": True, "catch_all_of": []}, routing
# One bad setting saves neither.
expect(call("PUT", A + "/routing", {"subaddressing": "folders", "blocked_mail": "bounce"}), 422, "invalid")
assert expect(call("GET", A + "/routing"), 200)["subaddressing"] == "inbox"
routing = expect(call("PUT", A + "/routing", {"subaddressing": "folders", "blocked_mail": "junk"}), 200)
assert routing["subaddressing"] == "folders" and routing["blocked_mail"] == "junk", routing
expect(call("PUT", A + "/catch-all", {"domain": "other.example", "on": True}), 422, "invalid")
routing = expect(call("PUT", A + "/catch-all", {"domain": "example.com", "on": True}), 200)
assert routing["catch_all_of"] == ["example.com"], routing
entry = expect(call("POST", A + "/sender-filters", {"list": "blocked", "pattern": "@spam.example"}), 201)
assert entry["list"] == "blocked" and entry["pattern"] == "@spam.example", entry
expect(call("POST", A + "/sender-filters", {"list": "allowed", "pattern": "@SPAM.example"}), 422, "invalid")
expect(call("POST", A + "/sender-filters", {"list": "maybe", "pattern": "a@b.example"}), 422, "invalid")
expect(call("POST", A + "/sender-filters", {"list": "blocked", "pattern": "spam.example"}), 422, "invalid")
assert len(expect(call("GET", A + "/sender-filters"), 200)) == 1
# Forwards and the auto-reply.
fwd = expect(call("POST", A + "/forwards", {"destination": "walker@far.example"}), 201)
assert fwd["destination"] == "walker@far.example", fwd
for bad in ["walker@far.example", "ann@example.com", "sales+x@example.com", "nope"]:
    expect(call("POST", A + "/forwards", {"destination": bad}), 422, "invalid")
assert expect(call("PUT", A + "/routing", {"keep_copy": False}), 200)["keep_copy"] is False
reply = expect(call("GET", A + "/auto-reply"), 200)
assert reply["enabled"] is False and reply["interval_days"] == 4, reply
expect(call("PUT", A + "/auto-reply", {"enabled": True, "text": "Away", "starts_on": "2026-12-10", "ends_on": "2026-12-01"}), 422, "invalid")
expect(call("PUT", A + "/auto-reply", {"enabled": True, "text": "Away", "starts_on": "10 Dec"}), 422)
expect(call("PUT", A + "/auto-reply", {"enabled": True, "subject": "a\r\nBcc: x@y.example", "text": "Away"}), 422, "invalid")
assert expect(call("GET", A + "/auto-reply"), 200)["enabled"] is False
saved = expect(call("PUT", A + "/auto-reply", {"enabled": True, "text": "Away", "ends_on": "2026-12-24", "interval_days": 7}), 200)
assert saved == {"enabled": True, "subject": "", "text": "Away", "starts_on": None, "ends_on": "2026-12-24", "interval_days": 7}, saved
for method, path, body in [
    ("GET", A + "/forwards", None),
    ("POST", A + "/forwards", {"destination": "intruder@far.example"}),
    ("DELETE", A + f"/forwards/{fwd['id']}", None),
    ("GET", A + "/auto-reply", None),
    ("PUT", A + "/auto-reply", {"enabled": False}),
]:
    expect(call(method, path, body, token=TOKEN_B), 404, "not_found")
assert expect(call("DELETE", A + f"/forwards/{fwd['id']}"), 200)["destination"] == "walker@far.example"
assert expect(call("GET", A + "/forwards"), 200) == []

for method, path, body in [
    ("GET", A + "/aliases", None),
    ("POST", A + "/aliases", {"address": "intruder@example.com"}),
    ("DELETE", A + f"/aliases/{alias['id']}", None),
    ("GET", A + "/routing", None),
    ("PUT", A + "/routing", {"subaddressing": "off"}),
    ("PUT", A + "/catch-all", {"domain": "example.com", "on": False}),
    ("GET", A + "/sender-filters", None),
    ("DELETE", A + f"/sender-filters/{entry['id']}", None),
]:
    expect(call(method, path, body, token=TOKEN_B), 404, "not_found")
expect(call("DELETE", A + "/aliases/abc"), 404, "not_found")
assert expect(call("DELETE", A + f"/aliases/{alias['id']}"), 200)["address"] == "sales@example.com"
expect(call("DELETE", A + f"/aliases/{alias['id']}"), 404, "not_found")
assert expect(call("DELETE", A + f"/sender-filters/{entry['id']}"), 200)["pattern"] == "@spam.example"
assert expect(call("GET", A + "/sender-filters"), 200) == []

# Sieve scripts: checked with line and column, saved only when they compile, one active.
BROKEN = 'keep;\nfileinot "x";\n'
GOOD = 'require "fileinto";\nif header :contains "subject" "trip" { fileinto "INBOX"; }\n'
check = expect(call("POST", "/sieve/check", {"source": BROKEN}), 200)
assert check["valid"] is False and check["errors"][0]["line"] == 2 and check["errors"][0]["column"] == 1, check
assert expect(call("POST", "/sieve/check", {"source": GOOD}), 200) == {"valid": True, "errors": []}
expect(call("POST", "/sieve/check", {"text": GOOD}), 422)
expect(call("PUT", A + "/sieve-scripts/rules", {"source": BROKEN}), 422, "invalid")
assert expect(call("GET", A + "/sieve-scripts"), 200) == []
script = expect(call("PUT", A + "/sieve-scripts/my%20rules", {"source": GOOD}), 200)
assert script["name"] == "my rules" and script["active"] is False and script["source"] == GOOD, script
expect(call("PUT", A + "/sieve-active", {"name": "nothing"}), 404, "not_found")
expect(call("PUT", A + "/sieve-active", {"name": "my rules"}), 204)
assert expect(call("GET", A + "/sieve-scripts/my%20rules"), 200)["active"] is True
expect(call("DELETE", A + "/sieve-scripts/my%20rules"), 422, "invalid")
expect(call("GET", A + "/sieve-scripts/nothing"), 404, "not_found")
for method, path, body in [
    ("GET", A + "/sieve-scripts", None),
    ("GET", A + "/sieve-scripts/my%20rules", None),
    ("PUT", A + "/sieve-scripts/intruder", {"source": "discard;"}),
    ("DELETE", A + "/sieve-scripts/my%20rules", None),
    ("PUT", A + "/sieve-active", {"name": None}),
]:
    expect(call(method, path, body, token=TOKEN_B), 404, "not_found")
expect(call("PUT", A + "/sieve-active", {"name": None}), 204)
expect(call("DELETE", A + "/sieve-scripts/my%20rules"), 204)
assert expect(call("GET", A + "/sieve-scripts"), 200) == []

# Delete.
deleted = expect(call("DELETE", f"/mailboxes/{made['id']}"), 200)
assert deleted["deleted"] is True, deleted
expect(call("GET", f"/mailboxes/{made['id']}"), 404, "not_found")
expect(call("DELETE", f"/mailboxes/{made['id']}"), 404, "not_found")
print("API OK", flush=True)
