"""A real IMAP client (Python's imaplib) for TrekMail's tests.

usage: imap_client.py PORT LOGIN PASSWORD MODE
  login-fail  expect NO [AUTHENTICATIONFAILED]
  browse      LOGIN, CAPABILITY, LIST, SELECT INBOX, EXAMINE Sent, NOOP, LOGOUT
  idle-bye    LOGIN, SELECT INBOX, IDLE; print IDLING; expect "* BYE" before 10 s
  mail        APPEND, FETCH, STORE, SEARCH, COPY, MOVE, EXPUNGE, STATUS, folder commands and
              malformed input, checking every answer; prints MAIL OK
  edges       odd but valid input and nonsense: empty folders, huge partials, no selection;
              prints EDGES OK
  overquota   APPEND until the quota (1 MB) refuses with NO [OVERQUOTA]; prints OVERQUOTA
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


def expect_bad(*args):
    """A command the server must refuse with BAD; the session goes on."""
    try:
        typ, data = m._simple_command(*args)
    except imaplib.IMAP4.error as e:
        assert "BAD" in str(e) or "parse" in str(e) or "not supported" in str(e), e
        assert m.noop()[0] == "OK"
        return
    sys.exit(f"{args} was accepted: {typ} {data}")


def raw(line):
    """Sends one command as is, past imaplib's own checks; gives the tagged answer's status."""
    tag = m._new_tag()
    m.send(tag + b" " + line.encode() + b"\r\n")
    while True:
        answer = m.readline()
        assert answer, "connection closed"
        if answer.startswith(tag + b" "):
            return answer[len(tag) + 1:].split()[0].decode()


def fetched(data):
    """FETCH answers as {seq: (meta line, literal or None)}."""
    out = {}
    for item in data:
        if item is None or item == b")":
            continue
        if isinstance(item, tuple):
            out.setdefault(int(item[0].split()[0]), []).append((item[0], item[1]))
        elif item[:1].isdigit():
            out.setdefault(int(item.split()[0]), []).append((item, None))
    return out


MAIL = [
    b"From: Ann <ann@example.com>\r\nTo: bob@example.com\r\nSubject: Hello there\r\n\r\nFirst body, about ZEBRAS.\r\n",
    b"From: Cid <cid@example.net>\r\nSubject: Second\r\n\r\n" + b"x" * 2000 + b"\r\n",
    b"From: Dee <dee@example.org>\r\nSubject: Third\r\n\r\nshort\r\n",
]

if mode == "mail":
    imaplib.Commands["MOVE"] = ("SELECTED",)
    imaplib.Commands["UNSELECT"] = ("SELECTED",)
    typ, caps = m.capability()
    words = caps[0].upper().split()
    assert b"UIDPLUS" in words and b"MOVE" in words, caps
    assert m.select("INBOX")[0] == "OK"

    # APPEND: flags, dates, APPENDUID; an unknown folder asks for TRYCREATE.
    typ, data = m.append("INBOX", r"(\Flagged)", '"01-Jan-2024 10:00:00 +0000"', MAIL[0])
    assert typ == "OK" and b"[APPENDUID " in data[0], data
    uidvalidity = int(data[0].split()[1])
    first_uid = int(data[0].split()[2].rstrip(b"]"))
    typ, data = m.append("INBOX", None, '"15-Mar-2025 12:30:00 +0000"', MAIL[1])
    assert typ == "OK", data
    typ, data = m.append("INBOX", r"(\Seen $Work)", '"20-Jun-2025 08:00:00 +0000"', MAIL[2])
    assert typ == "OK", data
    typ, data = m.append("Nowhere", None, None, MAIL[2])
    assert typ == "NO" and b"TRYCREATE" in data[0], (typ, data)
    assert m.untagged_responses.get("EXISTS", [b"0"])[-1] == b"3", m.untagged_responses
    uids = [first_uid, first_uid + 1, first_uid + 2]

    # FETCH of metadata.
    typ, data = m.fetch("1:*", "(UID FLAGS RFC822.SIZE INTERNALDATE)")
    assert typ == "OK", data
    lines = [d.decode() for d in data]
    assert len(lines) == 3, lines
    assert f"UID {uids[0]}" in lines[0] and "\\Flagged" in lines[0], lines
    assert f"RFC822.SIZE {len(MAIL[0])}" in lines[0], lines
    assert 'INTERNALDATE "01-Jan-2024 10:00:00 +0000"' in lines[0], lines
    assert "$Work" in lines[2] and "\\Seen" in lines[2], lines
    typ, data = m.fetch("2", "FAST")
    assert typ == "OK" and b"RFC822.SIZE" in data[0] and b"INTERNALDATE" in data[0], data
    print("FETCHED META", flush=True)

    # Body sections; PEEK leaves \Seen alone, BODY[] sets it.
    typ, data = m.fetch("1", "(BODY.PEEK[HEADER])")
    got = fetched(data)[1][0]
    assert got[1] == MAIL[0].split(b"\r\n\r\n")[0] + b"\r\n\r\n", got
    typ, data = m.fetch("1", "(FLAGS)")
    assert b"\\Seen" not in data[0], data
    typ, data = m.fetch("1", "(BODY.PEEK[HEADER.FIELDS (SUBJECT)])")
    assert fetched(data)[1][0][1] == b"Subject: Hello there\r\n\r\n", data
    typ, data = m.fetch("1", "(RFC822.HEADER)")
    assert fetched(data)[1][0][1].startswith(b"From: Ann"), data
    typ, data = m.fetch("1", "(BODY[TEXT])")
    got = fetched(data)[1]
    assert got[0][1] == b"First body, about ZEBRAS.\r\n", got
    assert any(b"\\Seen" in line for line, _ in got) or b"\\Seen" in data[-1], data
    typ, data = m.fetch("2", "(BODY.PEEK[]<0.10>)")
    got = fetched(data)[2][0]
    assert got[1] == MAIL[1][:10] and b"BODY[]<0>" in got[0], got
    typ, data = m.fetch("2", "(RFC822)")
    assert fetched(data)[2][0][1] == MAIL[1], data
    typ, data = m.fetch("2", "(FLAGS)")
    assert b"\\Seen" in data[0], data
    typ, data = m.fetch("*", "(UID)")
    assert data[0] == f"3 (UID {uids[2]})".encode(), data
    typ, data = m.fetch("1", "(ENVELOPE)")
    assert typ == "OK", data
    env = data[0]
    assert b'"Hello there"' in env and b'(("Ann" NIL "ann" "example.com"))' in env, env
    assert b'((NIL NIL "bob" "example.com"))' in env, env
    typ, data = m.fetch("2", "ALL")
    assert typ == "OK" and b"ENVELOPE (NIL " in data[0] and b"RFC822.SIZE" in data[0], data
    assert b'"Second"' in data[0], data
    # Every body in one command, in order (on PostgreSQL they come with their rows).
    typ, data = m.fetch("1:*", "(BODY.PEEK[])")
    got = fetched(data)
    assert typ == "OK" and [got[n][0][1] for n in (1, 2, 3)] == MAIL, data
    typ, data = m.uid("FETCH", f"{uids[0]},{uids[2]}", "(BODY.PEEK[TEXT])")
    got = fetched(data)
    assert [got[1][0][1], got[3][0][1]] == [b"First body, about ZEBRAS.\r\n", b"short\r\n"], data
    print("FETCHED BODIES", flush=True)

    # UID FETCH: past the last UID.
    typ, data = m.uid("FETCH", f"{uids[2] + 50}:*", "(FLAGS)")
    assert typ == "OK" and f"UID {uids[2]}".encode() in data[0], data
    typ, data = m.uid("FETCH", f"{uids[2] + 50}:{uids[2] + 60}", "(FLAGS)")
    assert typ == "OK" and data == [None], data
    typ, data = m.uid("FETCH", f"{uids[0]},{uids[2]}", "(RFC822.SIZE)")
    assert len(data) == 2 and data[1].startswith(b"3 ("), data

    # Malformed or unsupported FETCH: BAD, and the session goes on.
    expect_bad("FETCH", "1", "(NOPE)")
    expect_bad("FETCH", "x:y", "(FLAGS)")
    expect_bad("FETCH", "9", "(FLAGS)")
    # RFC 3516 BINARY takes part numbers only.
    expect_bad("FETCH", "1", "(BINARY[TEXT])")
    expect_bad("FETCH", "1", "(BODY.PEEK[1.0])")
    typ, data = m.fetch("1", "FULL")
    assert typ == "OK" and b"BODY (" in data[0], data
    print("FETCH BAD INPUT", flush=True)

    # STORE.
    typ, data = m.store("1", "+FLAGS", r"(\Deleted)")
    assert typ == "OK" and b"\\Deleted" in data[0] and b"\\Flagged" in data[0], data
    typ, data = m.uid("STORE", str(uids[1]), "+FLAGS", r"(\Answered Custom)")
    assert typ == "OK" and f"UID {uids[1]}".encode() in data[0], data
    assert b"Custom" in data[0], data
    typ, data = m.store("2", "-FLAGS.SILENT", "(Custom)")
    assert typ == "OK" and data == [None], data
    typ, data = m.store("3", "FLAGS", r"(\Seen \Draft)")
    assert typ == "OK" and b"$Work" not in data[0] and b"\\Draft" in data[0], data
    expect_bad("STORE", "1", "+FLAGS", r"(\Recent)")
    print("STORED", flush=True)

    # SEARCH.
    def search(*criteria, uid=False):
        typ, data = m.uid("SEARCH", *criteria) if uid else m.search(None, *criteria)
        assert typ == "OK", (criteria, data)
        return [int(n) for n in data[0].split()]

    assert search("ALL") == [1, 2, 3]
    assert search("SEEN") == [1, 2, 3]
    assert search("UNSEEN") == []
    assert search("FLAGGED") == [1]
    assert search("UNFLAGGED") == [2, 3]
    assert search("DELETED") == [1]
    assert search("UNDELETED") == [2, 3]
    assert search("ANSWERED") == [2]
    assert search("DRAFT") == [3]
    assert search("KEYWORD", "Custom") == []
    assert search("LARGER", "1000") == [2]
    assert search("SMALLER", "1000") == [1, 3]
    assert search("BEFORE", "1-Jan-2025") == [1]
    assert search("ON", "15-Mar-2025") == [2]
    assert search("SINCE", "15-Mar-2025") == [2, 3]
    assert search("NOT", "FLAGGED") == [2, 3]
    assert search("OR", "FLAGGED", "DRAFT") == [1, 3]
    assert search("FLAGGED", "DELETED") == [1]
    assert search("2:3") == [2, 3]
    assert search("UID", f"{uids[1]}:*") == [2, 3]
    assert search("SUBJECT", "hello") == [1]
    assert search("FROM", "cid@") == [2]
    assert search("BODY", "zebras") == [1]
    assert search("TEXT", "example.org") == [3]
    assert search("HEADER", "To", "bob") == [1]
    assert search("ALL", uid=True) == uids
    assert search("DRAFT", uid=True) == [uids[2]]
    expect_bad("SEARCH", "NONSENSE")
    print("SEARCHED", flush=True)

    # COPY with COPYUID; an unknown folder asks for TRYCREATE.
    typ, data = m.copy("2:3", "Archive")
    assert typ == "OK" and b"[COPYUID " in data[0], data
    copy_uid = data[0].split()
    assert int(copy_uid[1]) > 0 and copy_uid[2] == f"{uids[1]}:{uids[2]}".encode(), data
    typ, data = m.copy("1", "Nowhere")
    assert typ == "NO" and b"TRYCREATE" in data[0], (typ, data)

    # CREATE, STATUS, MOVE.
    assert m.create("Projects")[0] == "OK"
    typ, data = m.create("Projects")
    assert typ == "NO", data
    typ, data = m.status("Projects", "(MESSAGES UIDNEXT UIDVALIDITY UNSEEN RECENT)")
    assert typ == "OK" and b"MESSAGES 0" in data[0] and b"RECENT 0" in data[0], data
    typ, data = m.uid("MOVE", str(uids[2]), "Projects")
    assert typ == "OK", data
    assert m.untagged_responses.pop("EXPUNGE", None) == [b"3"], m.untagged_responses
    moved = m.untagged_responses.pop("COPYUID", [b""])[-1].split()
    assert moved[1:2] == [str(uids[2]).encode()], (moved, m.untagged_responses)
    typ, data = m.search(None, "ALL")
    assert data[0].split() == [b"1", b"2"], data
    typ, data = m.status("Projects", "(MESSAGES UNSEEN)")
    assert b"MESSAGES 1" in data[0] and b"UNSEEN 0" in data[0], data
    typ, data = m.status("Archive", "(MESSAGES)")
    assert b"MESSAGES 2" in data[0], data
    typ, data = m.status("Nowhere", "(MESSAGES)")
    assert typ == "NO", data
    print("COPIED AND MOVED", flush=True)

    # EXPUNGE: the \Deleted first message goes; the rest renumber.
    typ, data = m.store("2", "+FLAGS.SILENT", r"(\Deleted)")
    typ, data = m.uid("EXPUNGE", str(uids[1]))
    assert typ == "OK" and m.untagged_responses.pop("EXPUNGE", None) == [b"2"], data
    typ, data = m.expunge()
    assert typ == "OK" and data == [b"1"], data
    typ, data = m.search(None, "ALL")
    assert data == [b""], data
    typ, data = m.status("INBOX", "(MESSAGES UIDNEXT UIDVALIDITY UNSEEN RECENT)")
    assert b"MESSAGES 0" in data[0] and f"UIDVALIDITY {uidvalidity}".encode() in data[0], data
    assert f"UIDNEXT {uids[2] + 1}".encode() in data[0], data
    print("EXPUNGED", flush=True)

    # Read-only: no STORE, no implicit \Seen.
    assert m.select("Archive", readonly=True)[0] == "OK"
    m.uid("STORE", "1:*", "-FLAGS", r"(\Seen)")  # refused: read-only
    typ, data = m.store("1", "-FLAGS", r"(\Seen)")
    assert typ == "NO" and b"READ-ONLY" in data[0], (typ, data)
    assert m.expunge()[0] == "NO"
    assert m.select("Projects")[0] == "OK"
    typ, data = m.store("1", "-FLAGS", r"(\Seen)")
    m.close()
    assert m.select("Projects", readonly=True)[0] == "OK"
    typ, data = m.fetch("1", "(BODY[])")
    typ, data = m.fetch("1", "(FLAGS)")
    assert b"\\Seen" not in data[0], data
    # UNSELECT keeps \Deleted messages; CLOSE removes them.
    assert m.select("Projects")[0] == "OK"
    m.store("1", "+FLAGS.SILENT", r"(\Deleted)")
    assert m._simple_command("UNSELECT")[0] == "OK"
    typ, data = m.status("Projects", "(MESSAGES)")
    assert b"MESSAGES 1" in data[0], data
    assert m.select("Projects")[0] == "OK"
    assert m.close()[0] == "OK"
    typ, data = m.status("Projects", "(MESSAGES)")
    assert b"MESSAGES 0" in data[0], data

    # Folder commands.
    assert m.rename("Projects", "Projects/2026")[0] == "OK"
    typ, data = m.list('""', "Projects*")
    assert b"Projects/2026" in b"".join(data), data
    assert m.unsubscribe("Projects/2026")[0] == "OK"
    typ, data = m.lsub('""', "*")
    assert b"Projects/2026" not in b"".join(d for d in data if d), data
    assert m.subscribe("Projects/2026")[0] == "OK"
    assert m.delete("Projects/2026")[0] == "OK"
    assert m.delete("Projects/2026")[0] == "NO"
    assert m.delete("INBOX")[0] == "NO"
    assert m.select("INBOX")[0] == "OK"
    assert m.check()[0] == "OK"
    m.logout()
    print("MAIL OK", flush=True)
    sys.exit(0)

if mode == "edges":
    # No folder selected yet: FETCH, STORE, SEARCH, EXPUNGE are BAD; APPEND and STATUS work.
    for command in ("FETCH 1 (FLAGS)", "SEARCH ALL", "EXPUNGE", "UID STORE 1 +FLAGS (x)"):
        assert raw(command) == "BAD", command
    assert m.status("INBOX", "(MESSAGES)")[0] == "OK"
    assert m.select("INBOX")[0] == "OK"
    # An empty folder: `1:*` and UID ranges name nothing.
    typ, data = m.fetch("1:*", "(FLAGS)")
    assert typ == "OK" and data == [None], data
    typ, data = m.uid("FETCH", "1:*", "(FLAGS)")
    assert typ == "OK" and data == [None], data
    typ, data = m.search(None, "ALL")
    assert data == [b""], data
    typ, data = m.uid("STORE", "1:*", "+FLAGS", r"(\Seen)")
    assert typ == "OK", data
    assert m.append("INBOX", None, None, b"Subject: x\r\n\r\nbody\r\n")[0] == "OK"
    # Partials past the end, and huge numbers, are empty strings, not errors.
    typ, data = m.fetch("1", "(BODY.PEEK[]<4294967295.4294967295>)")
    assert typ == "OK" and data[0][1] == b"", data
    typ, data = m.fetch("1", "(BODY.PEEK[TEXT]<2.100>)")
    assert data[0][1] == b"dy\r\n", data
    typ, data = m.uid("FETCH", "4294967295", "(FLAGS)")
    assert typ == "OK" and data == [None], data
    assert raw(" ".join(["FETCH", "0", "(FLAGS)"])) == "BAD"
    assert raw(" ".join(["FETCH", "1", "(BODY[HEADER.FIELDS ()])"])) == "BAD"
    assert raw(" ".join(["FETCH", "1", "(BODY[]<1>)"])) == "BAD"
    assert raw(" ".join(["FETCH", "1", "BODY["])) == "BAD"
    assert raw(" ".join(["FETCH", "1:2", "(FLAGS)"])) == "BAD"
    assert raw(" ".join(["SEARCH", "SENTBEFORE", "1-Jan-2020"])) == "OK"
    typ, data = m.search("KOI8-R", "ALL")
    assert typ == "NO" and b"BADCHARSET" in data[0], (typ, data)
    # Commands go on.
    typ, data = m.fetch("1", "(UID FLAGS)")
    assert typ == "OK" and b"UID " in data[0], data
    m.logout()
    print("EDGES OK", flush=True)
    sys.exit(0)

if mode == "overquota":
    big = b"Subject: big\r\n\r\n" + (b"y" * 76 + b"\r\n") * 8000
    for i in range(4):
        typ, data = m.append("INBOX", None, None, big)
        if typ == "NO":
            assert b"OVERQUOTA" in data[0], data
            assert m.noop()[0] == "OK"
            print("OVERQUOTA after", i, flush=True)
            sys.exit(0)
    sys.exit("the quota never refused an APPEND")

sys.exit(f"unknown mode {mode}")
