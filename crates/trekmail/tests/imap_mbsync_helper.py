"""imaplib helper for the mbsync test.

usage: imap_mbsync_helper.py PORT LOGIN PASSWORD seed N    APPEND N messages to INBOX
       imap_mbsync_helper.py PORT LOGIN PASSWORD check     print INBOX's count, flagged and
                                                            subjects of interest
"""
import imaplib
import socket
import sys

port, login, password, mode = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]
m = imaplib.IMAP4("127.0.0.1", port, timeout=30)
m.login(login, password)
if mode == "seed":
    # imaplib sends a literal and its closing CRLF apart; without this, Nagle holds the CRLF
    # for the server's delayed ACK, ~40 ms an APPEND.
    m.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    for i in range(int(sys.argv[5])):
        body = (f"From: bob@example.net\r\nTo: {login}\r\nSubject: Message {i:04}\r\n"
                f"Message-ID: <m{i}@example.net>\r\n\r\nBody {i}\r\n").encode()
        typ, data = m.append("INBOX", None, None, body)
        assert typ == "OK", data
    print("SEEDED", flush=True)
else:
    typ, data = m.select("INBOX", readonly=True)
    assert typ == "OK", data
    print("COUNT", int(data[0]))
    typ, data = m.search(None, "FLAGGED")
    print("FLAGGED", len(data[0].split()))
    for subject in ("Message 0000", "Message 0001", "Written locally"):
        typ, data = m.search(None, "SUBJECT", f'"{subject}"')
        print("SUBJECT", subject.replace(" ", "_"), len(data[0].split()))
m.logout()
