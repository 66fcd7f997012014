"""Two or more real IMAP clients (Python's imaplib) on one mailbox at once, checking what each
is told of the others' changes (RFC 3501 §7.4.1, RFC 7162).

usage: imap_sessions_client.py PORT LOGIN PASSWORD MODE
  views      two sessions: new keywords in FLAGS first, flag changes, EXISTS, \\Recent, no
             EXPUNGE during FETCH/STORE/SEARCH, NO [EXPUNGEISSUED] for a body gone meanwhile,
             EXPUNGE on NOOP; prints VIEWS OK
  condstore  HIGHESTMODSEQ, FETCH CHANGEDSINCE, STORE UNCHANGEDSINCE with [MODIFIED],
             MODSEQ in untagged FETCH; prints CONDSTORE OK
  qresync    a client away while another changes the folder resyncs with SELECT (QRESYNC) and
             UID FETCH (CHANGEDSINCE VANISHED); prints QRESYNC OK
  reopen     a folder large enough for the node to keep its state, opened again after
             another session's changes: counts, flags, keywords and numbers as the store has
             them; prints REOPEN OK
"""
import imaplib
import re
import sys

port, login, password, mode = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]
MAIL = b"From: a@example.com\r\nSubject: s%d\r\n\r\nbody %d\r\n"


def connect():
    m = imaplib.IMAP4("127.0.0.1", port, timeout=15)
    typ, data = m.login(login, password)
    assert typ == "OK", data
    return m


def drain(m, name):
    """The untagged responses of one kind imaplib collected, and forgets them."""
    return m.untagged_responses.pop(name, [])


def append(m, n, flags=None):
    typ, data = m.append("INBOX", flags, None, MAIL % (n, n))
    assert typ == "OK", data


def command(m, name, *args):
    """A command imaplib has no method for (or one whose answer it hides), raw."""
    tag = m._command(name, *args)
    typ, data = m._command_complete(name, tag)
    return typ, data


def views():
    a, b = connect(), connect()
    for n in range(1, 4):
        append(b, n)
    typ, data = a.select("INBOX")
    assert typ == "OK" and int(data[0]) == 3, data
    assert drain(a, "RECENT") == [b"3"], a.untagged_responses
    drain(a, "EXISTS")
    # The first session to see a message has it as \Recent; the next does not.
    typ, data = b.select("INBOX")
    assert drain(b, "RECENT") == [b"0"], b.untagged_responses
    typ, data = a.fetch("1", "(FLAGS)")
    assert b"\\Recent" in data[0], data
    typ, data = a.search(None, "RECENT")
    assert data == [b"1 2 3"], data

    # B sets a keyword new to the folder: A hears FLAGS with it before the FETCH that shows it.
    typ, data = b.store("1", "+FLAGS", "($Important)")
    assert typ == "OK", data
    typ, data = a.noop()
    flags = drain(a, "FLAGS")
    assert flags and b"$Important" in flags[-1], (flags, a.untagged_responses)
    fetched = drain(a, "FETCH")
    assert any(b"$Important" in f for f in fetched), fetched

    # B expunges message 2 and appends message 4.
    b.store("2", "+FLAGS", "(\\Deleted)")
    b.expunge()
    append(b, 4)
    drain(a, "EXPUNGE")
    # During a FETCH by number A keeps its numbers: no EXPUNGE, message 2 still there.
    typ, data = a.fetch("1:*", "(UID FLAGS)")
    assert typ == "OK", data
    assert not drain(a, "EXPUNGE"), "EXPUNGE during FETCH"
    assert drain(a, "EXISTS") == [b"4"], a.untagged_responses
    uids = [int(re.search(rb"UID (\d+)", d).group(1)) for d in data if isinstance(d, bytes)]
    assert uids == [1, 2, 3, 4], data
    # The body of message 2 is gone: the rest is answered, then NO [EXPUNGEISSUED].
    typ, data = a.fetch("1:3", "(BODY.PEEK[TEXT])")
    assert typ == "NO" and b"EXPUNGEISSUED" in data[-1], (typ, data)
    drain(a, "FETCH")
    typ, data = a.search(None, "ALL")
    assert not drain(a, "EXPUNGE"), "EXPUNGE during SEARCH"
    # NOOP may tell it: message 2 goes, and the numbers shift.
    typ, data = a.noop()
    assert drain(a, "EXPUNGE") == [b"2"], a.untagged_responses
    typ, data = a.fetch("2", "(UID)")
    assert b"UID 3" in data[0], data
    # A's own STORE is told once, in its own answer.
    typ, data = a.store("1", "+FLAGS", "(\\Flagged)")
    assert typ == "OK" and b"\\Flagged" in data[0], data
    typ, data = a.noop()
    assert not drain(a, "FETCH"), a.untagged_responses
    # IDLE hears B's append at once (imaplib of Python 3.11 has no IDLE: raw lines).
    tag = a._new_tag()
    a.send(tag + b" IDLE\r\n")
    assert a.readline().startswith(b"+"), "no continuation for IDLE"
    append(b, 5)
    assert a.readline() == b"* 4 EXISTS\r\n"
    a.send(b"DONE\r\n")
    line = a.readline()
    while not line.startswith(tag):
        line = a.readline()
    assert line.startswith(tag + b" OK"), line
    for m in (a, b):
        m.logout()
    print("VIEWS OK")


def modseq_of(data):
    return int(re.search(rb"MODSEQ \((\d+)\)", data).group(1))


def condstore():
    a, b = connect(), connect()
    for n in range(1, 4):
        append(b, n)
    # A CONDSTORE-enabling command tells HIGHESTMODSEQ the first time (RFC 7162 §3.1).
    c = connect()
    c.select("INBOX")
    drain(c, "HIGHESTMODSEQ")
    typ, data = c.fetch("1", "(MODSEQ)")
    assert typ == "OK" and len(drain(c, "HIGHESTMODSEQ")) == 1, (data, c.untagged_responses)
    c.fetch("1", "(MODSEQ)")
    assert drain(c, "HIGHESTMODSEQ") == [], c.untagged_responses
    c.logout()
    typ, data = command(a, "ENABLE", "CONDSTORE")
    assert typ == "OK" and drain(a, "ENABLED") == [b"CONDSTORE"], a.untagged_responses
    typ, data = a.select("INBOX")
    highest = int(drain(a, "HIGHESTMODSEQ")[0])
    typ, data = a.fetch("1:*", "(FLAGS) (CHANGEDSINCE %d)" % highest)
    assert data == [None], data
    b.select("INBOX")
    b.store("2", "+FLAGS", "(\\Seen)")
    typ, data = a.fetch("1:*", "(FLAGS) (CHANGEDSINCE %d)" % highest)
    # The change may also come unasked first (as any change by another session may).
    assert data and all(d.startswith(b"2 ") for d in data), data
    changed = modseq_of(data[-1])
    assert changed > highest, data
    # SEARCH MODSEQ finds it too, naming the highest mod-sequence found.
    typ, data = a.search(None, "MODSEQ %d" % (highest + 1))
    assert data == [b"2 (MODSEQ %d)" % changed], data
    drain(a, "FETCH")
    # A STORE conditional on an older mod-sequence leaves message 2 alone.
    typ, data = a.store("1:3", "(UNCHANGEDSINCE %d) +FLAGS" % highest, "(\\Flagged)")
    assert typ == "OK", data
    # imaplib files the tagged OK's [MODIFIED 2] with the untagged responses.
    assert drain(a, "MODIFIED") == [b"2"], (data, a.untagged_responses)
    assert len(data) == 2 and all(b"MODSEQ" in d for d in data), data
    drain(b, "FETCH")
    typ, data = b.fetch("2", "(FLAGS)")
    assert b"\\Flagged" not in data[-1], data
    # B's change reaches A with its MODSEQ.
    drain(a, "FETCH")
    b.store("3", "+FLAGS", "($Later)")
    a.noop()
    fetched = drain(a, "FETCH")
    assert fetched and b"MODSEQ" in fetched[-1] and b"$Later" in fetched[-1], fetched
    typ, data = command(a, "STATUS", "INBOX", "(HIGHESTMODSEQ)")
    status = drain(a, "STATUS")
    assert status and b"HIGHESTMODSEQ" in status[0], (typ, data, a.untagged_responses)
    for m in (a, b):
        m.logout()
    print("CONDSTORE OK")


def qresync():
    a, b = connect(), connect()
    for n in range(1, 6):
        append(b, n)
    typ, data = command(a, "ENABLE", "QRESYNC")
    assert typ == "OK", data
    typ, data = a.select("INBOX")
    validity = int(drain(a, "UIDVALIDITY")[0])
    highest = int(drain(a, "HIGHESTMODSEQ")[0])
    a.logout()
    # Offline, B flags message 1 and expunges 2 and 3.
    b.select("INBOX")
    b.store("1", "+FLAGS", "(\\Answered)")
    b.store("2:3", "+FLAGS", "(\\Deleted)")
    b.expunge()
    a = connect()
    command(a, "ENABLE", "QRESYNC")
    typ, data = command(a, "SELECT", "INBOX (QRESYNC (%d %d 1:5))" % (validity, highest))
    assert typ == "OK", data
    a.state = "SELECTED"
    vanished = drain(a, "VANISHED")
    assert vanished == [b"(EARLIER) 2:3"], a.untagged_responses
    fetched = drain(a, "FETCH")
    assert len(fetched) == 1 and b"UID 1" in fetched[0] and b"\\Answered" in fetched[0], fetched
    # The same through UID FETCH, and VANISHED (not EXPUNGE) for what goes while selected.
    typ, data = a.uid("FETCH", "1:*", "(FLAGS) (CHANGEDSINCE %d VANISHED)" % highest)
    assert drain(a, "VANISHED") == [b"(EARLIER) 2:3"], a.untagged_responses
    b.uid("STORE", "4", "+FLAGS", "(\\Deleted)")
    b.expunge()
    a.noop()
    assert drain(a, "VANISHED") == [b"4"], a.untagged_responses
    assert not drain(a, "EXPUNGE")
    for m in (a, b):
        m.logout()
    print("QRESYNC OK")


# Above the size of folder whose state a node keeps between SELECTs.
LARGE = 1200


def fill(m, count):
    """COUNT messages in, 100 to a MULTIAPPEND with non-synchronising literals."""
    for start in range(0, count, 100):
        tag = m._new_tag()
        line = tag + b" APPEND INBOX"
        for n in range(start, min(count, start + 100)):
            mail = MAIL % (n, n)
            line += b" {%d+}\r\n" % len(mail) + mail
        m.send(line + b"\r\n")
        answer = m.readline()
        while not answer.startswith(tag):
            answer = m.readline()
        assert answer.startswith(tag + b" OK"), answer


def opened(m, name="INBOX"):
    """SELECT's count and what its untagged answers said."""
    typ, data = m.select(name)
    assert typ == "OK", data
    said = {k: drain(m, k) for k in ("FLAGS", "UNSEEN", "EXISTS")}
    return int(data[0]), said


def reopen():
    a, b = connect(), connect()
    fill(a, LARGE)
    exists, _ = opened(a)
    assert exists == LARGE, exists
    a.logout()
    # While no one has it open, B changes flags, adds a keyword, expunges and appends.
    opened(b)
    b.store("1:10", "+FLAGS", "(\\Seen)")
    b.store("5", "+FLAGS", "($Later)")
    b.store("3", "+FLAGS", "(\\Deleted)")
    b.expunge()
    append(b, LARGE)
    b.close()
    c = connect()
    exists, said = opened(c)
    assert exists == LARGE, exists
    assert b"$Later" in said["FLAGS"][-1], said
    # UIDs 1, 2 and 4 to 10 are seen: the first unseen is UID 11, number 10.
    assert said["UNSEEN"] == [b"10"], said
    typ, data = c.fetch("4", "(UID FLAGS)")
    assert b"UID 5 " in data[0] and b"$Later" in data[0] and b"\\Seen" in data[0], data
    typ, data = c.fetch("*", "(UID)")
    assert b"UID %d" % (LARGE + 1) in data[0], data
    typ, data = c.search(None, "SEEN")
    assert data == [b" ".join(b"%d" % n for n in range(1, 10))], data
    # Again, after more changes: the kept state moves on each time.
    c.close()
    b.select("INBOX")
    b.store("1:2", "-FLAGS", "(\\Seen)")
    b.store("1", "+FLAGS", "(\\Deleted)")
    b.expunge()
    exists, said = opened(c)
    assert exists == LARGE - 1 and said["UNSEEN"] == [b"1"], (exists, said)
    typ, data = c.fetch("1", "(UID FLAGS)")
    assert b"UID 2 " in data[0] and b"\\Seen" not in data[0], data
    for m in (b, c):
        m.logout()
    print("REOPEN OK")


{"views": views, "condstore": condstore, "qresync": qresync, "reopen": reopen}[mode]()
