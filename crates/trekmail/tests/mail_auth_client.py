"""The sender-authentication tests' client: dkimpy as the independent DKIM verifier (and a
forwarder's ARC sealer), smtplib as another server delivering to TrekMail, imaplib to read
what was stored, and the test's own DNS server (dns_server.py) for every look-up on both
sides.

usage:
  mail_auth_client.py verify DNS_PORT FILE...
      checks every DKIM-Signature of each message with dkimpy, the keys looked up on
      127.0.0.1:DNS_PORT; prints VERIFIED a=<algorithm> d=<domain> s=<selector> per signature
      that verifies, FAILED ... per one that does not.
  mail_auth_client.py arrival SMTP_PORT IMAP_PORT ZONE_FILE HOSTNAME USER PASSWORD [MODE]
      publishes senders' SPF, DKIM and DMARC records in ZONE_FILE, delivers one message per
      case to USER through the inbound port from 127.0.0.1, and checks the refusal or the
      stored copy's folder and Authentication-Results. MODE is the server's dmarc_reject
      ("refuse" by default). Prints CASE <name> for each case that holds, then DONE.
"""
import email
import email.policy
import imaplib
import json
import re
import smtplib
import subprocess
import sys
import time

import dkim
import dnslib


def txt_lookup(port):
    def lookup(name, timeout=5):
        name = name.decode() if isinstance(name, bytes) else name
        question = dnslib.DNSRecord.question(name.rstrip("."), "TXT")
        answer = dnslib.DNSRecord.parse(question.send("127.0.0.1", port, timeout=timeout))
        for rr in answer.rr:
            if rr.rtype == dnslib.QTYPE.TXT:
                return b"".join(rr.rdata.data)
        return None

    return lookup


def verify(port, files):
    for path in files:
        with open(path, "rb") as f:
            message = f.read()
        checker = dkim.DKIM(message)
        signatures = [v for (k, v) in checker.headers if k.lower() == b"dkim-signature"]
        if not signatures:
            print("UNSIGNED", path, flush=True)
        for index, value in enumerate(signatures):
            tags = dict(
                (k.strip(), v.strip())
                for k, _, v in (t.partition(b"=") for t in re.sub(rb"\s+", b"", value).split(b";"))
                if k.strip()
            )
            label = "a=%s d=%s s=%s" % (tags[b"a"].decode(), tags[b"d"].decode(), tags[b"s"].decode())
            try:
                ok = checker.verify(idx=index, dnsfunc=txt_lookup(port))
                why = ""
            except dkim.DKIMException as e:
                ok, why = False, " (%s)" % e
            print("VERIFIED" if ok else "FAILED", label + why, flush=True)


# --- arrival -----------------------------------------------------------------------------

def rsa_key():
    """A PKCS#1 private key in PEM and the base64 SubjectPublicKeyInfo for its TXT record."""
    private = subprocess.run(
        ["openssl", "genrsa", "2048"], check=True, capture_output=True
    ).stdout
    public = subprocess.run(
        ["openssl", "rsa", "-pubout", "-outform", "DER"],
        input=private, check=True, capture_output=True,
    ).stdout
    import base64

    return private, base64.b64encode(public).decode()


def message(sender, subject, extra=b""):
    return (
        b"From: Sender <" + sender.encode() + b">\r\n"
        b"To: ann@example.com\r\n"
        b"Subject: " + subject.encode() + b"\r\n"
        b"Date: Fri, 04 Dec 2026 10:00:00 +0000\r\n"
        b"Message-ID: <" + subject.encode() + b"@test>\r\n"
        + extra +
        b"\r\n"
        b"The body of " + subject.encode() + b".\r\n"
    )


def deliver(smtp_port, sender, raw, helo):
    with smtplib.SMTP("127.0.0.1", smtp_port, local_hostname=helo, timeout=60) as smtp:
        smtp.sendmail(sender, ["ann@example.com"], raw)


def stored(imap_port, user, password, folder, subject):
    """The header of the message called `subject` in `folder`, waiting a little for it."""
    deadline = time.time() + 10
    with imaplib.IMAP4("127.0.0.1", imap_port) as imap:
        imap.login(user, password)
        while time.time() < deadline:
            imap.select(folder, readonly=True)
            typ, data = imap.search(None, "HEADER", "Subject", subject)
            ids = data[0].split()
            if ids:
                typ, data = imap.fetch(ids[0], "(BODY.PEEK[HEADER])")
                return email.message_from_bytes(data[0][1], policy=email.policy.compat32)
            time.sleep(0.2)
    return None


def results(header):
    """The Authentication-Results values of a stored header, whitespace folded."""
    return [re.sub(r"\s+", " ", str(v)) for v in header.get_all("Authentication-Results") or []]


def arrival(smtp_port, imap_port, zone_file, hostname, user, password, mode):
    private, public = rsa_key()
    zone = {
        "pass.example": {"TXT": ["v=spf1 ip4:127.0.0.1 -all"]},
        "fail.example": {"TXT": ["v=spf1 ip4:192.0.2.1 -all"]},
        "soft.example": {"TXT": ["v=spf1 ~all"]},
        "signed.example": {"TXT": ["v=spf1 ip4:192.0.2.1 -all"]},
        "sel._domainkey.signed.example": {"TXT": ["v=DKIM1; k=rsa; p=" + public]},
        "_dmarc.signed.example": {"TXT": ["v=DMARC1; p=reject"]},
        "plain.example": {"TXT": ["v=spf1 ip4:127.0.0.1 -all"]},
        "sel._domainkey.plain.example": {"TXT": ["v=DKIM1; k=rsa; p=" + public]},
        "quar.example": {"TXT": ["v=spf1 ip4:192.0.2.1 -all"]},
        "_dmarc.quar.example": {"TXT": ["v=DMARC1; p=quarantine"]},
        "rej.example": {"TXT": ["v=spf1 ip4:192.0.2.1 -all"]},
        "_dmarc.rej.example": {"TXT": ["v=DMARC1; p=reject"]},
        "fwd.example": {"TXT": ["v=spf1 ip4:127.0.0.1 -all"]},
        "sel._domainkey.fwd.example": {"TXT": ["v=DKIM1; k=rsa; p=" + public]},
    }
    with open(zone_file, "w") as f:
        json.dump(zone, f)

    def signed(sender, subject, domain):
        raw = message(sender, subject)
        signature = dkim.sign(raw, b"sel", domain.encode(), private,
                              include_headers=[b"From", b"To", b"Subject", b"Date"])
        return signature + raw

    def expect(name, sender, raw, folder, wanted, helo="client.test.example"):
        deliver(smtp_port, sender, raw, helo)
        subject = email.message_from_bytes(raw)["Subject"]
        header = stored(imap_port, user, password, folder, subject)
        assert header is not None, "%s: not in %s" % (name, folder)
        ours = [r for r in results(header) if r.split(";")[0].strip().lower() == hostname]
        assert len(ours) == 1, "%s: our results %r" % (name, results(header))
        for part in wanted:
            assert part in ours[0], "%s: %r not in %r" % (name, part, ours[0])
        print("CASE", name, flush=True)
        return header

    expect("spf-pass", "a@pass.example", message("a@pass.example", "spf-pass"), "INBOX",
           ["spf=pass", "smtp.mailfrom=a@pass.example"])
    expect("spf-fail", "a@fail.example", message("a@fail.example", "spf-fail"), "INBOX",
           ["spf=fail"])
    expect("spf-softfail", "a@soft.example", message("a@soft.example", "spf-softfail"), "INBOX",
           ["spf=softfail"])
    expect("dkim-pass-dmarc-pass", "x@signed.example",
           signed("x@signed.example", "dkim-pass", "signed.example"), "INBOX",
           ["dkim=pass", "header.i=@signed.example", "spf=fail", "dmarc=pass"])
    # A signed header changed on the way: the signature fails. A changed body fails its
    # hash first, which mail-auth reports as neutral (RFC 6376 §3.7: PERMFAIL, body hash).
    forged_to = signed("x@plain.example", "dkim-fail", "plain.example").replace(
        b"To: ann@example.com", b"To: Ann <ann@example.com>")
    expect("dkim-fail", "x@plain.example", forged_to, "INBOX", ["dkim=fail", "spf=pass"])
    altered = signed("x@plain.example", "dkim-body", "plain.example").replace(
        b"The body of", b"The altered body of")
    expect("dkim-body-altered", "x@plain.example", altered, "INBOX",
           ["dkim=neutral (body hash did not verify)"])
    expect("dmarc-quarantine", "q@quar.example", message("q@quar.example", "dmarc-quarantine"),
           "Junk", ["dmarc=fail", "policy.dmarc=quarantine"])
    # A forwarder (a list) that checked the message and sealed its verdict in an ARC set.
    def sealed(subject):
        raw = message("x@plain.example", subject,
                      b"Authentication-Results: fwd.example; spf=pass smtp.mailfrom=x@plain.example\r\n")
        return b"".join(dkim.arc_sign(raw, b"sel", b"fwd.example", private, b"fwd.example")) + raw

    expect("arc-pass", "list@fwd.example", sealed("arc-pass"), "INBOX", ["arc=pass", "spf=pass"])
    broken = sealed("arc-broken").replace(b"To: ann@example.com", b"To: Ann <ann@example.com>")
    expect("arc-fail", "list@fwd.example", broken, "INBOX", ["arc=fail"])
    rejected = message("r@rej.example", "dmarc-reject")
    if mode == "refuse":
        try:
            deliver(smtp_port, "r@rej.example", rejected, "client.test.example")
            raise AssertionError("dmarc-reject: accepted")
        except smtplib.SMTPDataError as e:
            assert e.smtp_code == 550 and b"5.7.1" in e.smtp_error, e
        print("CASE dmarc-reject-refused", flush=True)
    else:
        expect("dmarc-reject-" + mode, "r@rej.example", rejected,
               "Junk" if mode == "junk" else "INBOX", ["dmarc=fail", "policy.dmarc=reject"])
    forged = message(
        "a@pass.example", "forged-results",
        b"Authentication-Results: " + hostname.upper().encode()
        + b";\r\n\tdkim=pass header.d=bank.example\r\n"
        b"Authentication-Results: other.example; spf=pass\r\n")
    header = expect("forged-results", "a@pass.example", forged, "INBOX", ["spf=pass"])
    every = results(header)
    assert len(every) == 2 and not any("bank.example" in r for r in every), every
    assert any(r.startswith("other.example") for r in every), every
    print("CASE forged-results-removed", flush=True)
    print("DONE", flush=True)


if sys.argv[1] == "verify":
    verify(int(sys.argv[2]), sys.argv[3:])
else:
    smtp_port, imap_port, zone_file, hostname, user, password = sys.argv[2:8]
    mode = sys.argv[8] if len(sys.argv) > 8 else "refuse"
    arrival(int(smtp_port), int(imap_port), zone_file, hostname, user, password, mode)
