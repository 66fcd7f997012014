"""A real IMAP client (Python's imaplib) for TrekMail's tests.

usage: imap_client.py PORT LOGIN PASSWORD MODE
  login-fail  expect NO [AUTHENTICATIONFAILED]
  browse      LOGIN, CAPABILITY, LIST, SELECT INBOX, EXAMINE Sent, NOOP, LOGOUT
  idle-bye    LOGIN, SELECT INBOX, IDLE; print IDLING; expect "* BYE" before 10 s
"""
import imaplib
import socket
import sys
import time

port, login, password, mode = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]
m = imaplib.IMAP4("127.0.0.1", port, timeout=15)

if mode == "login-fail":
    try:
        m.login(login, password)
    except imaplib.IMAP4.error as e:
        assert "AUTHENTICATIONFAILED" in str(e), e
        print("REFUSED", e)
        sys.exit(0)
    sys.exit("login with a wrong password succeeded")

typ, data = m.login(login, password)
assert typ == "OK", (typ, data)

if mode == "browse":
    typ, caps = m.capability()
    words = caps[0].upper().split()
    assert b"IMAP4REV1" in words and b"IDLE" in words and b"AUTH=PLAIN" in words, caps
    typ, folders = m.list()
    names = b"\n".join(folders)
    for name in (b'"/" INBOX', b"\\Sent", b"\\Trash", b"\\Junk", b"\\Drafts", b"\\Archive"):
        assert name in names, (name, folders)
    typ, data = m.select("INBOX")
    assert typ == "OK", data
    print("EXISTS", int(data[0]))
    assert m.untagged_responses.get("UIDVALIDITY"), m.untagged_responses
    typ, data = m.select("Sent", readonly=True)
    assert typ == "OK", data
    typ, data = m.select('"No such folder"')
    assert typ == "NO", data
    try:
        m.select("Not quoted")  # a parse error: tagged BAD, and the session goes on
        sys.exit("a malformed command was accepted")
    except imaplib.IMAP4.error as e:
        assert "BAD" in str(e) or "parse" in str(e), e
    assert m.noop()[0] == "OK"
    m.logout()
    print("BROWSED")
    sys.exit(0)

if mode == "idle-bye":
    typ, data = m.select("INBOX")
    assert typ == "OK", data
    tag = m._new_tag()
    m.send(tag + b" IDLE\r\n")
    line = m.readline()
    assert line.startswith(b"+"), line
    print("IDLING", flush=True)
    deadline = time.time() + 10
    while time.time() < deadline:
        try:
            line = m.readline()
        except (socket.timeout, OSError) as e:
            sys.exit(f"connection failed before BYE: {e}")
        if not line:
            sys.exit("connection closed without BYE")
        if line.startswith(b"* BYE"):
            print("BYE", line.decode().strip(), flush=True)
            # The server closes the connection right after.
            rest = m.readline()
            assert rest == b"", rest
            sys.exit(0)
    sys.exit("no BYE within 10 s")

sys.exit(f"unknown mode {mode}")
