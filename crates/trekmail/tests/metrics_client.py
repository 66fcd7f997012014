"""Drives a running TrekMail with real clients (imaplib, smtplib, urllib) and reads its
metrics page with the Prometheus client's own OpenMetrics parser, checking that the counters
move as a mailbox signs in, fails, receives mail and has its password saved.

usage: metrics_client.py METRICS_PORT DASHBOARD_PORT IMAP_PORT INBOUND_PORT BIN CONFIG
"""
import imaplib
import smtplib
import subprocess
import sys
import time
import urllib.error
import urllib.request

from prometheus_client.openmetrics.parser import text_string_to_metric_families

metrics_port, dashboard_port, imap_port, inbound_port = map(int, sys.argv[1:5])
binary, config = sys.argv[5], sys.argv[6]
ANN, PASSWORD, NEW_PASSWORD = "ann@example.com", "Ann-first-pass-1", "Ann-second-pass-2"


def get(port, path):
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=10) as r:
            return r.status, r.headers.get("Content-Type", ""), r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.headers.get("Content-Type", ""), e.read().decode()


def scrape():
    """Every sample as {(name, sorted labels): value}; the parser rejects a malformed page."""
    status, kind, text = get(metrics_port, "/metrics")
    assert status == 200, status
    assert kind.startswith("application/openmetrics-text"), kind
    samples = {}
    for family in text_string_to_metric_families(text):
        for s in family.samples:
            samples[(s.name, tuple(sorted(s.labels.items())))] = s.value
    return samples, text


def value(samples, name, **labels):
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


def moved(before, after, name, by=1, **labels):
    delta = value(after, name, **labels) - value(before, name, **labels)
    assert delta >= by, f"{name}{labels} moved by {delta}, wanted {by}"


for port in (metrics_port, dashboard_port):
    status, _, body = get(port, "/healthz")
    assert status == 200 and body == "ok\n", (port, status, body)
    status, _, body = get(port, "/readyz")
    assert status == 200, (port, status, body)
    for check in ("database", "node_link", "certificate"):
        assert f"ok {check}\n" in body, body

before, text = scrape()
assert "# TYPE trekmail_sessions_live gauge" in text, text
for address in (ANN, "someone@example.com"):
    assert address not in text, "an address became a label"

# Sign-ins: one right, one wrong.
imap = imaplib.IMAP4("127.0.0.1", imap_port)
imap.starttls()
imap.login(ANN, PASSWORD)
wrong = imaplib.IMAP4("127.0.0.1", imap_port)
wrong.starttls()
try:
    wrong.login(ANN, "not-the-password")
    raise AssertionError("a wrong password was taken")
except imaplib.IMAP4.error:
    pass
wrong.logout()

# A message from another server, and a refused recipient.
with smtplib.SMTP("127.0.0.1", inbound_port) as smtp:
    smtp.sendmail("someone@elsewhere.test", [ANN], b"Subject: counted\r\n\r\nhello\r\n")
    smtp.mail("someone@elsewhere.test")
    code, _ = smtp.rcpt("nobody@example.com")
    assert code == 550, code

# Saving the password ends the open IMAP session.
subprocess.run(
    [binary, "--config", config, "mailbox", "set-password", ANN, "--password-stdin"],
    input=NEW_PASSWORD + "\n", text=True, check=True, capture_output=True,
)
try:
    imap.noop()
    imap.noop()
except (imaplib.IMAP4.abort, OSError):
    pass

deadline = time.time() + 10
while True:
    after, _ = scrape()
    try:
        moved(before, after, "trekmail_sign_ins_total", channel="imap", outcome="ok")
        moved(before, after, "trekmail_sign_ins_total", channel="imap", outcome="wrong")
        moved(before, after, "trekmail_connections_opened_total", by=2, channel="imap")
        moved(before, after, "trekmail_smtp_messages_total", role="inbound", stage="data", code="250")
        moved(before, after, "trekmail_smtp_messages_total", role="inbound", stage="rcpt", code="550")
        moved(before, after, "trekmail_delivery_actions_total", action="stored")
        moved(before, after, "trekmail_sessions_ended_total")
        moved(before, after, "trekmail_session_close_seconds_count")
        moved(before, after, "trekmail_database_statement_seconds_count")
        moved(before, after, "trekmail_blob_store_call_seconds_count", operation="put")
        break
    except AssertionError:
        if time.time() > deadline:
            raise
        time.sleep(0.2)

assert value(after, "trekmail_certificate_expiry_timestamp_seconds") > time.time(), after
assert value(after, "trekmail_queue_messages") == 0, after
assert value(after, "trekmail_sessions_live", channel="imap") == 0, after
print("OK")
