"""Real clients for TrekMail's SMTP tests: Python's smtplib (and imaplib to read the result).

usage: smtp_client.py MODE ARGS...
  submit PORT TLS LOGIN PASSWORD FROM TO SUBJECT
                TLS is starttls, ssl or plain; prints SENT, or REFUSED CODE and the reply
  no-auth PORT  EHLO without TLS: AUTH must not be offered; prints NO AUTH
  starttls-injection PORT
                a command sent with STARTTLS in one packet must be dropped (RFC 3207);
                prints DROPPED
  wait-421 PORT LOGIN PASSWORD [data]
                sign in over STARTTLS (and with "data" send DATA and stop after 354); print
                WAITING, then expect 421 4.7.0 and the connection closed within 10 s
  inbound PORT FROM TO SUBJECT KIB [FIELD...]
                one inbound message of about KIB KiB to TO (comma-separated), no AUTH, with
                the header FIELDs ("List-Id: <x>") first;
                prints SENT, or REFUSED CODE and the reply (of DATA, or of each refused RCPT)
  headers PORT LOGIN PASSWORD OTHER
                sign in (loopback), then one message per header case (own From, OTHER in
                From:, Sender:, a second From: or a From: list, no From:, no address, own address
                in capitals); prints CASE name CODE for each
  pipelined PORT LOGIN PASSWORD COUNT
                sign in (loopback, no TLS), then COUNT messages "piped N" to LOGIN written in
                one pipelined burst; prints FLOWING after the fifth 250 to DATA, then ACCEPTED n
                and the last reply when the server closes the connection
  burst PORT COUNT CONNECTIONS
                inbound messages "burst N" to ann@example.com; prints OK N after each 250
  imap-subjects PORT LOGIN PASSWORD FOLDER
                prints SUBJECT s for every message in FOLDER, then DONE
  imap-idle PORT LOGIN PASSWORD
                SELECT INBOX, IDLE; prints IDLING, then EXISTS n when new mail arrives (10 s)
"""
import email
import imaplib
import smtplib
import socket
import ssl
import sys
import threading
import time

mode, args = sys.argv[1], sys.argv[2:]
context = ssl.create_default_context()
context.check_hostname = False
context.verify_mode = ssl.CERT_NONE


def message(sender, to, subject):
    return (
        f"From: {sender}\r\nTo: {to}\r\nSubject: {subject}\r\n"
        f"Message-ID: <{time.time_ns()}@test>\r\n\r\nHello from smtplib: {subject}\r\n"
    )


if mode == "submit":
    port, tls, login, password, sender, to, subject = args
    port = int(port)
    if tls == "ssl":
        s = smtplib.SMTP_SSL("127.0.0.1", port, context=context, timeout=15)
    else:
        s = smtplib.SMTP("127.0.0.1", port, timeout=15)
        if tls == "starttls":
            s.starttls(context=context)
    s.ehlo()
    assert s.has_extn("auth"), s.esmtp_features
    try:
        s.login(login, password)
        s.sendmail(sender, to.split(","), message(sender, to, subject))
    except smtplib.SMTPAuthenticationError as e:
        print("REFUSED", e.smtp_code, e.smtp_error.decode())
        sys.exit(0)
    except smtplib.SMTPSenderRefused as e:
        print("REFUSED", e.smtp_code, e.smtp_error.decode())
        sys.exit(0)
    except smtplib.SMTPRecipientsRefused as e:
        for code, text in e.recipients.values():
            print("REFUSED", code, text.decode())
        sys.exit(0)
    s.quit()
    print("SENT")
    sys.exit(0)

if mode == "no-auth":
    s = smtplib.SMTP("127.0.0.1", int(args[0]), timeout=15)
    s.ehlo()
    assert not s.has_extn("auth"), s.esmtp_features
    assert s.has_extn("starttls"), s.esmtp_features
    code, text = s.docmd("AUTH", "PLAIN AGFubkBleGFtcGxlLmNvbQB4")
    assert code == 538, (code, text)
    code, text = s.docmd("MAIL", "FROM:<ann@example.com>")
    assert code == 530, (code, text)
    print("NO AUTH")
    sys.exit(0)

if mode == "starttls-injection":
    raw = socket.create_connection(("127.0.0.1", int(args[0])), timeout=15)
    f = raw.makefile("rb")
    assert f.readline().startswith(b"220 ")
    raw.sendall(b"EHLO x\r\n")
    while not f.readline().startswith(b"250 "):
        pass
    raw.sendall(b"STARTTLS\r\nRCPT TO:<ann@example.com>\r\n")
    line = f.readline()
    assert line.startswith(b"220 "), line
    tls = context.wrap_socket(raw, server_hostname="localhost")
    tf = tls.makefile("rb")
    tls.sendall(b"NOOP\r\n")
    line = tf.readline()
    assert line.startswith(b"250 "), line
    print("DROPPED")
    sys.exit(0)

if mode == "wait-421":
    port, login, password = int(args[0]), args[1], args[2]
    s = smtplib.SMTP("127.0.0.1", port, timeout=15)
    s.starttls(context=context)
    s.login(login, password)
    if len(args) > 3 and args[3] == "data":
        s.mail(login)
        s.rcpt(login)
        code, text = s.docmd("DATA")
        assert code == 354, (code, text)
    print("WAITING", flush=True)
    s.sock.settimeout(10)
    got = b""
    while not got.endswith(b"\n"):
        chunk = s.sock.recv(1024)
        if not chunk:
            sys.exit(f"closed without a reply: {got!r}")
        got += chunk
    assert got.startswith(b"421 4.7.0"), got
    try:
        rest = s.sock.recv(1024)
    except (ssl.SSLError, OSError):
        rest = b""
    assert rest == b"", rest
    print("CLOSED", got.decode().strip(), flush=True)
    sys.exit(0)

if mode == "inbound":
    port, sender, to, subject, kib = args[:5]
    extra = "".join(field + "\r\n" for field in args[5:])
    filler = ("x" * 76 + "\r\n") * (int(kib) * 1024 // 78 + 1)
    s = smtplib.SMTP("127.0.0.1", int(port), timeout=15)
    try:
        s.sendmail(sender, to.split(","), extra + message(sender, to, subject) + filler)
    except smtplib.SMTPDataError as e:
        print("REFUSED", e.smtp_code, e.smtp_error.decode())
        sys.exit(0)
    except smtplib.SMTPRecipientsRefused as e:
        for code, text in e.recipients.values():
            print("REFUSED", code, text.decode())
        sys.exit(0)
    s.quit()
    print("SENT")
    sys.exit(0)

if mode == "headers":
    port, login, password, other = int(args[0]), args[1], args[2], args[3]
    cases = {
        "own": f"From: Ann <{login}>\r\n",
        "other-from": f"From: {other}\r\n",
        "other-sender": f"From: {login}\r\nSender: {other}\r\n",
        "second-from": f"From: {login}\r\nFrom: {other}\r\n",
        "from-list": f"From: {login}, {other}\r\n",
        "group": f"From: friends: {other};\r\n",
        "no-from": "",
        "no-address": "From: Ann\r\n",
        "capitals": f"From: <{login.upper()}>\r\nSender: {login}\r\n",
    }
    s = smtplib.SMTP("127.0.0.1", port, timeout=15)
    s.login(login, password)
    for name, header in cases.items():
        body = f"{header}To: {login}\r\nSubject: {name}\r\n\r\nhi\r\n"
        try:
            s.sendmail(login, [login], body)
            print("CASE", name, 250, flush=True)
        except smtplib.SMTPDataError as e:
            print("CASE", name, e.smtp_code, e.smtp_error.decode(), flush=True)
    s.quit()
    sys.exit(0)

if mode == "pipelined":
    port, login, password, count = int(args[0]), args[1], args[2], int(args[3])
    s = smtplib.SMTP("127.0.0.1", port, timeout=15)
    s.login(login, password)
    burst = b"".join(
        f"MAIL FROM:<{login}>\r\nRCPT TO:<{login}>\r\nDATA\r\n{message(login, login, f'piped {n}')}.\r\n".encode()
        for n in range(count)
    )

    def write():
        try:
            s.sock.sendall(burst)
        except OSError:
            pass  # the server closed the connection with 421

    threading.Thread(target=write, daemon=True).start()
    f, accepted, last = s.sock.makefile("rb"), 0, b""
    while True:
        line = f.readline()
        if not line:
            break
        last = line
        if line.startswith(b"250 2.0.0 Message accepted"):
            accepted += 1
            if accepted == 5:
                print("FLOWING", flush=True)
    print("ACCEPTED", accepted, "LAST", last.decode().strip(), flush=True)
    sys.exit(0)

if mode == "burst":
    port, count, connections = int(args[0]), int(args[1]), int(args[2])
    lock = threading.Lock()

    def worker(first):
        s = smtplib.SMTP("127.0.0.1", port, timeout=15)
        for n in range(first, count, connections):
            s.sendmail("x@far.example", ["ann@example.com"], message("x@far.example", "ann@example.com", f"burst {n}"))
            with lock:
                print("OK", n, flush=True)
        s.quit()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(connections)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    sys.exit(0)

port, login, password = int(args[0]), args[1], args[2]
m = imaplib.IMAP4("127.0.0.1", port, timeout=15)
m.login(login, password)

if mode == "imap-subjects":
    typ, data = m.select(args[3], readonly=True)
    assert typ == "OK", data
    if int(data[0]) > 0:
        typ, data = m.fetch("1:*", "(BODY.PEEK[])")
        assert typ == "OK", data
        for item in data:
            if isinstance(item, tuple):
                parsed = email.message_from_bytes(item[1])
                print("SUBJECT", parsed["Subject"])
    print("DONE")
    sys.exit(0)

if mode == "imap-idle":
    typ, data = m.select("INBOX")
    assert typ == "OK", data
    tag = m._new_tag()
    m.send(tag + b" IDLE\r\n")
    assert m.readline().startswith(b"+")
    print("IDLING", flush=True)
    deadline = time.time() + 10
    while time.time() < deadline:
        line = m.readline()
        if not line:
            sys.exit("closed")
        if line.startswith(b"* ") and line.rstrip().endswith(b"EXISTS"):
            print("EXISTS", int(line.split()[1]), flush=True)
            sys.exit(0)
    sys.exit("no EXISTS within 10 s")

sys.exit(f"unknown mode {mode}")
