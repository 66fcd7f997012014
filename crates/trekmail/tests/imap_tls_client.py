"""Python's imaplib over STARTTLS (port 143's listener) and implicit TLS (993's), and the
extensions: ID, NAMESPACE, ENABLE, QUOTA, BODYSTRUCTURE and MIME part sections, IDLE seeing new
mail and another session's expunge, UNSELECT. The server's certificate is self-signed, so the
context does not verify it.

usage: imap_tls_client.py PLAIN_PORT TLS_PORT LOGIN PASSWORD
Expects the server to refuse passwords without TLS (plaintext_auth = "never"); prints TLS OK.
"""
import imaplib
import re
import ssl
import sys

plain_port, tls_port, login, password = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3], sys.argv[4]
imaplib.Commands.setdefault("ID", ("NONAUTH", "AUTH", "SELECTED"))
imaplib.Commands.setdefault("UNSELECT", ("SELECTED",))

context = ssl.create_default_context()
context.check_hostname = False
context.verify_mode = ssl.CERT_NONE

MESSAGE = (
    b"From: Bob <bob@example.net>\r\n"
    b"To: ann@example.com\r\n"
    b"Subject: With parts\r\n"
    b"MIME-Version: 1.0\r\n"
    b'Content-Type: multipart/mixed; boundary="outer"\r\n'
    b"\r\n"
    b"--outer\r\n"
    b"Content-Type: text/plain; charset=utf-8\r\n"
    b"\r\n"
    b"First part\r\n"
    b"--outer\r\n"
    b"Content-Type: message/rfc822\r\n"
    b"\r\n"
    b"Subject: Forwarded\r\n"
    b"From: carol@example.org\r\n"
    b"\r\n"
    b"Inner body\r\n"
    b"--outer\r\n"
    b"Content-Type: application/octet-stream\r\n"
    b"Content-Transfer-Encoding: base64\r\n"
    b'Content-Disposition: attachment; filename="data.bin"\r\n'
    b"\r\n"
    b"AAECAwQF\r\n"
    b"--outer--\r\n"
)


def caps(m):
    typ, data = m.capability()
    assert typ == "OK", data
    return data[0].upper().split()


def body_of(data):
    """The literal of a one-message FETCH answer."""
    for item in data:
        if isinstance(item, tuple):
            return item[1]
    raise AssertionError(f"no literal in {data!r}")


# STARTTLS: before it, no password may be sent; after it, the capabilities change.
m = imaplib.IMAP4("127.0.0.1", plain_port, timeout=15)
assert m.welcome.startswith(b"* OK [CAPABILITY IMAP4REV1 ") and b" STARTTLS " in m.welcome, m.welcome
before = caps(m)
assert b"STARTTLS" in before and b"LOGINDISABLED" in before, before
assert b"AUTH=PLAIN" not in before, before
try:
    m.login(login, password)
    sys.exit("LOGIN without TLS was accepted")
except imaplib.IMAP4.error as e:
    assert "PRIVACYREQUIRED" in str(e) or "TLS" in str(e), e
typ, data = m.starttls(ssl_context=context)
assert typ == "OK", data
after = caps(m)
assert b"STARTTLS" not in after and b"LOGINDISABLED" not in after, after
for word in (b"AUTH=PLAIN", b"IDLE", b"UIDPLUS", b"MOVE", b"UNSELECT", b"NAMESPACE", b"ID",
             b"ENABLE", b"LITERAL+", b"SPECIAL-USE", b"QUOTA", b"SASL-IR"):
    assert word in after, (word, after)
typ, data = m.login(login, password)
assert typ == "OK", data
print("STARTTLS OK", flush=True)

# ID, NAMESPACE, ENABLE.
typ, data = m._simple_command("ID", '("name" "imaplib-test")')
assert typ == "OK", data
ident = m.untagged_responses.pop("ID", [b""])[0]
assert b'"name" "TrekMail"' in ident, ident
typ, data = m.namespace()
assert typ == "OK" and data[0] == b'(("" "/")) NIL NIL', data
typ, data = m.enable("CONDSTORE")
assert typ == "OK", data

# QUOTA: the mailbox's quota and what it uses, in KiB; usage grows with an APPEND.
typ, data = m.getquotaroot("INBOX")
assert typ == "OK", data
root_line, quota_line = data[0][0], data[1][0]
assert root_line == b'INBOX ""', root_line
used_before, limit = map(int, re.search(rb"STORAGE (\d+) (\d+)", quota_line).groups())
assert limit > 0, quota_line
typ, data = m.append("INBOX", None, None, MESSAGE)
assert typ == "OK" and b"APPENDUID" in data[0], data
typ, data = m.getquota('""')
assert typ == "OK", data
used_after = int(re.search(rb"STORAGE (\d+) \d+", data[0]).group(1))
assert used_after >= used_before + 1, (used_before, used_after)
print("QUOTA OK", used_after, limit, flush=True)

# BODYSTRUCTURE and sections.
typ, data = m.select("INBOX")
assert typ == "OK", data
typ, data = m.fetch("1", "(BODYSTRUCTURE)")
assert typ == "OK", data
structure = data[0] if isinstance(data[0], bytes) else b"".join(
    x if isinstance(x, bytes) else x[0] + x[1] for x in data)
assert b'("TEXT" "plain" ("charset" "utf-8") NIL NIL "7BIT" 10 0' in structure, structure
assert b'"MESSAGE" "RFC822"' in structure and b'"Forwarded"' in structure, structure
assert b'("attachment" ("filename" "data.bin"))' in structure, structure
assert b'"mixed" ("boundary" "outer")' in structure, structure
typ, data = m.fetch("1", "(BODY)")
assert typ == "OK" and b"BODY (" in data[0], data
typ, data = m.fetch("1", "(BODY.PEEK[1])")
assert body_of(data) == b"First part", data
typ, data = m.fetch("1", "(BODY.PEEK[2.HEADER])")
assert body_of(data) == b"Subject: Forwarded\r\nFrom: carol@example.org\r\n\r\n", data
typ, data = m.fetch("1", "(BODY.PEEK[2.TEXT])")
assert body_of(data) == b"Inner body", data
typ, data = m.fetch("1", "(BODY.PEEK[2.1])")
assert body_of(data) == b"Inner body", data
typ, data = m.fetch("1", "(BODY.PEEK[3.MIME])")
assert body_of(data).startswith(b"Content-Type: application/octet-stream\r\n"), data
typ, data = m.fetch("1", "(BODY.PEEK[3]<2.4>)")
assert body_of(data) == b"ECAw", data
typ, data = m.fetch("1", "(BODY.PEEK[9])")
assert typ == "OK", data
typ, data = m.fetch("1", "(FLAGS)")
assert b"\\Seen" not in data[0], data
print("BODYSTRUCTURE OK", flush=True)

# IDLE sees mail appended by another session (here over implicit TLS, signing in with
# AUTHENTICATE PLAIN).
other = imaplib.IMAP4_SSL("127.0.0.1", tls_port, ssl_context=context, timeout=15)
assert b"AUTH=PLAIN" in caps(other)
typ, data = other.authenticate("PLAIN", lambda _: f"\0{login}\0{password}".encode())
assert typ == "OK", data
tag = m._new_tag()
m.send(tag + b" IDLE\r\n")
assert m.readline().startswith(b"+")
typ, data = other.append("INBOX", None, None, b"Subject: during idle\r\n\r\nhello\r\n")
assert typ == "OK", data
line = m.readline()
assert line == b"* 2 EXISTS\r\n", line
# The idling session is the first to see it: \Recent is its own (RFC 3501 §2.3.2).
line = m.readline()
assert line == b"* 2 RECENT\r\n", line
# ... and the other session's expunge of it.
typ, data = other.select("INBOX")
assert typ == "OK" and data[0] == b"2", data
typ, data = other.store("2", "+FLAGS", "(\\Deleted)")
assert typ == "OK", data
typ, data = other.expunge()
assert typ == "OK", data
# The flag change first (with its MODSEQ: this session enabled CONDSTORE), then the expunge.
line = m.readline()
assert line.startswith(b"* 2 FETCH (FLAGS (\\Deleted \\Recent) UID 2 MODSEQ ("), line
line = m.readline()
assert line == b"* 2 EXPUNGE\r\n", line
m.send(b"DONE\r\n")
line = m.readline()
assert line.startswith(tag + b" OK"), line
print("IDLE OK", flush=True)

# The implicit-TLS session: FETCH, MOVE, UNSELECT, LOGOUT.
typ, data = other.uid("FETCH", "1:*", "(UID RFC822.SIZE BODY.PEEK[HEADER.FIELDS (SUBJECT)])")
assert typ == "OK" and b"Subject: With parts" in b"".join(
    x[1] for x in data if isinstance(x, tuple)), data
typ, data = other._simple_command("MOVE", "1", "Archive")
assert typ == "OK", data
typ, data = other._simple_command("UNSELECT")
assert typ == "OK", data
typ, data = other.status("Archive", "(MESSAGES)")
assert typ == "OK" and b"MESSAGES 1" in data[0], data
other.logout()
m.logout()
print("TLS OK", flush=True)
