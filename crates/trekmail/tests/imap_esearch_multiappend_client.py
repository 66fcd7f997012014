"""ESEARCH (RFC 4731) and MULTIAPPEND (RFC 3502) as a client sends them: imaplib signs in and
selects, and the commands imaplib has no method for go raw over its connection.

usage: imap_esearch_multiappend_client.py PORT MODE
  esearch      MIN/MAX/COUNT/ALL by number and UID, nothing found, RETURN (), a literal in
               the keys, MODSEQ, no EXPUNGE during a SEARCH by number, bad options answered
               BAD; prints ESEARCH OK
  multiappend  three messages with synchronising literals, then LITERAL+ and literal8, all
               seen by another session; a bad second message, a zero-length one, a missing
               folder and a batch over the quota leave nothing; prints MULTIAPPEND OK
  limits       (with max_literal_bytes = 2000, max_line_bytes = 1024) a batch past one
               command's room and a literal past the limit are refused, the connection goes
               on; prints LIMITS OK
"""
import imaplib
import re
import sys

port, mode = int(sys.argv[1]), sys.argv[2]
ANN = ("ann@example.com", "Ann-first-pass-1")
TINY = ("tiny@example.com", "Tiny-first-pass-1")
MAIL = b"From: a@example.com\r\nSubject: s%d\r\n\r\nbody %d\r\n"
SYNC = re.compile(rb"~?\{\d+\}\r\n$")


def connect(who=ANN):
    m = imaplib.IMAP4("127.0.0.1", port, timeout=15)
    typ, data = m.login(*who)
    assert typ == "OK", data
    return m


def raw(m, tag, *pieces):
    """Sends a command in `pieces`, waiting for `+` after each that announces a synchronising
    literal; returns the untagged lines before the tagged one, and the tagged one."""
    for piece in pieces:
        m.send(piece)
        if SYNC.search(piece):
            line = m.readline()
            assert line.startswith(b"+"), (tag, line)
    untagged = []
    while True:
        line = m.readline()
        assert line, (tag, "closed", untagged)
        if line.startswith(tag + b" "):
            return untagged, line.rstrip(b"\r\n")
        untagged.append(line.rstrip(b"\r\n"))


def esearch_of(untagged, tag):
    lines = [l for l in untagged if l.startswith(b"* ESEARCH (TAG \"%s\")" % tag)]
    assert len(lines) == 1, (tag, untagged)
    return lines[0]


def check(m, tag, command, expected):
    """`tag command` answers exactly `* ESEARCH (TAG "tag")` + `expected`, then OK."""
    untagged, tagged = raw(m, tag, tag + b" " + command + b"\r\n")
    assert tagged.startswith(tag + b" OK"), (command, tagged)
    got = esearch_of(untagged, tag)
    want = b"* ESEARCH (TAG \"%s\")%s" % (tag, expected)
    assert got == want, (command, got, want)
    assert not any(l.startswith(b"* SEARCH") for l in untagged), untagged
    return untagged


def modseqs(m):
    typ, data = m.fetch("1:*", "(MODSEQ)")
    assert typ == "OK", data
    return [int(re.search(rb"MODSEQ \((\d+)\)", d).group(1)) for d in data]


def esearch():
    a = connect()
    typ, caps = a.capability()
    words = caps[0].upper().split()
    assert b"ESEARCH" in words and b"MULTIAPPEND" in words, caps
    assert a.create("Find")[0] == "OK"
    for n in range(1, 7):
        assert a.append("Find", None, None, MAIL % (n, n))[0] == "OK"
    assert a.select("Find")[0] == "OK"
    # Message n is UID n + 1 from here on, so the UID answers differ from the others.
    assert a.store("1", "+FLAGS", r"(\Deleted)")[0] == "OK"
    assert a.expunge()[0] == "OK"
    assert a.store("2,4:5", "+FLAGS", r"(\Flagged)")[0] == "OK"

    check(a, b"E1", b"SEARCH RETURN (MIN MAX COUNT ALL) FLAGGED", b" MIN 2 MAX 5 COUNT 3 ALL 2,4:5")
    check(a, b"E2", b"UID SEARCH RETURN (MIN MAX COUNT ALL) FLAGGED", b" UID MIN 3 MAX 6 COUNT 3 ALL 3,5:6")
    check(a, b"E3", b"search return (count) 2:4 FLAGGED", b" COUNT 2")
    # Nothing found: COUNT 0 alone, still an ESEARCH.
    check(a, b"E4", b"SEARCH RETURN (MIN MAX COUNT ALL) SUBJECT nothing-like-it", b" COUNT 0")
    check(a, b"E5", b"UID SEARCH RETURN (MIN ALL) SUBJECT nothing-like-it", b" UID")
    # RETURN () is ALL.
    check(a, b"E6", b"UID SEARCH RETURN () UNFLAGGED", b" UID ALL 2,4")
    # The keys after the options may hold a literal; the client waits for its `+`.
    untagged, tagged = raw(a, b"E7", b"E7 SEARCH RETURN (COUNT MIN) CHARSET UTF-8 SUBJECT {2}\r\n", b"s4\r\n")
    assert tagged.startswith(b"E7 OK"), tagged
    assert esearch_of(untagged, b"E7") == b'* ESEARCH (TAG "E7") MIN 3 COUNT 1', untagged

    # MODSEQ (RFC 4731 §3.2): that of the message MIN or MAX names, else the highest found.
    assert a.store("3", "+FLAGS", r"($Later)")[0] == "OK"
    seqs = modseqs(a)
    assert seqs[2] == max(seqs) and len(set(seqs)) > 1, seqs
    check(a, b"E8", b"SEARCH RETURN (MIN) MODSEQ 1", b" MIN 1 MODSEQ %d" % seqs[0])
    check(a, b"E9", b"SEARCH RETURN (MAX) MODSEQ 1", b" MAX 5 MODSEQ %d" % seqs[4])
    check(a, b"E10", b"SEARCH RETURN (MIN MAX) MODSEQ 1", b" MIN 1 MAX 5 MODSEQ %d" % max(seqs[0], seqs[4]))
    check(a, b"E11", b"UID SEARCH RETURN (COUNT) MODSEQ 1", b" UID COUNT 5 MODSEQ %d" % max(seqs))
    check(a, b"E12", b"SEARCH RETURN (ALL) MODSEQ %d" % (max(seqs) + 1), b"")

    # Another session expunges: a SEARCH by number must not be told so; a UID SEARCH is.
    b = connect()
    assert b.select("Find")[0] == "OK"
    assert b.store("1", "+FLAGS", r"(\Deleted)")[0] == "OK"
    assert b.expunge()[0] == "OK"
    untagged = check(a, b"E13", b"SEARCH RETURN (COUNT) ALL", b" COUNT 4")
    assert not any(l.endswith(b" EXPUNGE") for l in untagged), untagged
    untagged = check(a, b"E14", b"UID SEARCH RETURN (MIN COUNT) ALL", b" UID MIN 3 COUNT 4")
    assert b"* 1 EXPUNGE" in untagged, untagged

    # Bad result options and keys: BAD saying why, and the connection goes on.
    for tag, command, text in [
        (b"B1", b"SEARCH RETURN (MIN BOGUS) ALL", b"Unknown result option: MIN, MAX, COUNT and ALL are known"),
        (b"B2", b"SEARCH RETURN MIN ALL", b"Bad result options: expected a list such as (MIN MAX COUNT ALL)"),
        (b"B3", b"UID SEARCH RETURN (MIN) NOTAKEY 1", b"Bad search keys"),
        (b"B4", b"SEARCH RETURN (COUNT)", b"Expected search keys after the result options"),
        (b"B5", b"SEARCH RETURN (SAVE) ALL", b"Unknown result option: MIN, MAX, COUNT and ALL are known"),
    ]:
        untagged, tagged = raw(a, tag, tag + b" " + command + b"\r\n")
        assert tagged == tag + b" BAD " + text, (command, tagged)
    assert a.noop()[0] == "OK"
    assert a.close()[0] == "OK"
    untagged, tagged = raw(a, b"B6", b"B6 SEARCH RETURN (MIN) ALL\r\n")
    assert tagged == b"B6 BAD No folder selected", tagged
    # Before sign-in it is refused like any mail command.
    c = imaplib.IMAP4("127.0.0.1", port, timeout=15)
    untagged, tagged = raw(c, b"B7", b"B7 SEARCH RETURN (MIN) ALL\r\n")
    assert tagged == b"B7 BAD Sign in first", tagged
    print("ESEARCH OK")


def status(m, folder):
    typ, data = m.status(folder, "(MESSAGES UIDNEXT)")
    assert typ == "OK", data
    return data[0]


def appenduid(tagged, tag):
    found = re.fullmatch(rb"%s OK \[APPENDUID (\d+) ([\d:,]+)\] APPEND completed" % tag, tagged)
    assert found, tagged
    return int(found.group(1)), found.group(2)


def multiappend():
    a, b = connect(), connect()
    assert a.create("Batch")[0] == "OK"
    assert b.select("Batch")[0] == "OK"
    b.untagged_responses.clear()
    m1, m2, m3 = (MAIL % (n, n) for n in (1, 2, 3))
    # Synchronising literals: `raw` waits for each `+`.
    untagged, tagged = raw(
        a, b"M1",
        b"M1 APPEND Batch {%d}\r\n" % len(m1),
        m1 + b' (\\Seen $Done) {%d}\r\n' % len(m2),
        m2 + b' "05-Mar-2025 10:00:00 +0100" {%d}\r\n' % len(m3),
        m3 + b"\r\n",
    )
    validity, uids = appenduid(tagged, b"M1")
    assert uids == b"1:3", tagged
    # The other session hears of all three at once.
    assert b.noop()[0] == "OK"
    assert b.untagged_responses.pop("EXISTS", None) == [b"3"], b.untagged_responses
    typ, data = b.fetch("1:3", "(UID FLAGS INTERNALDATE BODY.PEEK[])")
    assert typ == "OK", data
    bodies = [d[1] for d in data if isinstance(d, tuple)]
    assert bodies == [m1, m2, m3], data
    heads = [d[0] for d in data if isinstance(d, tuple)]
    assert b"$Done" in heads[1] and b"\\Seen" in heads[1], heads
    # The date given, told in UTC.
    assert b'"05-Mar-2025 09:00:00 +0000"' in heads[2], heads

    # LITERAL+: the whole command in one write, nothing waited for.
    m4, m5 = MAIL % (4, 4), MAIL % (5, 5)
    untagged, tagged = raw(a, b"M2", b"M2 APPEND Batch {%d+}\r\n%s (\\Flagged) {%d+}\r\n%s\r\n" % (len(m4), m4, len(m5), m5))
    assert appenduid(tagged, b"M2") == (validity, b"4:5"), tagged
    # literal8 (RFC 3516) in one part, NUL octets and all.
    m7 = b"Subject: bin\r\n\r\nnul \0 here\r\n"
    untagged, tagged = raw(a, b"M3", b"M3 APPEND Batch {%d+}\r\n%s ~{%d}\r\n" % (len(m1), m1, len(m7)), m7 + b"\r\n")
    assert appenduid(tagged, b"M3") == (validity, b"6:7"), tagged
    assert b.noop()[0] == "OK"
    assert b.untagged_responses.pop("EXISTS", None) == [b"7"], b.untagged_responses
    typ, data = b.fetch("7", "(BINARY.PEEK[])")
    assert typ == "OK" and data[0][1] == m7, data

    # Whichever message is bad, none of them stays.
    before = status(a, "Batch")
    ok = b"{%d+}\r\n%s" % (len(m1), m1)
    for tag, second, answer in [
        (b"F1", b"(\\Recent) " + ok, b"F1 BAD \\Recent and unknown system flags cannot be stored"),
        (b"F2", b"{5+}\r\na\0b\r\n", b"F2 BAD A message with NUL octets must be sent as literal8 (~{n})"),
        (b"F3", b'"31-Feb-2025 10:00:00 +0000" ' + ok, b"F3 BAD Bad flags or date"),
        (b"F4", b"{0+}\r\n", b"F4 NO A zero-length message cancels the APPEND"),
        (b"F5", b"(\\Seen) " + ok + b" junk", b"F5 BAD Expected a message literal"),
    ]:
        untagged, tagged = raw(a, tag, tag + b" APPEND Batch " + ok + b" " + second + b"\r\n")
        assert tagged == answer, (tag, tagged)
    untagged, tagged = raw(a, b"F6", b"F6 APPEND Nowhere " + ok + b" " + ok + b"\r\n")
    assert tagged.startswith(b"F6 NO [TRYCREATE]"), tagged
    assert status(a, "Batch") == before, (before, status(a, "Batch"))
    assert b.noop()[0] == "OK"
    assert "EXISTS" not in b.untagged_responses, b.untagged_responses

    # Over the quota together, though each would fit alone: none stays (1 MB mailbox).
    t = connect(TINY)
    big = b"Subject: big\r\n\r\n" + b"x" * 600_000 + b"\r\n"
    part = b"{%d+}\r\n%s" % (len(big), big)
    untagged, tagged = raw(t, b"Q1", b"Q1 APPEND INBOX " + part + b" " + part + b"\r\n")
    assert tagged.startswith(b"Q1 NO [OVERQUOTA]"), tagged
    assert b"MESSAGES 0" in status(t, "INBOX"), status(t, "INBOX")
    untagged, tagged = raw(t, b"Q2", b"Q2 APPEND INBOX " + part + b"\r\n")
    assert tagged.startswith(b"Q2 OK [APPENDUID "), tagged
    print("MULTIAPPEND OK")


def limits():
    a = connect()
    # 3 x 1,500 octets: each literal is within 2,000, the command past its 3,024.
    piece = b"Subject: l\r\n\r\n" + b"y" * 1486
    assert len(piece) == 1500
    part = b"{1500+}\r\n" + piece
    untagged, tagged = raw(a, b"L1", b"L1 APPEND INBOX " + part + b" " + part + b" " + part + b"\r\n")
    assert tagged == b"L1 BAD Command too long", tagged
    assert a.noop()[0] == "OK"
    # A synchronising literal past the limit is refused before it is sent.
    a.send(b"L2 APPEND INBOX {1500}\r\n")
    assert a.readline().startswith(b"+")
    a.send(piece + b" {2500}\r\n")
    line = a.readline()
    assert line.startswith(b"L2 BAD"), line
    untagged, tagged = raw(a, b"L3", b"L3 NOOP\r\n")
    assert tagged.startswith(b"L3 OK"), (untagged, tagged)
    assert b"MESSAGES 0" in status(a, "INBOX"), status(a, "INBOX")
    # Within the room, a batch goes in.
    small = b"{700+}\r\n" + piece[:700]
    untagged, tagged = raw(a, b"L4", b"L4 APPEND INBOX " + small + b" " + small + b"\r\n")
    assert appenduid(tagged, b"L4")[1] == b"1:2", tagged
    print("LIMITS OK")


{"esearch": esearch, "multiappend": multiappend, "limits": limits}[mode]()
