"""Raw IMAP lines for folders and the wire: LIST and LSUB, LIST-EXTENDED with CHILDINFO,
LIST-STATUS, STATUS=SIZE, and COMPRESS=DEFLATE (Python's zlib, raw DEFLATE, wbits=-15) over
plain TCP and TLS. imaplib cannot send LIST-EXTENDED's form nor compress, so lines go out as
written here and every answer line is checked.

usage: imap_folders_client.py folders PORT LOGIN PASSWORD
       imap_folders_client.py compress PORT TLS_PORT LOGIN PASSWORD
Prints "<MODE> OK" at the end; any mismatch exits non-zero with the lines seen.
"""
import re
import socket
import ssl
import sys
import zlib


class Session:
    """One connection; after COMPRESS both directions go through zlib."""

    def __init__(self, port, tls=False):
        sock = socket.create_connection(("127.0.0.1", port), timeout=15)
        if tls:
            context = ssl.create_default_context()
            context.check_hostname = False
            context.verify_mode = ssl.CERT_NONE
            sock = context.wrap_socket(sock)
        self.sock = sock
        self.buffer = b""
        self.deflate = None
        self.inflate = None
        self.tags = 0
        greeting = self.line()
        assert greeting.startswith(b"* OK"), greeting

    def send(self, data):
        if self.deflate:
            data = self.deflate.compress(data) + self.deflate.flush(zlib.Z_SYNC_FLUSH)
        self.sock.sendall(data)

    def fill(self):
        # Times out (and fails) if the server leaves output unflushed.
        data = self.sock.recv(65536)
        if not data:
            raise EOFError("server closed: " + repr(self.buffer))
        if self.inflate:
            data = self.inflate.decompress(data)
        self.buffer += data

    def line(self):
        while b"\r\n" not in self.buffer:
            self.fill()
        line, self.buffer = self.buffer.split(b"\r\n", 1)
        return line

    def exactly(self, n):
        while len(self.buffer) < n:
            self.fill()
        data, self.buffer = self.buffer[:n], self.buffer[n:]
        return data

    def response(self):
        """The next response, with its literals' bytes inline."""
        line = self.line()
        while True:
            m = re.search(rb"\{(\d+)\}$", line)
            if not m:
                return line
            line += b"\r\n" + self.exactly(int(m.group(1))) + self.line()

    def command(self, text, literal=None):
        """Sends `TAG text` (and a LITERAL+ literal); returns (untagged, tagged)."""
        self.tags += 1
        tag = b"t%d" % self.tags
        data = tag + b" " + text.encode()
        if literal is not None:
            data += b" {%d+}\r\n" % len(literal) + literal
        self.send(data + b"\r\n")
        untagged = []
        while True:
            line = self.response()
            if line.startswith(tag + b" "):
                return untagged, line[len(tag) + 1 :]
            untagged.append(line)

    def ok(self, text, literal=None):
        untagged, tagged = self.command(text, literal)
        assert tagged.startswith(b"OK"), (text, untagged, tagged)
        return untagged

    def start_compression(self):
        untagged, tagged = self.command("COMPRESS DEFLATE")
        assert tagged.startswith(b"OK"), tagged
        assert not self.buffer, "nothing may follow the OK uncompressed"
        self.deflate = zlib.compressobj(6, zlib.DEFLATED, -15)
        self.inflate = zlib.decompressobj(-15)


def expect_lines(got, want, what):
    """`got` must be exactly `want`, in order; mailbox names may come quoted or not."""
    unquote = re.compile(rb'^(\* (?:LIST|LSUB) \([^)]*\) "/" |\* STATUS )"([^"\\]*)"')
    norm = [unquote.sub(rb"\1\2", g).decode() for g in got]
    assert norm == want, f"{what}:\n got  {norm}\n want {want}"


def folders(port, login, password):
    s = Session(port)
    s.ok(f"LOGIN {login} {password}")
    caps = b" ".join(s.ok("CAPABILITY")).upper().split()
    for cap in (b"LIST-EXTENDED", b"LIST-STATUS", b"STATUS=SIZE", b"COMPRESS=DEFLATE", b"SPECIAL-USE"):
        assert cap in caps, (cap, caps)

    root = s.ok('LIST "" ""')
    assert root == [b'* LIST (\\Noselect) "/" ""'], root

    made = ["Trips", "Trips/Atlas", "Trips/Coast/", "Trips/Coast/Atlas", "Trips/Desert", "Trips/Forest/Cabins",
            "Trips/Lakes/Camps", "Trips/Peaks", "Trips/Peaks/Peaks", "Trips/Peaks/Ridges"]
    for name in made:
        s.ok(f'CREATE "{name}"')
    # CREATE does not subscribe (RFC 3501 §6.3.3): these tests choose which are.
    assert s.ok('LSUB "" Trips*') == [], "CREATE subscribed a folder"
    for name in ["Trips/Atlas", "Trips/Coast/Atlas", "Trips/Lakes/Camps", "Trips/Peaks/Peaks", "Trips/Peaks/Ridges"]:
        s.ok(f'SUBSCRIBE "{name}"')

    # RFC 3501 LIST: levels a pattern stops at are shown, missing ones \Noselect; RFC 3348.
    expect_lines(s.ok('LIST "" Trips/%'), [
        '* LIST (\\HasNoChildren) "/" Trips/Atlas',
        '* LIST (\\HasChildren) "/" Trips/Coast',
        '* LIST (\\HasNoChildren) "/" Trips/Desert',
        '* LIST (\\Noselect \\HasChildren) "/" Trips/Forest',
        '* LIST (\\Noselect \\HasChildren) "/" Trips/Lakes',
        '* LIST (\\HasChildren) "/" Trips/Peaks',
    ], "LIST %")
    expect_lines(s.ok('LIST "" Trips/Peaks*'), [
        '* LIST (\\HasChildren) "/" Trips/Peaks',
        '* LIST (\\HasNoChildren) "/" Trips/Peaks/Peaks',
        '* LIST (\\HasNoChildren) "/" Trips/Peaks/Ridges',
    ], "LIST *")

    # RFC 3501 §6.3.9: LSUB shows a parent of subscribed folders % stops at as \Noselect.
    expect_lines(s.ok('LSUB "" Trips/%'), [
        '* LSUB () "/" Trips/Atlas',
        '* LSUB (\\Noselect) "/" Trips/Coast',
        '* LSUB (\\Noselect) "/" Trips/Lakes',
        '* LSUB (\\Noselect) "/" Trips/Peaks',
    ], "LSUB %")
    s.ok("SUBSCRIBE Trips")
    expect_lines(s.ok('LSUB "" Trips'), ['* LSUB () "/" Trips'], "LSUB of a subscribed parent")
    s.ok("UNSUBSCRIBE Trips")
    expect_lines(s.ok('LSUB "" Trips'), ['* LSUB (\\Noselect) "/" Trips'], "LSUB of a parent only")
    expect_lines(s.ok('LSUB "" *Atlas'), [
        '* LSUB () "/" Trips/Atlas',
        '* LSUB () "/" Trips/Coast/Atlas',
    ], "LSUB *")

    # RFC 5258: selection options, CHILDINFO, several patterns, \NonExistent.
    expect_lines(s.ok('LIST (SUBSCRIBED) "" Trips/*'), [
        '* LIST (\\Subscribed) "/" Trips/Atlas',
        '* LIST (\\Subscribed) "/" Trips/Coast/Atlas',
        '* LIST (\\Subscribed) "/" Trips/Lakes/Camps',
        '* LIST (\\Subscribed) "/" Trips/Peaks/Peaks',
        '* LIST (\\Subscribed) "/" Trips/Peaks/Ridges',
    ], "LIST (SUBSCRIBED)")
    expect_lines(s.ok('LIST (SUBSCRIBED RECURSIVEMATCH) "" Trips/Coast% RETURN (CHILDREN)'), [
        '* LIST (\\HasChildren) "/" Trips/Coast ("CHILDINFO" ("SUBSCRIBED"))',
    ], "RECURSIVEMATCH")
    expect_lines(s.ok('list (subscribed recursivematch remote) "" Trips*Peaks'), [
        '* LIST () "/" Trips/Peaks ("CHILDINFO" ("SUBSCRIBED"))',
        '* LIST (\\Subscribed) "/" Trips/Peaks/Peaks',
    ], "RECURSIVEMATCH, a child matching too")
    expect_lines(s.ok('LIST (SUBSCRIBED RECURSIVEMATCH) "" (Trips/Coast Trips/Coast/Atlas)'), [
        '* LIST (\\Subscribed) "/" Trips/Coast/Atlas',
    ], "RECURSIVEMATCH, the child matched")
    expect_lines(s.ok('LIST "" Trips/% RETURN (SUBSCRIBED CHILDREN)'), [
        '* LIST (\\Subscribed \\HasNoChildren) "/" Trips/Atlas',
        '* LIST (\\HasChildren) "/" Trips/Coast',
        '* LIST (\\HasNoChildren) "/" Trips/Desert',
        '* LIST (\\NonExistent \\HasChildren) "/" Trips/Forest',
        '* LIST (\\NonExistent \\HasChildren) "/" Trips/Lakes',
        '* LIST (\\HasChildren) "/" Trips/Peaks',
    ], "RETURN (SUBSCRIBED CHILDREN)")
    # A pattern in a literal, and special-use as a selection.
    expect_lines(s.ok('LIST "" ({12+}\r\nTrips/Desert "Trips/Atlas") RETURN ()'), [
        '* LIST () "/" Trips/Atlas',
        '* LIST () "/" Trips/Desert',
    ], "patterns, one a literal")
    special = s.ok('LIST (SPECIAL-USE) "" * RETURN (SPECIAL-USE)')
    assert sorted(special) == sorted([
        b'* LIST (\\Archive) "/" Archive',
        b'* LIST (\\Drafts) "/" Drafts',
        b'* LIST (\\Junk) "/" Junk',
        b'* LIST (\\Sent) "/" Sent',
        b'* LIST (\\Trash) "/" Trash',
    ]), special
    # The patterns of one LIST are bounded together, so many cannot multiply its cost.
    untagged, tagged = s.command('LIST "" (' + " ".join(["*%*"] * 400) + ")")
    assert tagged.startswith(b"NO [LIMIT]") and not untagged, (untagged, tagged)
    for bad in ['LIST (no-such-option) "" ""', 'LIST (recursivematch) "" ""',
                'LIST (recursivematch remote) "" %', 'LIST "" "" RETURN (no-such-option)',
                'LIST "" * RETURN (STATUS (BOGUS))']:
        untagged, tagged = s.command(bad)
        assert tagged.startswith(b"BAD"), (bad, untagged, tagged)

    # STATUS from the aggregates, with SIZE (RFC 8438); LIST-STATUS (RFC 5819).
    body = b"From: a@example.net\r\nSubject: one\r\n\r\nHello\r\n"
    s.ok('APPEND Trips/Desert (\\Seen)', body)
    s.ok('APPEND Trips/Desert (\\Deleted)', body * 2)
    s.ok('APPEND Trips/Desert ()', body * 3)
    n = len(body)
    # Appended and seen by no session yet: all three are \Recent.
    expect_lines(s.ok('STATUS Trips/Desert (MESSAGES UNSEEN DELETED DELETED-STORAGE SIZE RECENT)'), [
        f"* STATUS Trips/Desert (MESSAGES 3 UNSEEN 2 DELETED 1 DELETED-STORAGE {2 * n} SIZE {6 * n} RECENT 3)",
    ], "STATUS")
    expect_lines(s.ok('LIST "" (Trips/Desert Trips/Forest Trips/Coast/Atlas) RETURN (CHILDREN STATUS (MESSAGES SIZE))'), [
        '* LIST (\\HasNoChildren) "/" Trips/Coast/Atlas',
        "* STATUS Trips/Coast/Atlas (MESSAGES 0 SIZE 0)",
        '* LIST (\\HasNoChildren) "/" Trips/Desert',
        f"* STATUS Trips/Desert (MESSAGES 3 SIZE {6 * n})",
        '* LIST (\\NonExistent \\HasChildren) "/" Trips/Forest',
    ], "LIST-STATUS")
    untagged, tagged = s.command("STATUS nothing-here (SIZE)")
    assert tagged.startswith(b"NO [NONEXISTENT]"), tagged

    # A subscription is a name: it outlives its folder (RFC 3501 §6.3.6), which LIST-EXTENDED
    # then calls \NonExistent; RENAME carries it along; UNSUBSCRIBE still takes it away.
    s.ok("DELETE Trips/Atlas")
    s.ok("RENAME Trips/Coast/Atlas Trips/Coast/moved")
    expect_lines(s.ok('LSUB "" Trips/*'), [
        '* LSUB () "/" Trips/Atlas',
        '* LSUB () "/" Trips/Coast/moved',
        '* LSUB () "/" Trips/Lakes/Camps',
        '* LSUB () "/" Trips/Peaks/Peaks',
        '* LSUB () "/" Trips/Peaks/Ridges',
    ], "LSUB after DELETE and RENAME")
    expect_lines(s.ok('LIST (SUBSCRIBED) "" Trips/Atlas'), [
        '* LIST (\\NonExistent \\Subscribed) "/" Trips/Atlas',
    ], "a deleted folder's subscription")
    assert s.ok('LIST "" Trips/Atlas') == [], "a deleted folder is listed"
    untagged, tagged = s.command("SUBSCRIBE Trips/Never-made")
    assert tagged.startswith(b"NO [NONEXISTENT]"), tagged
    s.ok("UNSUBSCRIBE Trips/Atlas")
    assert s.ok('LSUB "" Trips/Atlas') == [], "UNSUBSCRIBE of a deleted folder"
    # A folder made again under a name still subscribed is subscribed at once.
    s.ok("SUBSCRIBE Trips/Desert")
    s.ok("DELETE Trips/Desert")
    s.ok("CREATE Trips/Desert")
    expect_lines(s.ok('LSUB "" Trips/Desert'), ['* LSUB () "/" Trips/Desert'], "re-created")
    s.ok("LOGOUT")
    print("FOLDERS OK", flush=True)


def compressed(port, tls, login, password):
    s = Session(port, tls=tls)
    untagged, tagged = s.command("COMPRESS DEFLATE")
    assert tagged.startswith(b"BAD"), ("COMPRESS before sign-in", tagged)
    s.ok(f"LOGIN {login} {password}")
    s.start_compression()
    untagged, tagged = s.command("COMPRESS DEFLATE")
    assert tagged.startswith(b"NO [COMPRESSIONACTIVE]"), tagged
    expect_lines(s.ok('LIST "" INBOX'), ['* LIST (\\HasNoChildren) "/" INBOX'], "LIST compressed")
    # A literal both ways, larger than one read and than one inflate.
    body = b"From: a@example.net\r\nSubject: big\r\n\r\n" + b"line of text\r\n" * 20000
    folder = "Big" + ("TLS" if tls else "TCP")
    s.ok(f"CREATE {folder}")
    s.ok(f"APPEND {folder} ()", body)
    s.ok(f"SELECT {folder}")
    fetched = s.ok("FETCH 1 BODY[]")
    assert len(fetched) == 1 and body in fetched[0], len(fetched[0])
    # Pipelined commands in one compressed burst, answered without waiting for more input.
    s.send(b"p1 NOOP\r\np2 STATUS %s (MESSAGES SIZE)\r\np3 NOOP\r\n" % folder.encode())
    lines = [s.response() for _ in range(4)]
    assert lines[0] == b"p1 OK NOOP completed" and lines[3].startswith(b"p3 OK"), lines
    assert lines[1] == b"* STATUS %s (MESSAGES 1 SIZE %d)" % (folder.encode(), len(body)), lines
    # Literal announcements are read inflated: one over the limit is refused, and on it goes.
    s.send(b"big APPEND INBOX {26214401}\r\n")
    line = s.line()
    assert line.startswith(b"big BAD"), line
    s.ok("NOOP")
    # The line guard sees the inflated bytes: 200 KB of line is 200 bytes on the wire.
    s.send(b"x " + b"a" * 200_000 + b"\r\n")
    line = s.line()
    assert line.startswith(b"* BYE") and b"too long" in line, line
    print("COMPRESS OK", "TLS" if tls else "TCP", flush=True)


mode = sys.argv[1]
if mode == "folders":
    folders(int(sys.argv[2]), sys.argv[3], sys.argv[4])
elif mode == "compress":
    plain, tls_port, login, password = int(sys.argv[2]), int(sys.argv[3]), sys.argv[4], sys.argv[5]
    compressed(plain, False, login, password)
    compressed(tls_port, True, login, password)
    print("COMPRESS OK", flush=True)
else:
    sys.exit(f"unknown mode {mode}")
