"""SEARCH, SORT and THREAD as Python's imaplib sends them, for imap_search.rs.

usage: imap_search_client.py PORT LOGIN PASSWORD
Appends five messages to a new folder (encoded words, a group, an address with comments,
quoted-printable Latin-1 and base64 UTF-8 bodies, a nested message, Date: fields in their own
zones and one without), then checks every answer; prints SEARCHED, SORTED, THREADED, DONE.
"""
import base64
import imaplib
import sys

port, login, password = int(sys.argv[1]), sys.argv[2], sys.argv[3]
m = imaplib.IMAP4("127.0.0.1", port, timeout=15)
assert m.login(login, password)[0] == "OK"

typ, caps = m.capability()
words = caps[0].upper().split()
for cap in (b"SORT", b"SORT=DISPLAY", b"THREAD=ORDEREDSUBJECT", b"THREAD=REFERENCES"):
    assert cap in words, (cap, caps)

MAIL = [
    # 1: sent 25 Mar 2007 in its own zone, 24 Mar in UTC.
    b"From: =?utf-8?q?Ren=C3=A9e_Dupont?= <renee@example.org>\r\n"
    b"To: team: ann@example.com, bob@example.com;\r\n"
    b"Cc: <carl (the boss) @ (hq) example.net>\r\n"
    b"Bcc: dee@example.com\r\n"
    b"Subject: =?iso-8859-1?q?Caf=E9?= plans\r\n"
    b"Date: Sun, 25 Mar 2007 01:30:00 +0300\r\n"
    b"Message-ID: <m1@example.org>\r\n"
    b"Content-Type: text/plain; charset=iso-8859-1\r\n"
    b"Content-Transfer-Encoding: quoted-printable\r\n"
    b"\r\n"
    b"On se voit au caf=E9. M=C9T=C9O: soleil.\r\n",
    # 2: a reply, sent 24 Mar 2007 in its own zone (-0100), before 1 in UTC.
    b"From: Yves <bob@example.com>\r\n"
    b"To: renee@example.org\r\n"
    b"Subject: =?utf-8?q?Re=3A_Caf=C3=A9?= plans\r\n"
    b"Date: Sat, 24 Mar 2007 20:00:00 -0100\r\n"
    b"Message-ID: <m2@example.org>\r\n"
    b"In-Reply-To: <m1@example.org>\r\n"
    b"References: <m1@example.org>\r\n"
    b"X-Priority: 1\r\n"
    b"Content-Type: text/plain; charset=utf-8\r\n"
    b"Content-Transfer-Encoding: base64\r\n"
    b"\r\n" + base64.encodebytes("Météo parfaite pour un café.".encode()).replace(b"\n", b"\r\n"),
    # 3: no Date: field (its arrival stands in), a large body.
    b"From: ann@example.com (Ann Example)\r\n"
    b"To: bob@example.com\r\n"
    b"Subject: [team] Budget\r\n"
    b"Message-ID: <m3@example.org>\r\n"
    b"\r\n" + b"budget line\r\n" * 300,
    # 4: answers 3, with a nested message.
    b"From: Zed <zed@example.com>\r\n"
    b"Subject: Re: Budget\r\n"
    b"Date: Fri, 21 Mar 2025 09:00:00 +0000\r\n"
    b"Message-ID: <m4@example.org>\r\n"
    b"References: <m3@example.org>\r\n"
    b"Content-Type: multipart/mixed; boundary=b1\r\n"
    b"\r\n"
    b"--b1\r\nContent-Type: text/plain\r\n\r\nSee attached.\r\n"
    b"--b1\r\nContent-Type: message/rfc822\r\n\r\n"
    b"Subject: Inner\r\nContent-Type: text/plain\r\n\r\nhidden treasure\r\n"
    b"--b1\r\nContent-Type: application/octet-stream\r\n\r\nopaque bytes\r\n"
    b"--b1--\r\n",
    # 5: "Re: budget" without References: REFERENCES joins it to 3 by subject.
    b"From: Yo <yo@example.com>\r\n"
    b"To: ann@example.com\r\n"
    b"Subject: Re: budget\r\n"
    b"Date: Sat, 22 Mar 2025 10:00:00 +0000\r\n"
    b"Message-ID: <m5@example.org>\r\n"
    b"\r\n"
    b"Count me in.\r\n",
]
# Arrivals at noon UTC: the same calendar day in any server zone within 11 hours.
ARRIVED = ["10-Jan-2025", "15-Mar-2025", "20-Mar-2025", "21-Mar-2025", "22-Mar-2025"]

assert m.create("Search")[0] == "OK"
for raw, day in zip(MAIL, ARRIVED):
    typ, data = m.append("Search", None, f'"{day} 12:00:00 +0000"', raw)
    assert typ == "OK", data
assert m.select("Search")[0] == "OK"
typ, data = m.uid("SEARCH", "ALL")
uids = [int(n) for n in data[0].split()]
assert len(uids) == 5, uids
assert m.store("2", "+FLAGS", r"(\Flagged)")[0] == "OK"
assert m.store("3", "+FLAGS", r"(\Seen $Work)")[0] == "OK"


def numbers(data):
    return [int(n) for n in data[0].split()]


def search(*criteria, uid=False, text=None):
    """SEARCH with `criteria`; `text` (non-ASCII) goes last, as a UTF-8 literal."""
    charset = None
    if text is not None:
        m.literal = text.encode()
        charset = "UTF-8"
    typ, data = m.uid("SEARCH", *criteria) if uid else m.search(charset, *criteria)
    assert typ == "OK", (criteria, data)
    return numbers(data)


def check(expected, *criteria, **kw):
    got = search(*criteria, **kw)
    assert got == expected, (criteria, kw, got, expected)


# Addresses: display names decoded, addresses without comments, groups by name and member.
check([2], "FROM", "bob")
check([2], "FROM", "yves")
check([1], "FROM", "renee@example")
check([1], "FROM", "dupont")
check([1], "FROM", text="renée")
check([3], "FROM", '"Ann Example"')
check([1], "TO", "team")
check([1, 3], "TO", "bob@example.com")
check([1, 5], "TO", "ann@")
check([2], "TO", "renee")
check([1], "CC", "carl@example.net")
check([1], "BCC", "dee")
check([], "FROM", "nobody")
# Subjects and other fields, decoded; "" asks whether the field is there.
check([1, 2], "SUBJECT", text="CAFÉ")
check([1, 2], "SUBJECT", text="café plans")
check([3, 4, 5], "SUBJECT", "budget")
check([3], "SUBJECT", '"[team]"')
check([1], "HEADER", "CC", '""')
check([2], "HEADER", "X-Priority", '""')
check([2], "HEADER", "X-Priority", "1")
check([1, 3, 4, 5], "NOT", "HEADER", "X-Priority", '""')
check([3], "HEADER", "Message-ID", '"<m3@"')
# Bodies decoded per transfer encoding and charset, any case, nested messages included;
# attachments that are not text are not searched (as Dovecot does).
check([1, 2], "BODY", text="météo")
check([1], "BODY", "soleil")
check([4], "BODY", '"hidden treasure"')
check([4], "BODY", "inner")
check([3], "BODY", "budget")
check([], "BODY", "opaque")
check([], "BODY", "plans")
check([1, 2], "TEXT", "plans")
check([4], "TEXT", "zed@")
# SENT* by the Date: field's own calendar day; without one, the arrival.
check([1], "SENTON", "25-Mar-2007")
check([2], "SENTON", "24-Mar-2007")
check([2], "SENTBEFORE", "25-Mar-2007")
check([1, 3, 4, 5], "SENTSINCE", "25-Mar-2007")
check([3], "SENTON", "20-Mar-2025")
check([4, 5], "SENTSINCE", "21-Mar-2025")
check([1, 2, 3], "SENTBEFORE", "21-Mar-2025")
check([1, 3, 4, 5], "NOT", "SENTON", "24-Mar-2007")
check([uids[0]], "SENTON", "25-Mar-2007", uid=True)
# Arrival dates, sizes, flags.
check([2], "ON", "15-Mar-2025")
check([1], "BEFORE", "15-Mar-2025")
check([3, 4, 5], "SINCE", "20-Mar-2025")
check([3], "LARGER", "3000")
check([1, 2, 4, 5], "SMALLER", "3000")
check([2], "FLAGGED")
check([3], "SEEN")
check([1, 2, 4, 5], "UNSEEN")
check([3], "KEYWORD", "$Work")
check([1, 2, 4, 5], "UNKEYWORD", "$work")
check([1], "UNSEEN", "BODY", "soleil")
check([], "SEEN", "BODY", "soleil")
# Sets: `*`, reversed ranges, UIDs.
check([2, 3, 4], "4:2")
check([5], "*")
check([4, 5], "*:4")
check([1, 5], "1,*")
check([2, 3, 4], "UID", f"{uids[3]}:{uids[1]}")
check([5], "UID", "*")
check([5], "UID", "4000000000:*")
check([2, 4], "2:4", "NOT", "UID", str(uids[2]))
# Nesting.
check([2, 3, 4, 5], "OR", "FROM", "yves", "SUBJECT", "budget")
check([1], "NOT", "(OR FROM yves SUBJECT budget)")
check([3], "(OR SEEN FLAGGED)", "NOT", "2")
check([1, 2], "OR", "(SENTBEFORE 1-Jan-2008 FROM renee)", "FLAGGED")
# \Recent is per session: NEW is recent and unseen, OLD is not recent.
recent = search("RECENT")
assert set(search("NEW")) <= set(recent), recent
check([n for n in range(1, 6) if n not in recent], "OLD")
check(search("NOT", "RECENT"), "OLD")
# CHARSET: UTF-8 and US-ASCII; another is refused with the ones there are.
typ, data = m.search("US-ASCII", "SUBJECT", "budget")
assert typ == "OK" and numbers(data) == [3, 4, 5], data
typ, data = m.search("ISO-8859-1", "SUBJECT", "budget")
assert typ == "NO" and b"[BADCHARSET (UTF-8 US-ASCII)]" in data[0], (typ, data)
assert m.noop()[0] == "OK"
print("SEARCHED", flush=True)


def sort(criteria, *search_criteria, uid=False):
    typ, data = (
        m.uid("SORT", criteria, "UTF-8", *search_criteria)
        if uid
        else m.sort(criteria, "UTF-8", *search_criteria)
    )
    assert typ == "OK", (criteria, data)
    return numbers(data)


def sorted_by(expected, criteria, *search_criteria, uid=False):
    got = sort(criteria, *(search_criteria or ("ALL",)), uid=uid)
    assert got == expected, (criteria, search_criteria, got, expected)


sorted_by([1, 2, 3, 4, 5], "(ARRIVAL)")
sorted_by([5, 4, 3, 2, 1], "(REVERSE ARRIVAL)")
sorted_by([2, 1, 3, 4, 5], "(DATE)")
sorted_by([5, 4, 3, 1, 2], "(REVERSE DATE)")
sorted_by([3, 4, 5, 1, 2], "(SUBJECT)")
sorted_by([5, 4, 3, 1, 2], "(SUBJECT REVERSE DATE)")
sorted_by([3, 2, 1, 5, 4], "(FROM)")
sorted_by([3, 1, 5, 2, 4], "(DISPLAYFROM)")
sorted_by([4, 5, 3, 2, 1], "(TO)")
sorted_by([4, 5, 3, 2, 1], "(DISPLAYTO)")
sorted_by([2, 3, 4, 5, 1], "(CC)")
sorted_by([1, 2, 3, 4, 5], "(REVERSE CC)")
typ, data = m.fetch("1:5", "(RFC822.SIZE)")
sizes = {int(d.split()[0]): int(d.split()[-1].rstrip(b")")) for d in data}
sorted_by(sorted(range(1, 6), key=lambda n: (sizes[n], n)), "(SIZE)")
sorted_by([3, 2], "(REVERSE SIZE)", "OR", "SEEN", "FLAGGED")
sorted_by([uids[n - 1] for n in [5, 4, 3, 2, 1]], "(REVERSE ARRIVAL)", uid=True)
sorted_by([uids[4], uids[3]], "(REVERSE DATE)", "SENTSINCE", "21-Mar-2025", uid=True)
typ, data = m.sort("(DATE)", "KOI8-R", "ALL")
assert typ == "NO" and b"[BADCHARSET (UTF-8 US-ASCII)]" in data[0], (typ, data)
print("SORTED", flush=True)


def thread(algorithm, *search_criteria, uid=False):
    criteria = search_criteria or ("ALL",)
    typ, data = (
        m.uid("THREAD", algorithm, "UTF-8", *criteria)
        if uid
        else m.thread(algorithm, "UTF-8", *criteria)
    )
    assert typ == "OK", (algorithm, data)
    return data[0].decode()


got = thread("REFERENCES")
assert got == "(1 2)(3 (4)(5))", got
got = thread("ORDEREDSUBJECT")
assert got == "(2 1)(3 (4)(5))", got
# Without 3, its two replies share a subject and neither is the original: a dummy holds them.
got = thread("REFERENCES", "NOT", "3")
assert got == "(1 2)((4)(5))", got
got = thread("REFERENCES", uid=True)
u = uids
assert got == f"({u[0]} {u[1]})({u[2]} ({u[3]})({u[4]}))", got
got = thread("ORDEREDSUBJECT", "SUBJECT", "budget", uid=True)
assert got == f"({u[2]} ({u[3]})({u[4]}))", got
print("THREADED", flush=True)

# A header longer than the first read: the field past it is still found.
long = b"X-Filler: " + b"f" * 20000 + b"\r\nSubject: needle\r\n\r\nbody\r\n"
assert m.create("Long")[0] == "OK"
assert m.append("Long", None, None, long)[0] == "OK"
assert m.select("Long")[0] == "OK"
check([1], "SUBJECT", "needle")
check([], "BODY", "needle")

m.logout()
print("DONE", flush=True)
