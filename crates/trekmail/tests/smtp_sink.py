"""A receiving SMTP server for the outbound tests: Python's aiosmtpd on 127.0.0.1 (Debian's
python3-aiosmtpd, so run it with /usr/bin/python3).

usage: smtp_sink.py MODE [PORT [CERT KEY [USER PASSWORD]]]
  accept   takes every message; prints SESSION tls=<yes|no> auth=<user|->, FROM <sender>
           (<> for the null sender), then RECEIVED <recipient> <subject>
  keep=DIR as accept, and writes each message as it arrived to DIR/<n>.eml
  refuse   answers RCPT with 550 5.1.1
  defer    answers RCPT with 451 4.3.0
With CERT and KEY it offers STARTTLS; with USER and PASSWORD it also wants AUTH (only inside
TLS) and prints LOGIN <user> for every login tried. Prints PORT n once listening (PORT 0 or
none: a free port).
"""
import asyncio
import email
import socket
import ssl
import sys

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult

mode, _, keep_dir = sys.argv[1].partition("=")
kept = 0
port = int(sys.argv[2]) if len(sys.argv) > 2 else 0
if port == 0:
    probe = socket.socket()
    probe.bind(("127.0.0.1", 0))
    port = probe.getsockname()[1]
    probe.close()


tls_files = sys.argv[3:5]
login = sys.argv[5:7]


def authenticator(server, session, envelope, mechanism, auth_data):
    user = auth_data.login.decode()
    print("LOGIN", user, flush=True)
    return AuthResult(success=[user, auth_data.password.decode()] == login, auth_data=user)


class Handler:
    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if mode == "refuse":
            return "550 5.1.1 <%s>: no such user here" % address
        if mode == "defer":
            return "451 4.3.0 try again later"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        subject = email.message_from_bytes(envelope.content)["Subject"]
        tls = "yes" if session.ssl else "no"
        print("SESSION tls=%s auth=%s" % (tls, session.auth_data if session.authenticated else "-"), flush=True)
        print("FROM", envelope.mail_from or "<>", flush=True)
        for rcpt in envelope.rcpt_tos:
            print("RECEIVED", rcpt, subject, flush=True)
        if keep_dir:
            global kept
            kept += 1
            with open("%s/%d.eml" % (keep_dir, kept), "wb") as f:
                f.write(envelope.original_content)
        return "250 OK"


options = {}
if tls_files:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(*tls_files)
    options["tls_context"] = context
if login:
    options.update(authenticator=authenticator, auth_required=True, auth_require_tls=True)
controller = Controller(Handler(), hostname="127.0.0.1", port=port, **options)
controller.start()
print("PORT", port, flush=True)
try:
    asyncio.get_event_loop().run_until_complete(asyncio.sleep(3600))
except KeyboardInterrupt:
    pass
finally:
    controller.stop()
