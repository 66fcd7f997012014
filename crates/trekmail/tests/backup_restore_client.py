"""Real clients (smtplib, imaplib) for the backup and restore test.

usage: backup_restore_client.py MODE ARGS...
  load PORT TO[,TO...] CONNECTIONS
              inbound mail to the addresses in turn over CONNECTIONS connections until
              stdin closes; prints SENT <message-id> TO after each 250, then STOPPED n
  churn PORT LOGIN PASSWORD
              empties LOGIN's INBOX (flag \\Deleted, EXPUNGE) again and again until stdin
              closes, so bodies are deleted while a backup runs; prints CHURNED n
  message-ids PORT LOGIN PASSWORD
              prints ID <message-id> for every message in INBOX, then DONE
"""
import email
import imaplib
import smtplib
import sys
import threading
import time

mode, args = sys.argv[1], sys.argv[2:]
stop = threading.Event()


def stop_when_stdin_closes():
    sys.stdin.read()
    stop.set()


if mode in ("load", "churn"):
    threading.Thread(target=stop_when_stdin_closes, daemon=True).start()

if mode == "load":
    port, to, connections = int(args[0]), args[1].split(","), int(args[2])
    lock = threading.Lock()
    sent = [0]
    filler = ("backup " * 10 + "\r\n") * 40

    def worker(n):
        s = smtplib.SMTP("127.0.0.1", port, timeout=15)
        i = 0
        while not stop.is_set():
            rcpt = to[i % len(to)]
            msgid = f"<load-{n}-{i}-{time.time_ns()}@backup.test>"
            body = (
                f"From: far@sender.example\r\nTo: {rcpt}\r\nSubject: load {n} {i}\r\n"
                f"Message-ID: {msgid}\r\n\r\n{filler}"
            )
            s.sendmail("far@sender.example", [rcpt], body)
            with lock:
                sent[0] += 1
                print("SENT", msgid, rcpt, flush=True)
            i += 1
        s.quit()

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(connections)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    print("STOPPED", sent[0], flush=True)
    sys.exit(0)

port, login, password = int(args[0]), args[1], args[2]
m = imaplib.IMAP4("127.0.0.1", port, timeout=15)
m.login(login, password)

if mode == "churn":
    churned = 0
    typ, data = m.select("INBOX")
    assert typ == "OK", data
    while not stop.is_set():
        typ, data = m.search(None, "ALL")
        assert typ == "OK", data
        if data[0]:
            typ, data = m.store("1:*", "+FLAGS", "(\\Deleted)")
            assert typ == "OK", data
            typ, data = m.expunge()
            assert typ == "OK", data
            churned += len([d for d in data if d])
        time.sleep(0.02)
    print("CHURNED", churned, flush=True)
    sys.exit(0)

if mode == "message-ids":
    typ, data = m.select("INBOX", readonly=True)
    assert typ == "OK", data
    if int(data[0]) > 0:
        typ, data = m.fetch("1:*", "(BODY.PEEK[HEADER.FIELDS (MESSAGE-ID)])")
        assert typ == "OK", data
        for item in data:
            if isinstance(item, tuple):
                print("ID", email.message_from_bytes(item[1])["Message-ID"])
    print("DONE")
    sys.exit(0)

sys.exit(f"unknown mode {mode}")
